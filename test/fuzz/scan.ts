/**
 * What the fuzzer does with one mutant: the real reader into a real Analyzer,
 * finish(), and every report format rendered, then the checks that do not
 * need a watchdog: only documented errors thrown, warnings that name the file
 * and an offset on one line, writers' output free of raw control characters
 * (switchable until output neutralising lands) and no forged finding line.
 */
import * as fs from 'node:fs';
import { Analyzer, type AnalyzerOptions } from '../../src/analyzer';
import { CaptureFormatError, type CaptureWarning } from '../../src/capture/frame';
import { readCapture } from '../../src/capture/read';
import type { Signatures } from '../../src/detect/signatures';
import type { Finding, Summary } from '../../src/report/finding';
import { FORMATS, render } from '../../src/report/writers';
import { scanThreaded } from '../../src/shard/run';

export type Outcome = 'ok' | 'rejected' | 'crash' | 'bad-error' | 'differs';

/** How the control-character check of writer output counts: failing, only counted, or skipped. */
export type ControlsMode = 'strict' | 'report' | 'off';

export interface ScanResult {
  outcome: Outcome;
  /** The error or the broken rule, one line; for a crash the stack follows in `stack`. */
  message: string | null;
  stack: string | null;
  packets: number;
  warnings: number;
  findings: number;
  /** First raw control character found in writer output: format, code point, context. */
  controls: string | null;
  /** The table shows more finding lines than there are findings (a newline in a value forged one). */
  forged: string | null;
  ms: number;
}

/** C0 but newline, DEL, C1, line/paragraph separators and the bidi controls. */
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function oneLine(s: string): boolean {
  return !/[\r\n]/.test(s);
}

function errorText(e: unknown): { message: string; stack: string } {
  if (e instanceof Error) return { message: `${e.name}: ${e.message}`, stack: e.stack ?? e.message };
  return { message: String(e), stack: String(e) };
}

/** The first raw control character in `text`, with a little context, or null. */
export function firstControl(format: string, text: string): string | null {
  const m = RAW_CONTROL.exec(text);
  if (m === null) return null;
  const cp = m[0].codePointAt(0) as number;
  const around = JSON.stringify(text.slice(Math.max(0, m.index - 24), m.index + 8));
  return `${format}: raw U+${cp.toString(16).padStart(4, '0')} in ${around}`;
}

/** Lines of the table that start a finding block ("HIGH   host -> pool"). */
function findingLines(table: string): number {
  return table.split('\n').filter((l) => /^(HIGH|MEDIUM|LOW) +\S/.test(l)).length;
}

/** The first place two JSON texts differ, with a little of each around it. */
function firstDifference(a: string, b: string): string {
  let k = 0;
  while (k < a.length && a[k] === b[k]) k++;
  return `one thread ${JSON.stringify(a.slice(Math.max(0, k - 60), k + 60))}, threads ${JSON.stringify(b.slice(Math.max(0, k - 60), k + 60))}`;
}

/**
 * `scan --workers` claims the report one thread makes: the same file through
 * scanThreaded (a reading thread and two analysis shards), compared on
 * findings, node contacts, packets and flows. Null when they agree.
 */
async function threadedDifference(file: string, options: Omit<AnalyzerOptions, 'onFinding'>, one: string): Promise<string | null> {
  const run = await scanThreaded([{ path: file, explicit: true }], [], options, 3, () => undefined);
  const two = JSON.stringify({ findings: run.report.findings(), nodes: run.report.nodes(), packets: run.packets, flows: run.flows });
  return one === two ? null : firstDifference(one, two);
}

