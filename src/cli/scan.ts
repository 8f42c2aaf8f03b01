import { writeFileSync, renameSync } from 'node:fs';
import type pino from 'pino';
import { Analyzer } from '../analyzer';
import { CaptureFormatError, type CaptureWarning } from '../capture/frame';
import { expandInputs, readCapture } from '../capture/read';
import { loadSignatures } from '../detect/signatures';
import type { Summary } from '../report/finding';
import { formatForPath, render, type Format } from '../report/writers';

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
}

/** Exit status for a usage error or an input that is not a capture. */
export const EXIT_USAGE = 2;

export async function scan(args: ScanArgs, log: pino.Logger): Promise<number> {
  const started = process.hrtime.bigint();
  const sigs = loadSignatures(args.signatures);
  const analyzer = new Analyzer(sigs, { maxFlows: args.maxFlows, idleTimeoutMs: args.idleTimeout * 1000, inspectBytes: args.inspectBytes });
  const warnings: string[] = [];
  const warn = (w: CaptureWarning) => {
    const text = `${w.file}: offset ${w.offset}: ${w.message}`;
    warnings.push(text);
    log.warn({ file: w.file, offset: w.offset }, w.message);
  };
  let usageError = false;
  let files = 0;
  let inputs: { path: string; explicit: boolean }[];
  try {
    inputs = args.paths.flatMap((p) => (p === '-' ? [{ path: '-', explicit: true }] : expandInputs([p])));
  } catch (e) {
    if (!(e instanceof CaptureFormatError)) throw e;
    log.error(e.message);
    return EXIT_USAGE;
  }
  for (const input of inputs) {
    try {
      const r = await readCapture(input.path, analyzer, warn);
      files++;
      log.debug({ file: input.path, packets: r.packets, bytes: r.bytes }, 'read');
    } catch (e) {
      if (!(e instanceof CaptureFormatError)) throw e;
      if (input.explicit) {
        usageError = true;
        log.error(e.message);
        warnings.push(e.message);
      } else {
        // Folders hold other files too; say so and go on.
        warnings.push(`${e.message} (skipped)`);
        log.info(`${e.message} (skipped)`);
      }
    }
  }
  const findings = analyzer.finish();
  const summary: Summary = {
    type: 'summary',
    files,
    packets: analyzer.packets,
    bytes: analyzer.bytes,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    flows: analyzer.flowsSeen,
    findings: findings.length,
    warnings,
  };
  const format = args.format ?? formatForPath(args.output, process.stdout.isTTY === true);
  const text = render(format, findings, summary, args.nodes ? analyzer.report.nodes() : []);
  if (args.output !== undefined) {
    // Write beside the target and rename, so a reader never sees half a report.
    const tmp = `${args.output}.tmp-${process.pid}`;
    writeFileSync(tmp, text);
    renameSync(tmp, args.output);
  } else {
    await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
  }
  log.info({ files, packets: summary.packets, flows: summary.flows, findings: findings.length, seconds: summary.seconds }, 'scan done');
  if (usageError) return EXIT_USAGE;
  if (args.exitCode !== undefined && findings.length > 0) return args.exitCode;
  return 0;
}


