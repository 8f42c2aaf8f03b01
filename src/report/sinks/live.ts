/**
 * What `poolwatch live` adds for the SOC, in one object its command calls at
 * four points: open (parse the options, bind --metrics-listen), found (each
 * new or grown finding to the sinks), observe (each stats interval to the
 * metrics), finish (every finding as `final`, then the sinks closed within
 * --sink-timeout and the metrics listener shut).
 */
import type { Finding } from '../finding';
import { Metrics, parseListen, type InterfaceCounters } from '../metrics';
import type { SinkFormat } from './message';
import { findingKey } from '../stream';
import { closeSinks, openSinks, publishFinding, type SinkArgs } from './options';
import type { FindingSink, SinkLog, SinkStats } from './sink';

export interface LiveOutputArgs {
  sinks?: SinkArgs;
  /** HOST:PORT for /metrics, or undefined for none. */
  metricsListen?: string;
}

/** The parts of a live stats sample the metrics read (the capture engine's sample fits). */
export interface LiveSample {
  packets: number;
  bytes: number;
  flows: number;
  interfaces: readonly { device: string; received: number; dropped: number | null; ifDropped: number | null; queueDropped: number; state: string | null }[];
}

/** Each sink's outcome, as the summary line lists it. */
export interface SinkOutcome {
  name: string;
  sent: number;
  failed: number;
}

export class LiveOutputs {
  /** Confidence of every finding made so far, by its identity: the metrics' findings by confidence. */
  private readonly confidence = new Map<string, string>();
  private readonly format: SinkFormat;
  private readonly ctx: { in_iface?: string };

  private constructor(
    readonly sinks: FindingSink[],
    readonly metrics: Metrics | null,
    private readonly timeoutMs: number,
    private readonly log: SinkLog,
    a: LiveOutputArgs,
    interfaces: readonly string[],
  ) {
    this.format = a.sinks?.sinkFormat ?? 'json';
    this.ctx = interfaces.length === 1 ? { in_iface: interfaces[0] } : {};
  }

  /**
   * For the live command: the outputs, or null after writing the one-line reason
   * (a bad option, a busy --metrics-listen address) to stderr.
   */
  static async start(a: LiveOutputArgs | undefined, interfaces: readonly string[], log: SinkLog): Promise<LiveOutputs | null> {
    try {
      return await LiveOutputs.open(a ?? {}, interfaces, log);
    } catch (e) {
      process.stderr.write(`poolwatch: ${(e as Error).message}\n`);
      return null;
    }
  }

  /** Throws an Error whose message is one line naming the bad option (nothing is left open then). */
  static async open(a: LiveOutputArgs, interfaces: readonly string[], log: SinkLog): Promise<LiveOutputs> {
    const listen = a.metricsListen !== undefined ? parseListen(a.metricsListen) : null;
    const sinks = a.sinks !== undefined ? openSinks(a.sinks, log) : [];
    let metrics: Metrics | null = null;
    if (listen !== null) {
      metrics = new Metrics();
      await metrics.listen(listen.host, listen.port);
      log.info({ listen: a.metricsListen }, `metrics at http://${a.metricsListen}/metrics`);
    }
    return new LiveOutputs(sinks, metrics, (a.sinks?.sinkTimeout ?? 10) * 1000, log, a, interfaces);
  }

  /** A finding as it now stands, with the event the stream wrote for it (null: nothing changed, nothing sent). */
  found(f: Finding, event: 'new' | 'update' | 'final' | null): void {
    this.confidence.set(findingKey(f), f.confidence);
    if (event !== null) publishFinding(this.sinks, f, event, this.format, this.ctx);
  }

  /** A stats interval's sample to the metrics (nothing without --metrics-listen). */
  observe(s: LiveSample): void {
    if (this.metrics === null) return;
    const findings = { high: 0, medium: 0, low: 0 };
    for (const c of this.confidence.values()) if (c === 'high' || c === 'medium' || c === 'low') findings[c]++;
    const interfaces: InterfaceCounters[] = s.interfaces.map((i) => ({
      name: i.device,
      received: i.received,
      dropped: i.dropped,
      ifDropped: i.ifDropped,
      queueDropped: i.queueDropped,
      up: i.state === null || i.state === 'unknown' ? null : i.state === 'up',
    }));
    this.metrics.observeStats({ packets: s.packets, bytes: s.bytes, flows: s.flows, findings, interfaces, sinks: this.stats() });
  }

  stats(): SinkStats[] {
    return this.sinks.map((s) => s.stats());
  }

  /**
   * Every finding once more as `final`, then the sinks closed (logging one line
   * per sink that lost records) and the metrics listener shut. `failed` when
   * any sink could not deliver everything.
   */
  async finish(findings: readonly Finding[]): Promise<{ sinks: SinkOutcome[]; failed: boolean }> {
    for (const f of findings) this.found(f, 'final');
    const stats = await closeSinks(this.sinks, this.timeoutMs, this.log);
    this.metrics?.observeSinks(stats);
    await this.metrics?.close();
    return { sinks: stats.map((s) => ({ name: s.name, sent: s.sent, failed: s.failed })), failed: stats.some((s) => s.failed > 0) };
  }
}