export async function scanFile(file: string, sigs: Signatures, options: Omit<AnalyzerOptions, 'onFinding'>, chunkSize?: number, threaded = false): Promise<ScanResult> {
  const started = process.hrtime.bigint();
  const result: ScanResult = { outcome: 'ok', message: null, stack: null, packets: 0, warnings: 0, findings: 0, controls: null, forged: null, ms: 0 };
  const fail = (outcome: Outcome, message: string, stack: string | null = null): void => {
    if (result.outcome === 'crash' || result.outcome === 'bad-error') return;
    result.outcome = outcome;
    result.message = message;
    result.stack = stack;
  };
  const size = fs.statSync(file).size;
  // Offsets in gzip input count decompressed bytes, so only a plain file's size bounds them.
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  const gz = fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  fs.closeSync(fd);
  const badWarnings: string[] = [];
  const onWarning = (w: CaptureWarning): void => {
    result.warnings++;
    if (w.file !== file || !Number.isInteger(w.offset) || w.offset < 0 || (!gz && w.offset > size) || !oneLine(w.message) || w.message.length > 300) {
      badWarnings.push(`warning ${JSON.stringify(w).slice(0, 200)}`);
    }
  };
  const analyzer = new Analyzer(sigs, options);
  try {
    const r = await readCapture(file, analyzer, onWarning, { chunkSize });
    result.packets = r.packets;
  } catch (e) {
    if (e instanceof CaptureFormatError) {
      result.outcome = 'rejected';
      result.message = e.message;
      if (!e.message.startsWith(file) || !oneLine(e.message) || e.message.length > 300) fail('bad-error', `unclear format error: ${JSON.stringify(e.message.slice(0, 200))}`);
    } else {
      const t = errorText(e);
      fail('crash', `reading: ${t.message}`, t.stack);
    }
  }
  if (badWarnings.length > 0) fail('bad-error', badWarnings[0]);
  let findings: Finding[] = [];
  try {
    findings = analyzer.finish();
    result.findings = findings.length;
    const summary: Summary = {
      type: 'summary',
      files: 1,
      packets: analyzer.packets,
      bytes: analyzer.bytes,
      seconds: 0,
      flows: analyzer.flowsSeen,
      findings: findings.length,
      warnings: [],
      skipped: [],
    };
    const nodes = analyzer.report.nodes();
    for (const format of FORMATS) {
      const text = render(format, findings, summary, nodes);
      if (format === 'json') JSON.parse(text);
      if (format === 'jsonl') for (const line of text.split('\n').filter((l) => l.length > 0)) JSON.parse(line);
      result.controls ??= firstControl(format, text);
      if (format === 'table' && findingLines(text) !== findings.length) result.forged ??= `table shows ${findingLines(text)} finding lines for ${findings.length} finding(s)`;
    }
    if (threaded && result.outcome === 'ok') {
      const one = JSON.stringify({ findings, nodes, packets: analyzer.packets, flows: analyzer.flowsSeen });
      const d = await threadedDifference(file, options, one);
      if (d !== null) fail('differs', `--workers 3 report differs: ${d}`);
    }
  } catch (e) {
    const t = errorText(e);
    fail('crash', `finish/render: ${t.message}`, t.stack);
  }
  result.ms = Number(process.hrtime.bigint() - started) / 1e6;
  return result;
}

/**
 * Whether the writers already neutralise control characters: the finding of
 * the bundled XMRig sample with ESC, OSC 52, BEL, a bidi override, C1 and a
 * forged line put into its login, worker, agent and evidence, rendered in
 * every format. Decides the default ControlsMode.
 */
export async function writersNeutralise(sample: string, sigs: Signatures): Promise<boolean> {
  const analyzer = new Analyzer(sigs, { maxFlows: 1024, idleTimeoutMs: 600_000, inspectBytes: 8192 });
  await readCapture(sample, analyzer, () => undefined);
  const findings = analyzer.finish();
  if (findings.length === 0) throw new Error(`${sample}: no finding to probe the writers with`);
  const f: Finding = { ...findings[0], login: 'w\u001b]52;c;eA==\u0007', worker: '\u202e', agent: 'a\r\nHIGH   1.2.3.4 -> 5.6.7.8:1', evidence: ['\u009b2J'] };
  const s: Summary = { type: 'summary', files: 1, packets: 1, bytes: 1, seconds: 0, flows: 1, findings: 1, warnings: [], skipped: [] };
  return FORMATS.every((format) => firstControl(format, render(format, [f], s, [])) === null);
}
