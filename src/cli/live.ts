import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import type { Log } from './log';
import { Analyzer } from '../analyzer';
import type { CaptureWarning } from '../capture/frame';
import { LiveCapture, LiveCaptureError, loadCap, type InterfaceStats } from '../capture/live';
import { loadSignatures } from '../detect/signatures';
import type { Finding, Summary } from '../report/finding';
import { FindingStream, LineWriter, type StreamRecord, type WriteFailure } from '../report/stream';
import { formatForPath, render } from '../report/writers';
import { EXIT_USAGE } from './exit';

export interface LiveArgs {
  interfaces: string[];
  bpf?: string;
  snaplen: number;
  /** libpcap's kernel buffer per interface, MiB. */
  bufferSize: number;
  /** Captured packets held per interface while the analysis is behind, MiB. */
  queueSize: number;
  promisc: boolean;
  output?: string;
  report?: string;
  statsInterval: number;
  updateInterval: number;
  alertCmd?: string;
  signatures: string[];
  maxFlows: number;
  idleTimeout: number;
  inspectBytes: number;
}

export const LIVE_DEFAULTS = {
  snaplen: 65535,
  bufferSize: 256,
  queueSize: 256,
  statsInterval: 10,
  updateInterval: 10,
};

/** Capture ran but ended badly: an interface was lost, or the report could not be written. */
export const EXIT_LIVE_FAILED = 1;

/** The node binary for capture processes; the container image sets this to its copy that has CAP_NET_RAW. */
export const CAPTURE_NODE_ENV = 'POOLWATCH_CAPTURE_NODE';

function usageProblem(a: LiveArgs): string | null {
  if (!a.promisc) {
    return '--no-promisc is not possible: the libpcap binding (cap 0.2.1) always opens interfaces in promiscuous mode. On a mirror port that is what you want; elsewhere use --bpf to keep only traffic to and from this host.';
  }
  if (!Number.isInteger(a.snaplen) || a.snaplen < 68 || a.snaplen > 65535) return `--snaplen must be a whole number from 68 to 65535 (got ${a.snaplen})`;
  if (!(a.bufferSize > 0) || a.bufferSize > 4096) return `--buffer-size is in MiB, more than 0 and at most 4096 (got ${a.bufferSize})`;
  if (!(a.queueSize >= 1) || a.queueSize > 65536) return `--queue-size is in MiB, at least 1 and at most 65536 (got ${a.queueSize})`;
  if (!(a.statsInterval >= 0)) return `--stats-interval must be 0 (off) or more seconds (got ${a.statsInterval})`;
  if (!(a.updateInterval >= 0)) return `--update-interval must be 0 (off) or more seconds (got ${a.updateInterval})`;
  const seen = new Set<string>();
  for (const i of a.interfaces) {
    if (i === '') return 'an empty interface name was given';
    if (seen.has(i)) return `interface ${i} was named twice`;
    seen.add(i);
  }
  return null;
}

const ALERT_PARALLEL = 4;
const ALERT_QUEUE = 256;
const ALERT_TIMEOUT_MS = 30_000;

/** Runs --alert-cmd for each new finding (JSON line on stdin), a few at a time, never holding up capture. */
class Alerts {
  private running = 0;
  private readonly queue: { record: StreamRecord; line: string }[] = [];
  private idle: (() => void) | null = null;
  dropped = 0;

  constructor(
    private readonly cmd: string,
    private readonly log: Log,
  ) {}

  add(record: StreamRecord, line: string): void {
    if (this.queue.length >= ALERT_QUEUE) {
      this.dropped++;
      this.log.warn({ host: record.host, pool: record.pool }, 'alert command is falling behind: alert not run');
      return;
    }
    this.queue.push({ record, line });
    this.next();
  }

