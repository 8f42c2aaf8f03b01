/**
 * `poolwatch report FILE`: a report written earlier (`scan -f json` or `-f jsonl`, or the
 * `--report` of `live`) rendered again in another format, by default the HTML page, so an
 * investigator can turn the JSON handed over with the evidence into something to look at
 * without scanning the captures again.
 */
import { readFileSync } from 'node:fs';
import type { Confidence } from '../detect/evidence';
import { shortened } from '../report/escape';
import { applyMinConfidence } from '../report/filter';
import type { Finding, Summary } from '../report/finding';
import { findingKey } from '../report/stream';
import { render, type Format } from '../report/writers';
import { EXIT_INTERNAL } from './exit';
import type { Log } from './log';
import { OutputFileError, planOutput, writeReportFile } from './output-file';
import { OptionError } from './yargs';

export interface ReportArgs {
  /** A json or jsonl report, or '-' for stdin. */
  input: string;
  format: Format;
  output?: string;
  minConfidence?: Confidence;
}

/** The largest report read: a JSON string cannot be much longer, and a report that big is no report. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

function isFinding(v: unknown): v is Finding {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'finding' && typeof (v as { host?: unknown }).host === 'string';
}

function isSummary(v: unknown): v is Summary {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'summary';
}

/** Findings and summary of a `{findings, summary}` document or of JSON lines; the error names the line. */
export function parseReport(name: string, text: string): { findings: Finding[]; summary: Summary } {
  // A whole document (`-f json`) first; failing that, JSON lines (`-f jsonl`, a live stream).
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const d = doc as { findings?: unknown; summary?: unknown } | undefined;
  if (d !== undefined && Array.isArray(d.findings) && isSummary(d.summary)) {
    const bad = d.findings.findIndex((f) => !isFinding(f));
    if (bad >= 0) throw new OptionError(`${name}: findings[${bad}] is not a finding`);
    return { findings: d.findings as Finding[], summary: d.summary };
  }
  const findings: Finding[] = [];
  let summary: Summary | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      throw new OptionError(`${name}: line ${i + 1}: not JSON: ${shortened((e as Error).message, 120)}`);
    }
    // Live streams repeat a finding as new, update and final: the last word stands.
    if (isFinding(record)) findings.push(record);
    else if (isSummary(record)) summary = record;
  }
  if (summary === null) throw new OptionError(`${name}: not a poolwatch report: no summary line`);
  return { findings: lastOfEach(findings), summary };
}

/** One finding per identity (as the live stream keys them), its latest record. */
function lastOfEach(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const { event: _event, ...rest } = f as Finding & { event?: string };
    byKey.set(findingKey(f), rest as Finding);
  }
  return [...byKey.values()];
}

function readInput(name: string): string {
  const buf = readFileSync(name === '-' ? 0 : name);
  if (buf.length > MAX_REPORT_BYTES) throw new OptionError(`${name}: larger than ${MAX_REPORT_BYTES} bytes; not a report`);
  return buf.toString('utf8');
}

export async function report(args: ReportArgs, log: Log): Promise<number> {
  if (args.output !== undefined) planOutput(args.output);
  let text: string;
  try {
    text = readInput(args.input);
  } catch (e) {
    if (e instanceof OptionError) throw e;
    throw new OptionError(`${args.input}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let { findings, summary } = parseReport(args.input === '-' ? '<stdin>' : args.input, text);
  if (args.minConfidence !== undefined) ({ findings, summary } = applyMinConfidence(findings, summary, args.minConfidence));
  try {
    await writeReportFile(args.output ?? '-', render(args.format, findings, summary));
  } catch (e) {
    if (!(e instanceof OutputFileError)) throw e;
    if (e.code !== 'EPIPE') log.error(e.message);
    return EXIT_INTERNAL;
  }
  return 0;
}
