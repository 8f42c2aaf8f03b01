/**
 * Prometheus metrics for `live` (--metrics-listen HOST:PORT): a prom-client
 * registry of its own (nothing global, so two in one process do not collide)
 * and a small HTTP listener serving it at /metrics. The live command hands it
 * its periodic stats with `observeStats`; counters are fed the growth since
 * the last call, so they stay counters (rate() works) while live keeps totals.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';
import type { Counter, Gauge, Registry } from 'prom-client';
import type { SinkStats } from './sinks/sink';

export interface InterfaceCounters {
  name: string;
  /** Packets libpcap delivered. */
  received: number | null;
  /** Kernel (libpcap ring) drops, or null when unknown. */
  dropped: number | null;
  /** Drops the interface itself counted, or null. */
  ifDropped: number | null;
  /** Packets dropped because the analysis was behind (--queue-size). */
  queueDropped: number | null;
  /** Whether the interface is up, or null when unknown. */
  up: boolean | null;
}

export interface LiveStats {
  /** Totals since capture began. */
  packets: number;
  bytes: number;
  /** Flows held now. */
  flows: number;
  /** Findings now, by confidence. */
  findings: { high: number; medium: number; low: number };
  interfaces: InterfaceCounters[];
  sinks: SinkStats[];
}

/** HOST:PORT or [V6]:PORT; throws a one-line error naming the option. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535 || (m[1] !== undefined && !isIPv6(m[1]))) {
    throw new Error(`--metrics-listen "${text}": expected HOST:PORT, e.g. 127.0.0.1:9464 or [::1]:9464`);
  }
  return { host: m[1] ?? m[2], port };
}

export class Metrics {
  readonly registry: Registry;
  private readonly packets: Counter;
  private readonly bytes: Counter;
  private readonly received: Counter;
  private readonly kernelDropped: Counter;
  private readonly ifDropped: Counter;
  private readonly queueDropped: Counter;
  private readonly up: Gauge;
  private readonly flows: Gauge;
  private readonly findings: Gauge;
  private readonly sinkBacklog: Gauge;
  private readonly sinkSent: Counter;
  private readonly sinkFailed: Counter;
  /** The totals last seen, per counter and label value. */
  private readonly last = new Map<Counter, Map<string, number>>();
  private server: Server | null = null;

  constructor(opts: { processMetrics?: boolean } = {}) {
    // Loaded here: live without --metrics-listen never loads prom-client.
    const prom = require('prom-client') as typeof import('prom-client');
    this.registry = new prom.Registry();
    const registers = [this.registry];
    const counter = (name: string, help: string, labelNames: string[] = []): Counter => new prom.Counter({ name, help, labelNames, registers });
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => new prom.Gauge({ name, help, labelNames, registers });
    this.packets = counter('poolwatch_packets_total', 'Packets analyzed, all interfaces');
    this.bytes = counter('poolwatch_bytes_total', 'Bytes analyzed (captured length), all interfaces');
    this.received = counter('poolwatch_interface_received_packets_total', 'Packets libpcap delivered, per interface', ['interface']);
    this.kernelDropped = counter('poolwatch_interface_kernel_dropped_packets_total', 'Packets the kernel capture ring dropped (estimated from interface counters), per interface', ['interface']);
    this.ifDropped = counter('poolwatch_interface_nic_dropped_packets_total', 'Packets the interface itself dropped, per interface', ['interface']);
    this.queueDropped = counter('poolwatch_interface_queue_dropped_packets_total', 'Packets dropped because the analysis was --queue-size behind, per interface', ['interface']);
    this.up = gauge('poolwatch_interface_up', '1 when the interface is up, 0 when not', ['interface']);
    this.flows = gauge('poolwatch_flows', 'Flows held now');
    this.findings = gauge('poolwatch_findings', 'Findings (host, pool, port) now, by confidence', ['confidence']);
    this.sinkBacklog = gauge('poolwatch_sink_backlog', 'Records waiting to be sent, per sink', ['sink']);
    this.sinkSent = counter('poolwatch_sink_sent_total', 'Records a sink delivered, per sink', ['sink']);
    this.sinkFailed = counter('poolwatch_sink_failed_total', 'Records a sink could not deliver (backlog full, send failed, or unsent at exit), per sink', ['sink']);
    for (const c of ['high', 'medium', 'low']) this.findings.set({ confidence: c }, 0);
    if (opts.processMetrics !== false) prom.collectDefaultMetrics({ register: this.registry, prefix: 'poolwatch_' });
  }

  /** Live's periodic stats: totals since start (counters grow by the difference) and current levels. */
  observeStats(s: LiveStats): void {
    this.grow(this.packets, {}, s.packets);
    this.grow(this.bytes, {}, s.bytes);
    for (const i of s.interfaces) {
      const l = { interface: i.name };
      this.grow(this.received, l, i.received);
      this.grow(this.kernelDropped, l, i.dropped);
      this.grow(this.ifDropped, l, i.ifDropped);
      this.grow(this.queueDropped, l, i.queueDropped);
      if (i.up !== null) this.up.set(l, i.up ? 1 : 0);
    }
    this.flows.set(s.flows);
    this.findings.set({ confidence: 'high' }, s.findings.high);
    this.findings.set({ confidence: 'medium' }, s.findings.medium);
    this.findings.set({ confidence: 'low' }, s.findings.low);
    this.observeSinks(s.sinks);
  }

  /** Sink counters alone (they change between stats intervals too). */
  observeSinks(sinks: SinkStats[]): void {
    for (const k of sinks) {
      const l = { sink: k.name };
      this.sinkBacklog.set(l, k.backlog);
      this.grow(this.sinkSent, l, k.sent);
      this.grow(this.sinkFailed, l, k.failed);
    }
  }

  /** The exposition text, as a scrape gets it. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Serves /metrics on host:port (port 0: any free one); resolves with the address bound. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((req, res) => void this.serve(req, res));
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        reject(new Error(`--metrics-listen ${host.includes(':') ? `[${host}]` : host}:${port}: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'no such local address' : e.code === 'EACCES' ? 'permission denied' : e.message}`));
      };
      server.once('error', onError);
      server.listen({ host, port }, () => {
        server.removeListener('error', onError);
        resolve();
      });
    });
    // The command closes it at exit; unref'd, a path that forgets cannot keep the process alive.
    server.unref();
    this.server = server;
    return server.address() as AddressInfo;
  }

  /** Where the listener is bound (port 0 asked for any free one), or null before listen. */
  get address(): AddressInfo | null {
    return this.server === null ? null : (this.server.address() as AddressInfo);
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' }).end(path === '/' ? 'poolwatch: metrics at /metrics\n' : 'not found\n');
      return;
    }
    try {
      const body = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${(e as Error).message}\n`);
    }
  }

  private grow(c: Counter, labels: Record<string, string>, total: number | null): void {
    if (total === null || !Number.isFinite(total)) return;
    let seen = this.last.get(c);
    if (seen === undefined) this.last.set(c, (seen = new Map()));
    const key = Object.values(labels).join('|');
    const prev = seen.get(key) ?? 0;
    // A total that went back (a restarted counter) starts the counter's growth afresh from zero.
    const delta = total >= prev ? total - prev : total;
    seen.set(key, total);
    // inc by 0 too: the series exists (at 0) from the first observation, so a scrape shows it before any drop.
    c.inc(labels, delta);
  }
}

/** Makes the registry and starts the listener: the one call live needs for --metrics-listen. */
export async function startMetrics(listen: string): Promise<Metrics> {
  const { host, port } = parseListen(listen);
  const m = new Metrics();
  await m.listen(host, port);
  return m;
}

/** Findings by confidence, as observeStats takes them. */
export function byConfidence(findings: readonly { confidence: string }[]): LiveStats['findings'] {
  const n = { high: 0, medium: 0, low: 0 };
  for (const f of findings) if (f.confidence === 'high' || f.confidence === 'medium' || f.confidence === 'low') n[f.confidence]++;
  return n;
}