  /** Waits for running alerts, at most `ms`. */
  async drain(ms: number): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      setTimeout(resolve, ms).unref();
    });
  }

  private next(): void {
    while (this.running < ALERT_PARALLEL && this.queue.length > 0) {
      const { record, line } = this.queue.shift()!;
      this.running++;
      const child = spawn('/bin/sh', ['-c', this.cmd], {
        stdio: ['pipe', 'ignore', 'pipe'],
        env: { ...process.env, POOLWATCH_EVENT: record.event, POOLWATCH_HOST: record.host, POOLWATCH_POOL: record.pool ?? '', POOLWATCH_DOMAIN: record.domain ?? '' },
      });
      let err = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (t: string) => (err = (err + t).slice(-500)));
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(line);
      const timer = setTimeout(() => {
        if (child.pid !== undefined) child.kill('SIGKILL');
      }, ALERT_TIMEOUT_MS);
      const done = (code: number | null, signal: string | null): void => {
        clearTimeout(timer);
        if (code !== 0) this.log.warn({ code, signal, stderr: err.trim() }, 'alert command failed');
        this.running--;
        this.next();
        if (this.running === 0 && this.queue.length === 0 && this.idle) this.idle();
      };
      child.on('error', (e) => {
        this.log.warn({ err: e.message }, 'alert command could not start');
      });
      child.on('close', done);
    }
  }
}

function sum(list: InterfaceStats[], pick: (s: InterfaceStats) => number | null): number | null {
  let total: number | null = null;
  for (const s of list) {
    const v = pick(s);
    if (v !== null) total = (total ?? 0) + v;
  }
  return total;
}

/**
 * `poolwatch live`: capture on the interfaces, stream findings as they are made
 * and grow, log health, and write the full report when stopped.
 */
