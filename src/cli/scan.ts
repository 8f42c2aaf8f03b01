import type { Log } from './log';
import { Analyzer } from '../analyzer';
import { expandInputs, type InputProblem } from '../capture/read';
import { loadSignatures } from '../detect/signatures';
import type { Confidence } from '../detect/evidence';
import type { Finding, NodeContact, Summary } from '../report/finding';
import { applyMinConfidence } from '../report/filter';
import { formatForPath, render, type Format } from '../report/writers';
import { addProblems, scanInputs, type InputsResult } from '../scan-inputs';
import { scanThreaded } from '../shard/run';
import { EXIT_INTERNAL, EXIT_USAGE } from './exit';
import { OutputFileError, planOutput, writeReportFile } from './output-file';
import { closeSinks, openSinks, publishFinding, type SinkArgs } from '../report/sinks/options';
import type { FindingSink } from '../report/sinks/sink';
import { OptionError } from './yargs';

export interface ScanArgs {
  paths: string[];
  format?: Format;
  output?: string;
  exitCode?: number;
  signatures: string[];
  maxFlows: number;
  idleTimeout: number;
  inspectBytes: number;
  /** Longest JSON-RPC line or HTTP head read whole (AnalyzerOptions.maxLineBytes). */
  maxLineBytes?: number;
  /** List cryptocurrency node peer traffic too. */
  nodes?: boolean;
  /** Threads: one reads and decodes, the others analyze, flows sharded between them. */
  workers?: number;
  /** Findings below this confidence are left out of every format, sink and the exit status. */
  minConfidence?: Confidence;
  /** Kafka and syslog sinks each finding also goes to (src/report/sinks/options.ts). */
  sinks?: SinkArgs;
}

interface Outcome {
  findings: Finding[];
  nodes: NodeContact[];
  inputs: InputsResult;
  packets: number;
  bytes: number;
  flows: number;
}

/** The summary line, with `interrupted` when a signal cut the reading short. */
export type ScanSummary = Summary & { interrupted?: true };

/** Exit status after SIGINT / SIGTERM, as a shell reports a process ended by it. */
const SIGNAL_STATUS: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Catches SIGINT and SIGTERM while inputs are read: the first stops reading (the report of
 * what was read is still written), a second one of either ends the process as usual.
 */
