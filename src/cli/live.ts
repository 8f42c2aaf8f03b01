import type { Log } from './log';
import type { CaptureWarning } from '../capture/frame';
import { LiveCaptureError, loadCap } from '../capture/live';
import { chooseEngine, makeEngine, runUnderCaptureNode } from '../live/choose';
import { counters, sum, workerLines } from '../live/totals';
import { loadSignatures } from '../detect/signatures';
import type { Finding, Summary } from '../report/finding';
import { FindingStream, JSON_LINES, LineWriter, type StreamFormat, type WriteFailure } from '../report/stream';
import { eveLine, eveRecord } from '../report/eve';
import { meetsConfidence } from '../report/filter';
import type { Confidence } from '../detect/evidence';
import { formatForPath, render } from '../report/writers';
import { LiveOutputs, type LiveOutputArgs } from '../report/sinks/live';
import { Alerts } from './alerts';
import { EXIT_USAGE } from './exit';
import { planOutput, writeReportFile } from './output-file';

export interface LiveArgs {
  interfaces: string[];
  bpf?: string;
  snaplen: number;
  /** The kernel ring per interface (and per worker), MiB. */
  bufferSize: number;
  /** Captured packets held per interface while the analysis is behind, MiB (cap fallback only). */
  queueSize: number;
  /** Capture and analysis threads, the interfaces' traffic divided between them by flow hash (PACKET_FANOUT). */
  workers: number;
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
  /** Longest JSON-RPC line or HTTP head read whole (AnalyzerOptions.maxLineBytes). */
  maxLineBytes?: number;
  /** The stream's lines: poolwatch's JSON lines (default) or Suricata EVE alerts. */
  format?: 'jsonl' | 'eve';
  /** Findings below this confidence are neither streamed, alerted, sent nor reported. */
  minConfidence?: Confidence;
  /** Kafka and syslog sinks, --metrics-listen (src/report/sinks/live.ts). */
  outputs?: LiveOutputArgs;
}

export const LIVE_DEFAULTS = {
  snaplen: 65535,
  workers: 1,
  bufferSize: 256,
  queueSize: 256,
  statsInterval: 10,
  updateInterval: 10,
};

/** Capture ran but ended badly: an interface was lost, or the report could not be written. */
export const EXIT_LIVE_FAILED = 1;

/** The node binary that may capture (CAP_NET_RAW); the container image sets this to its copy that has it. */
export const CAPTURE_NODE_ENV = 'POOLWATCH_CAPTURE_NODE';

/** More capture threads than this is a mistake, not a configuration (each holds a ring per interface). */
const MAX_WORKERS = 32;

