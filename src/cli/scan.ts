import { renameSync, writeFileSync } from 'node:fs';
import type { Log } from './log';
import { Analyzer } from '../analyzer';
import { CaptureFormatError } from '../capture/frame';
import { expandInputs } from '../capture/read';
import { loadSignatures } from '../detect/signatures';
import type { Finding, NodeContact, Summary } from '../report/finding';
import { formatForPath, render, type Format } from '../report/writers';
import { scanInputs, type InputsResult } from '../scan-inputs';
import { scanThreaded } from '../shard/run';
import { EXIT_USAGE } from './exit';

export interface ScanArgs {
  paths: string[];
  format?: Format;
  output?: string;
  exitCode?: number;
  signatures: string[];
  maxFlows: number;
  idleTimeout: number;
  inspectBytes: number;
  /** List cryptocurrency node peer traffic too. */
  nodes?: boolean;
  /** Threads: one reads and decodes, the others analyze, flows sharded between them. */
  workers?: number;
}

interface Outcome {
  findings: Finding[];
  nodes: NodeContact[];
  inputs: InputsResult;
  packets: number;
  bytes: number;
  flows: number;
}

export async function scan(args: ScanArgs, log: Log): Promise<number> {
  const started = process.hrtime.bigint();
  let inputs: { path: string; explicit: boolean }[];
  try {
    inputs = args.paths.flatMap((p) => (p === '-' ? [{ path: '-', explicit: true }] : expandInputs([p])));
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    log.error(e.message);
    return EXIT_USAGE;
  }
  const sigs = loadSignatures(args.signatures);
  const options = { maxFlows: args.maxFlows, idleTimeoutMs: args.idleTimeout * 1000, inspectBytes: args.inspectBytes };
  const workers = Math.max(1, Math.floor(args.workers ?? 1));
  let outcome: Outcome;
  if (workers === 1) {
    const analyzer = new Analyzer(sigs, options);
    const result = await scanInputs(inputs, analyzer, (w) => log.warn({ file: w.file, offset: w.offset }, w.message));
    const findings = analyzer.finish();
    outcome = { findings, nodes: analyzer.report.nodes(), inputs: result, packets: analyzer.packets, bytes: analyzer.bytes, flows: analyzer.flowsSeen };
  } else {
    const run = await scanThreaded(inputs, args.signatures, options, workers, (w) => log.warn({ file: w.file, offset: w.offset }, w.message));
    log.debug({ packets: run.packets, analyzed: run.analyzed }, 'frames the analysis threads decoded');
    outcome = { findings: run.report.findings(), nodes: run.report.nodes(), inputs: run.inputs, packets: run.packets, bytes: run.bytes, flows: run.flows };
  }
  for (const e of outcome.inputs.errors) log.error(e);
  if (outcome.inputs.skipped.length > 0) log.info({ skipped: outcome.inputs.skipped }, `${outcome.inputs.skipped.length} file(s) in the folders given are not captures and were skipped`);
  const summary: Summary = {
    type: 'summary',
    files: outcome.inputs.files,
    packets: outcome.packets,
    bytes: outcome.bytes,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    flows: outcome.flows,
    findings: outcome.findings.length,
    warnings: outcome.inputs.warnings,
    skipped: outcome.inputs.skipped,
  };
  const format = args.format ?? formatForPath(args.output, process.stdout.isTTY === true);
  const text = render(format, outcome.findings, summary, args.nodes ? outcome.nodes : []);
  if (args.output !== undefined) {
    // Write beside the target and rename, so a reader never sees half a report.
    const tmp = `${args.output}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, args.output);
  } else {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
  }
  log.info({ files: summary.files, packets: summary.packets, flows: summary.flows, findings: summary.findings, seconds: summary.seconds, workers }, 'scan done');
  if (outcome.inputs.usageError) return EXIT_USAGE;
  if (args.exitCode !== undefined && outcome.findings.length > 0) return args.exitCode;
  return 0;
}