export async function live(args: LiveArgs, log: Log): Promise<number> {
  const problem = usageProblem(args);
  if (problem !== null) {
    process.stderr.write(`poolwatch: ${problem}\n`);
    return EXIT_USAGE;
  }
  try {
    loadCap();
  } catch (e) {
    process.stderr.write(`poolwatch: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const sigs = loadSignatures(args.signatures);
  const started = Date.now();
  const warnings: string[] = [];
  let writeFailures = 0;
  const onWriteError = (f: WriteFailure, w: LineWriter): void => {
    writeFailures++;
    // Every failure counts; the log says so for the first and then every 100th, not once per line.
    if (writeFailures === 1 || writeFailures % 100 === 0) {
      log.error({ file: w.name, code: f.code, failedLines: w.linesFailed }, `cannot write findings to ${w.name}: ${f.message}; lines are being lost (later lines are still tried, and the full report is written again at exit)`);
    }
  };
  let out: LineWriter;
  try {
    out = LineWriter.open(args.output, onWriteError);
  } catch (e) {
    process.stderr.write(`poolwatch: cannot open ${args.output} for writing: ${(e as Error).message}\n`);
    return EXIT_USAGE;
  }
  const alerts = args.alertCmd ? new Alerts(args.alertCmd, log) : null;
  const stream = new FindingStream(out, (record, line) => alerts?.add(record, line));
  const analyzer = new Analyzer(sigs, {
    maxFlows: args.maxFlows,
    idleTimeoutMs: args.idleTimeout * 1000,
    inspectBytes: args.inspectBytes,
    onFinding: (f: Finding) => stream.found(f),
  });
  const onWarning = (w: CaptureWarning): void => {
    warnings.push(`${w.file}: ${w.message}`);
    log.warn({ interface: w.file }, w.message);
  };
  const capture = new LiveCapture(
    analyzer,
    {
      interfaces: args.interfaces,
      filter: args.bpf ?? '',
      snaplen: args.snaplen,
      bufferSize: Math.round(args.bufferSize * 1024 * 1024),
      queueBytes: Math.round(args.queueSize * 1024 * 1024),
      captureNode: process.env[CAPTURE_NODE_ENV] || undefined,
    },
    onWarning,
  );
  capture.onMessage = (device, text) => {
    // libpcap's note for an interface without an IPv4 address (normal on a mirror port): only BPF "broadcast" needs the netmask.
    if (/This may not actually work|Assertion .status == 0. failed/.test(text)) log.debug({ interface: device }, text);
    else log.warn({ interface: device }, text);
  };
  try {
    await capture.start();
  } catch (e) {
    out.close();
    if (e instanceof LiveCaptureError) {
      process.stderr.write(`poolwatch: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  log.info({ interfaces: capture.opened, filter: args.bpf ?? null, snaplen: args.snaplen, bufferMiB: args.bufferSize, queueMiB: args.queueSize, output: out.name }, 'capturing');

  // Stop on a signal, a lost interface, or a fault in handling the streams.
  // SIGHUP: logrotate moved the output file away; write on in a new one of the same name.
  const onHangup = (): void => {
    try {
      out.reopen();
      log.info({ file: out.name }, 'reopened the output file (SIGHUP)');
    } catch (e) {
      log.error({ file: out.name, err: (e as Error).message }, `cannot reopen ${out.name}; writing on to the old file`);
    }
  };
  process.on('SIGHUP', onHangup);
  let onSignal: (s: NodeJS.Signals) => void = () => undefined;
  const ended = new Promise<{ signal?: NodeJS.Signals; error?: Error }>((resolve) => {
    onSignal = (signal) => resolve({ signal });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    capture.onLost = (error) => resolve({ error });
    capture.onFault = (error) => resolve({ error });
  });

  const refresh = (): void => {
    // Live frames carry the wall clock, so idle flows can be ended on it even when no packet comes.
    analyzer.tick(Date.now());
    stream.refresh(analyzer.report.findings());
  };
  const updateTimer = args.updateInterval > 0 ? setInterval(refresh, args.updateInterval * 1000) : null;

  let last = { t: Date.now(), packets: 0, bytes: 0, dropped: 0, ifDropped: 0, queueDropped: 0 };
  const states = new Map<string, string | null>();
  let statsBusy = false;
  const statsTick = async (): Promise<void> => {
    if (statsBusy) return;
    statsBusy = true;
    try {
      const ifs = await capture.sample();
      const now = Date.now();
      const dt = Math.max(1, now - last.t) / 1000;
      const dropped = sum(ifs, (s) => s.dropped);
      const ifDropped = sum(ifs, (s) => s.ifDropped);
      const queueDropped = sum(ifs, (s) => s.queueDropped) ?? 0;
      const line = {
        packets: analyzer.packets,
        bytes: analyzer.bytes,
        pps: Math.round((analyzer.packets - last.packets) / dt),
        mbps: Math.round(((analyzer.bytes - last.bytes) * 8) / dt / 1e4) / 100,
        flows: analyzer.flowCount,
        flowsSeen: analyzer.flowsSeen,
        findings: analyzer.report.findings().length,
        received: sum(ifs, (s) => s.received),
        dropped,
        ifDropped,
        queueDropped,
        queuedMiB: Math.round(((sum(ifs, (s) => s.queued) ?? 0) / 1048576) * 10) / 10,
        interfaces: ifs.map((s) => ({ name: s.device, received: s.received, dropped: s.dropped, ifDropped: s.ifDropped, queueDropped: s.queueDropped, state: s.state })),
      };
      log.info(line, 'capture stats');
      const moreDropped = (dropped ?? 0) - last.dropped;
      const moreIfDropped = (ifDropped ?? 0) - last.ifDropped;
      if (moreDropped > 0 || moreIfDropped > 0) {
        log.warn(
          { dropped: moreDropped, ifDropped: moreIfDropped, seconds: Math.round(dt), totalDropped: dropped, totalIfDropped: ifDropped },
          `capture is losing packets: ${moreDropped} not delivered by libpcap (estimated from the interface counters) and ${moreIfDropped} dropped by the interface in the last ${Math.round(dt)} s` +
            (moreDropped > 0 ? '; a larger --buffer-size or a --bpf filter may help' : ''),
        );
      }
      const moreQueueDropped = queueDropped - last.queueDropped;
      if (moreQueueDropped > 0) {
        log.warn(
          { queueDropped: moreQueueDropped, seconds: Math.round(dt), totalQueueDropped: queueDropped },
          `analysis is falling behind the capture: ${moreQueueDropped} packets dropped in the last ${Math.round(dt)} s after ${args.queueSize} MiB were already waiting (--queue-size)`,
        );
      }
      for (const s of ifs) {
        if (states.has(s.device) && states.get(s.device) !== s.state && s.state !== 'up' && s.state !== 'unknown') {
          log.warn({ interface: s.device, state: s.state }, `interface ${s.device} is ${s.state}: no packets will arrive on it until it is up`);
        }
        states.set(s.device, s.state);
      }
      last = { t: now, packets: analyzer.packets, bytes: analyzer.bytes, dropped: dropped ?? 0, ifDropped: ifDropped ?? 0, queueDropped };
    } finally {
      statsBusy = false;
    }
  };
  const statsTimer = args.statsInterval > 0 ? setInterval(() => void statsTick(), args.statsInterval * 1000) : null;

  const why = await ended;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // A second signal while finishing must not kill the report half way: finishing is bounded (capture stop <= 5 s).
  const ignore = (): void => log.warn('already stopping: finishing the report');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  if (updateTimer) clearInterval(updateTimer);
  if (statsTimer) clearInterval(statsTimer);
  try {
    if (why.signal) log.info({ signal: why.signal }, 'stopping');
    else log.error({ err: why.error?.message }, 'capture ended; writing the report');
    await capture.stop();
    const ifs = await capture.sample();
    const findings = analyzer.finish();
    if (why.error) warnings.push(why.error.message);
    const summary: Summary & { interfaces: InterfaceStats[]; received: number | null; dropped: number | null; ifDropped: number | null; queueDropped: number; stoppedBy: string } = {
      type: 'summary',
      files: 0,
      packets: analyzer.packets,
      bytes: analyzer.bytes,
      seconds: (Date.now() - started) / 1000,
      flows: analyzer.flowsSeen,
      findings: findings.length,
      warnings,
      skipped: [],
      interfaces: ifs,
      received: sum(ifs, (s) => s.received),
      dropped: sum(ifs, (s) => s.dropped),
      ifDropped: sum(ifs, (s) => s.ifDropped),
      queueDropped: sum(ifs, (s) => s.queueDropped) ?? 0,
      stoppedBy: why.signal ?? 'error',
    };
    const streamed = stream.final(findings, summary);
    const closed = out.close();
    let reportOk = true;
    if (args.report !== undefined) {
      try {
        const tmp = `${args.report}.tmp-${process.pid}`;
        writeFileSync(tmp, render(formatForPath(args.report, false), findings, summary));
        renameSync(tmp, args.report);
      } catch (e) {
        reportOk = false;
        log.error({ file: args.report, err: (e as Error).message }, `cannot write the report to ${args.report}`);
      }
    }
    if (!streamed || !closed) {
      // Not silently lost: the findings go into the log, which is on another stream.
      log.error(
        { file: out.name, code: out.lastFailure?.code, failedLines: out.linesFailed, findings, summary },
        `the report could not be fully written to ${out.name} (${out.lastFailure?.message ?? 'write failed'}); every finding is in this log line instead`,
      );
    }
    if (alerts) await alerts.drain(5000);
    log.info({ packets: analyzer.packets, flows: analyzer.flowsSeen, findings: findings.length, newLines: stream.newCount, updateLines: stream.updateCount, seconds: summary.seconds }, 'live capture done');
    if (why.error) {
      log.error(why.error.message);
      return EXIT_LIVE_FAILED;
    }
    return streamed && closed && reportOk && writeFailures === 0 ? 0 : EXIT_LIVE_FAILED;
  } finally {
    process.removeListener('SIGINT', ignore);
    process.removeListener('SIGTERM', ignore);
    process.removeListener('SIGHUP', onHangup);
  }
}