function usageProblem(a: LiveArgs, engine: 'afpacket' | 'cap'): string | null {
  if (!Number.isInteger(a.workers) || a.workers < 1 || a.workers > MAX_WORKERS) return `--workers must be a whole number from 1 to ${MAX_WORKERS} (got ${a.workers})`;
  if (engine === 'cap' && a.workers > 1) return '--workers needs the AF_PACKET capture engine, which is not available here (see the log line above); the libpcap fallback runs one analysis thread';
  if (engine === 'cap' && !a.promisc) {
    return '--no-promisc is not possible with the libpcap fallback: the binding (cap 0.2.1) always opens interfaces in promiscuous mode. On a mirror port that is what you want; elsewhere use --bpf to keep only traffic to and from this host.';
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

/**
 * `poolwatch live`: capture on the interfaces, stream findings as they are made
 * and grow, log health, and write the full report when stopped.
 */
export async function live(args: LiveArgs, log: Log): Promise<number> {
  const choice = chooseEngine();
  if (choice.kind === 'none') {
    process.stderr.write(`poolwatch: ${choice.why}\n`);
    return EXIT_USAGE;
  }
  const problem = usageProblem(args, choice.kind);
  if (problem !== null) {
    if (choice.kind === 'cap') log.warn(`live capture uses the libpcap fallback (cap binding): ${choice.why}`);
    process.stderr.write(`poolwatch: ${problem}\n`);
    return EXIT_USAGE;
  }
  if (choice.kind === 'afpacket') {
    const rerun = runUnderCaptureNode(process.env[CAPTURE_NODE_ENV], CAPTURE_NODE_ENV);
    if (rerun !== null) return rerun;
  } else {
    log.warn({ reason: choice.why }, `live capture uses the libpcap fallback (cap binding), not AF_PACKET: ${choice.why}`);
    try {
      loadCap();
    } catch (e) {
      process.stderr.write(`poolwatch: ${(e as Error).message} (the AF_PACKET engine cannot be used either: ${choice.why})\n`);
      return EXIT_USAGE;
    }
  }
  if (args.report !== undefined) {
    try {
      planOutput(args.report);
    } catch (e) {
      process.stderr.write(`poolwatch: --report: ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  loadSignatures(args.signatures);
  const outputs = await LiveOutputs.start(args.outputs, args.interfaces, log);
  if (outputs === null) return EXIT_USAGE;
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
  const iface = args.interfaces.length === 1 ? args.interfaces[0] : undefined;
  const lines: StreamFormat = args.format === 'eve' ? { line: (r) => eveLine(eveRecord(r, { in_iface: iface, event: r.event })), summary: false } : JSON_LINES;
  const stream = new FindingStream(out, (record, line) => alerts?.add(record, line), lines);
  const shown = (f: Finding): boolean => args.minConfidence === undefined || meetsConfidence(f, args.minConfidence);
  const onWarning = (w: CaptureWarning): void => {
    warnings.push(`${w.file}: ${w.message}`);
    log.warn({ interface: w.file }, w.message);
  };
  const engine = makeEngine(
    choice.kind,
    {
      interfaces: args.interfaces,
      filter: args.bpf ?? '',
      snaplen: args.snaplen,
      bufferBytes: Math.round(args.bufferSize * 1024 * 1024),
      queueBytes: Math.round(args.queueSize * 1024 * 1024),
      promisc: args.promisc,
      workers: args.workers,
      signatures: args.signatures,
      analyzer: { maxFlows: args.maxFlows, idleTimeoutMs: args.idleTimeout * 1000, inspectBytes: args.inspectBytes, maxLineBytes: args.maxLineBytes },
      captureNode: process.env[CAPTURE_NODE_ENV] || undefined,
    },
    onWarning,
  );
  engine.onFinding = (f: Finding) => {
    if (shown(f)) outputs.found(f, stream.found(f));
  };
  engine.onMessage = (device, text) => {
    // libpcap's note for an interface without an IPv4 address (normal on a mirror port): only BPF "broadcast" needs the netmask.
    if (/This may not actually work|Assertion .status == 0. failed/.test(text)) log.debug({ interface: device }, text);
    else log.warn({ interface: device }, text);
  };
  try {
    await engine.start();
  } catch (e) {
    out.close();
    if (e instanceof LiveCaptureError) {
      process.stderr.write(`poolwatch: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  log.info(
    { engine: engine.kind, interfaces: engine.opened, workers: args.workers, filter: args.bpf ?? null, snaplen: args.snaplen, bufferMiB: args.bufferSize, output: out.name },
    'capturing',
  );

  // Stop on a signal, a lost interface, or a fault in handling the capture.
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
    engine.onLost = (error) => resolve({ error });
    engine.onFault = (error) => resolve({ error });
  });

  let refreshing = false;
  const refresh = async (): Promise<void> => {
    if (refreshing) return;
    refreshing = true;
    try {
      engine.tick(Date.now());
      for (const f of await engine.current()) if (shown(f)) outputs.found(f, stream.found(f));
    } finally {
      refreshing = false;
    }
  };
  const updateTimer = args.updateInterval > 0 ? setInterval(() => void refresh(), args.updateInterval * 1000) : null;

  let last = { t: Date.now(), packets: 0, bytes: 0, dropped: 0, ifDropped: 0, queueDropped: 0 };
  const states = new Map<string, string | null>();
  let statsBusy = false;
  const statsTick = async (): Promise<void> => {
    if (statsBusy) return;
    statsBusy = true;
    try {
      const st = await engine.sample();
      const ifs = st.interfaces;
      const now = Date.now();
      const dt = Math.max(1, now - last.t) / 1000;
      const c = counters(st);
      const dropped = (c.dropped as number | null) ?? 0;
      const ifDropped = (c.ifDropped as number | null) ?? 0;
      const queueDropped = c.queueDropped as number;
      const line = {
        packets: st.packets,
        bytes: st.bytes,
        pps: Math.round((st.packets - last.packets) / dt),
        mbps: Math.round(((st.bytes - last.bytes) * 8) / dt / 1e4) / 100,
        flows: st.flows,
        flowsSeen: st.flowsSeen,
        findings: stream.newCount,
        ...c,
        queuedMiB: Math.round(((sum(ifs, (s) => s.queued) ?? 0) / 1048576) * 10) / 10,
        interfaces: ifs.map((s) => ({ name: s.device, received: s.received, dropped: s.dropped, freezes: s.freezes, ifDropped: s.ifDropped, queueDropped: s.queueDropped, state: s.state })),
        workers: workerLines(st.workers),
      };
      log.info(line, 'capture stats');
      outputs.observe(st);
      const moreDropped = dropped - last.dropped;
      const moreIfDropped = ifDropped - last.ifDropped;
      if (moreDropped > 0 || moreIfDropped > 0) {
        log.warn(
          { dropped: moreDropped, ifDropped: moreIfDropped, seconds: Math.round(dt), totalDropped: c.dropped, totalIfDropped: c.ifDropped },
          `capture is losing packets: ${moreDropped} dropped by the kernel with the ring full and ${moreIfDropped} by the interface in the last ${Math.round(dt)} s` +
            (moreDropped > 0 ? '; a larger --buffer-size, more --workers or a --bpf filter may help' : ''),
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
      last = { t: now, packets: st.packets, bytes: st.bytes, dropped, ifDropped, queueDropped };
    } finally {
      statsBusy = false;
    }
  };
  const statsTimer = args.statsInterval > 0 ? setInterval(() => void statsTick(), args.statsInterval * 1000) : null;

  const why = await ended;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  // A second signal while finishing must not kill the report half way: finishing is bounded.
  const ignore = (): void => log.warn('already stopping: finishing the report');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  if (updateTimer) clearInterval(updateTimer);
  if (statsTimer) clearInterval(statsTimer);
  try {
    if (why.signal) log.info({ signal: why.signal }, 'stopping');
    else log.error({ err: why.error?.message }, 'capture ended; writing the report');
    const result = await engine.stop();
    const findings = result.findings.filter(shown);
    if (why.error) warnings.push(why.error.message);
    const delivered = await outputs.finish(findings);
    const summary: Summary & { [k: string]: unknown } = {
      type: 'summary',
      files: 0,
      packets: result.packets,
      bytes: result.bytes,
      seconds: (Date.now() - started) / 1000,
      flows: result.flowsSeen,
      findings: findings.length,
      warnings,
      skipped: [],
      engine: engine.kind,
      interfaces: result.interfaces,
      workers: result.workers,
      // Every thread of this process: capture threads, the main thread, V8's.
      cpuMs: { user: Math.round(process.cpuUsage().user / 1000), system: Math.round(process.cpuUsage().system / 1000) },
      ...counters(result),
      stoppedBy: why.signal ?? 'error',
      ...(args.minConfidence !== undefined ? { minConfidence: args.minConfidence, filteredOut: result.findings.length - findings.length } : {}),
      ...(outputs.sinks.length > 0 ? { sinks: delivered.sinks } : {}),
    };
    const streamed = stream.final(findings, summary);
    const closed = out.close();
    let reportOk = true;
    if (args.report !== undefined) {
      try {
        await writeReportFile(args.report, render(formatForPath(args.report, false), findings, summary));
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
    log.info({ packets: result.packets, flows: result.flowsSeen, findings: findings.length, newLines: stream.newCount, updateLines: stream.updateCount, seconds: summary.seconds, workers: workerLines(result.workers) }, 'live capture done');
    if (why.error) {
      log.error(why.error.message);
      return EXIT_LIVE_FAILED;
    }
    return streamed && closed && reportOk && writeFailures === 0 && !delivered.failed ? 0 : EXIT_LIVE_FAILED;
  } finally {
    process.removeListener('SIGINT', ignore);
    process.removeListener('SIGTERM', ignore);
    process.removeListener('SIGHUP', onHangup);
  }
}