function catchSignals(): { signal: AbortSignal; caught: () => NodeJS.Signals | null; release: () => void } {
  const stop = new AbortController();
  let caught: NodeJS.Signals | null = null;
  const release = (): void => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  function onSignal(sig: NodeJS.Signals): void {
    caught = sig;
    release();
    stop.abort();
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { signal: stop.signal, caught: () => caught, release };
}

export async function scan(args: ScanArgs, log: Log): Promise<number> {
  const started = process.hrtime.bigint();
  // Found now, not after a long scan: a missing or unwritable output folder, a directory, a dangling link.
  if (args.output !== undefined) planOutput(args.output);
  // Sinks parse their options now too (no connection is made before the first finding).
  let sinks: FindingSink[] = [];
  try {
    if (args.sinks !== undefined) sinks = openSinks(args.sinks, log);
  } catch (e) {
    throw new OptionError((e as Error).message);
  }
  const problems: InputProblem[] = [];
  const inputs = expandInputs(args.paths, problems);
  const sigs = loadSignatures(args.signatures);
  const options = { maxFlows: args.maxFlows, idleTimeoutMs: args.idleTimeout * 1000, inspectBytes: args.inspectBytes, maxLineBytes: args.maxLineBytes };
  const workers = Math.max(1, Math.floor(args.workers ?? 1));
  const onWarning = (w: { file: string; offset: number; message: string }): void => log.warn({ file: w.file, offset: w.offset }, w.message);
  const signals = catchSignals();
  let outcome: Outcome;
  try {
    if (workers === 1) {
      const analyzer = new Analyzer(sigs, options);
      const result = await scanInputs(inputs, analyzer, onWarning, { signal: signals.signal });
      const findings = analyzer.finish();
      result.warnings.push(...analyzer.warningLines());
      outcome = { findings, nodes: analyzer.report.nodes(), inputs: result, packets: analyzer.packets, bytes: analyzer.bytes, flows: analyzer.flowsSeen };
    } else {
      const run = await scanThreaded(inputs, args.signatures, options, workers, onWarning, signals.signal);
      log.debug({ packets: run.packets, analyzed: run.analyzed }, 'frames the analysis threads decoded');
      run.inputs.warnings.push(...run.warnings);
      outcome = { findings: run.report.findings(), nodes: run.report.nodes(), inputs: run.inputs, packets: run.packets, bytes: run.bytes, flows: run.flows };
    }
  } finally {
    signals.release();
  }
  const stoppedBy = signals.caught();
  addProblems(outcome.inputs, problems);
  for (const p of problems) if (!p.explicit) log.warn(p.message);
  for (const e of outcome.inputs.errors) log.error(e);
  if (outcome.inputs.skipped.length > 0) log.info({ skipped: outcome.inputs.skipped }, `${outcome.inputs.skipped.length} file(s) in the folders given are not captures and were skipped`);
  if (stoppedBy !== null) {
    const note = `interrupted by ${stoppedBy}: the report covers the packets read until then`;
    outcome.inputs.warnings.push(note);
    log.warn(note);
  }
  let summary: ScanSummary = {
    type: 'summary',
    files: outcome.inputs.files,
    packets: outcome.packets,
    bytes: outcome.bytes,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    flows: outcome.flows,
    findings: outcome.findings.length,
    warnings: outcome.inputs.warnings,
    skipped: outcome.inputs.skipped,
    ...(stoppedBy !== null ? { interrupted: true as const } : {}),
  };
  // Below --min-confidence a finding is in no format, no sink and no exit status; the summary counts it.
  if (args.minConfidence !== undefined) ({ findings: outcome.findings, summary } = applyMinConfidence(outcome.findings, summary, args.minConfidence));
  // Findings go to the sinks before the report is written, so its summary says what they took.
  let sinksFailed = false;
  if (sinks.length > 0) {
    for (const f of outcome.findings) publishFinding(sinks, f, 'finding', args.sinks!.sinkFormat);
    const delivered = await closeSinks(sinks, args.sinks!.sinkTimeout * 1000, log);
    sinksFailed = delivered.some((s) => s.failed > 0);
    Object.assign(summary, { sinks: delivered.map((s) => ({ name: s.name, sent: s.sent, failed: s.failed })) });
  }
  const format = args.format ?? formatForPath(args.output, process.stdout.isTTY === true);
  // EVE's pcap_filename names the one capture scanned; a finding of several files names none (issue 16 puts the file on each connection).
  const eve = inputs.length === 1 && inputs[0].path !== '-' ? { pcap_filename: inputs[0].path } : {};
  const text = render(format, outcome.findings, summary, args.nodes ? outcome.nodes : [], eve);
  try {
    await writeReportFile(args.output ?? '-', text);
  } catch (e) {
    if (!(e instanceof OutputFileError)) throw e;
    // A reader that went away (`| head`) needs no message; a full disk does.
    if (e.code !== 'EPIPE') log.error(e.message);
    return EXIT_INTERNAL;
  }
  log.info({ files: summary.files, packets: summary.packets, flows: summary.flows, findings: summary.findings, seconds: summary.seconds, workers }, 'scan done');
  if (stoppedBy !== null) return exitAfterSignal(SIGNAL_STATUS[stoppedBy] ?? EXIT_INTERNAL);
  if (args.exitCode !== undefined && outcome.findings.length > 0) return args.exitCode;
  if (sinksFailed) return EXIT_INTERNAL;
  if (outcome.inputs.usageError) return EXIT_USAGE;
  return 0;
}

/**
 * After a stop, something may still hold the event loop (a read of a silent character device,
 * a terminal, pending in the thread pool): give the normal exit a moment, then end it with the
 * same status. FIFOs and stdin pipes are read through the event loop and end at once.
 */
function exitAfterSignal(status: number): number {
  setTimeout(() => process.exit(status), 1000).unref();
  return status;
}
