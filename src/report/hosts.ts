/**
 * Findings told per host, for the reports people read (the table's host lines, the HTML
 * page): which pools a host used, from when to when, for how long in all, in how many
 * sessions, and the strongest confidence among its findings.
 */
import type { Finding } from './finding';

const CONFIDENCE_RANK: Record<string, number> = { low: 1, medium: 2, high: 3 };

/** One host's story: what the per-host table row and chart need. */
export interface HostStory {
  host: string;
  pools: string[];
  firstSeen: string;
  lastSeen: string;
  /** Sum of the connections' durations (overlaps counted once); DNS lookups alone add nothing. */
  miningSeconds: number;
  /** Connections (flows) to pools. */
  sessions: number;
  confidence: string;
  findings: Finding[];
}

/** Wall-clock seconds covered by a set of [start, end] intervals, overlaps counted once. */
export function coveredSeconds(intervals: Array<[number, number]>): number {
  const sorted = intervals.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else if (b > end) {
      end = b;
    }
  }
  if (end > start) total += end - start;
  return total / 1000;
}

export function sessionsOf(f: Finding): Array<{ start: number; end: number }> {
  const list = f.connections !== undefined && f.connections.length > 0 ? f.connections : [{ firstSeen: f.firstSeen, lastSeen: f.lastSeen }];
  return list.map((c) => ({ start: Date.parse(c.firstSeen), end: Date.parse(c.lastSeen) }));
}

export function poolLabel(f: Finding): string {
  const where = f.pool === null ? (f.domain ?? 'lookup') : `${f.pool}:${f.poolPort}`;
  return f.domain !== null && f.pool !== null ? `${f.domain} (${where})` : where;
}

/** Findings grouped by host, busiest confidence first, then by first seen. */
export function hostStories(findings: Finding[]): HostStory[] {
  const byHost = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byHost.get(f.host);
    if (list === undefined) byHost.set(f.host, [f]);
    else list.push(f);
  }
  const stories: HostStory[] = [];
  for (const [host, list] of byHost) {
    const intervals: Array<[number, number]> = [];
    let sessions = 0;
    for (const f of list) {
      // A DNS lookup alone is no session and no mining time.
      if (f.pool === null) continue;
      for (const s of sessionsOf(f)) intervals.push([s.start, s.end]);
      sessions += f.flows > 0 ? f.flows : 1;
    }
    const first = list.reduce((a, f) => (f.firstSeen < a ? f.firstSeen : a), list[0].firstSeen);
    const last = list.reduce((a, f) => (f.lastSeen > a ? f.lastSeen : a), list[0].lastSeen);
    const confidence = list.reduce((a, f) => (CONFIDENCE_RANK[f.confidence] > CONFIDENCE_RANK[a] ? f.confidence : a), 'low' as string);
    // Past MAX_CONNECTIONS a finding lists only its earliest connections; its own miningSeconds counts them all.
    const own = list.reduce((a, f) => Math.max(a, typeof f.miningSeconds === 'number' ? f.miningSeconds : 0), 0);
    stories.push({ host, pools: [...new Set(list.map(poolLabel))], firstSeen: first, lastSeen: last, miningSeconds: Math.max(coveredSeconds(intervals), own), sessions, confidence, findings: list });
  }
  return stories.sort((a, b) => CONFIDENCE_RANK[b.confidence] - CONFIDENCE_RANK[a.confidence] || (a.firstSeen < b.firstSeen ? -1 : 1));
}

/** A length of time as people read it: seconds, minutes, hours or days. */
export function durationText(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
