/**
 * --min-confidence: findings below the level asked for are left out of every format and of the
 * --exit-code gate alike, so what a CI job fails on is what its report shows; the summary
 * says how many were left out, so a clean-looking report is never mistaken for a clean capture.
 */
import type { Confidence } from '../detect/evidence';
import type { Finding, Summary } from './finding';

export const CONFIDENCE_LEVELS: readonly Confidence[] = ['low', 'medium', 'high'];

const RANK: Record<Confidence, number> = { low: 1, medium: 2, high: 3 };

/** The level a --min-confidence value names, or null when it names none. */
export function parseConfidence(text: string): Confidence | null {
  const t = text.trim().toLowerCase();
  return (CONFIDENCE_LEVELS as readonly string[]).includes(t) ? (t as Confidence) : null;
}

/** True when the finding is at `min` or above (a live event is shown or alerted only then). */
export function meetsConfidence(f: Pick<Finding, 'confidence'>, min: Confidence): boolean {
  return (RANK[f.confidence] ?? 0) >= RANK[min];
}

export function filterByConfidence(findings: readonly Finding[], min: Confidence): { findings: Finding[]; filteredOut: number } {
  const kept = findings.filter((f) => meetsConfidence(f, min));
  return { findings: kept, filteredOut: findings.length - kept.length };
}

/** The findings at `min` or above, and the summary counting those, with `minConfidence` and `filteredOut` told. */
export function applyMinConfidence(findings: readonly Finding[], summary: Summary, min: Confidence): { findings: Finding[]; summary: Summary } {
  const r = filterByConfidence(findings, min);
  return { findings: r.findings, summary: { ...summary, findings: r.findings.length, minConfidence: min, filteredOut: r.filteredOut } };
}
