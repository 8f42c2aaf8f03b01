/**
 * The AF_PACKET live engine, main-thread side: starts one capture thread per
 * --workers (worker.ts), each with its own Analyzer on its share of the
 * traffic, merges what they find into one stream and, at the end, their flow
 * records into one report as `scan --workers` does (Aggregator.merge).
 */
import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { AnalyzerOptions } from '../../analyzer';
import { ringGeometry } from '../../capture/afpacket/ring-size';
import type { CaptureWarning } from '../../capture/frame';
import { LiveCaptureError } from '../../capture/live/errors';
import { interfaceState, readInterfaceCounters } from '../../capture/live/sysfs';
import { Aggregator, type AggregatorState } from '../../report/aggregate';
import type { Finding } from '../../report/finding';
import { findingKey } from '../../report/stream';
import { mergeFindings, type InterfaceStats, type LiveEngine, type LiveResult, type LiveStats, type WorkerStats } from '../engine';
import type { CaptureJob, SocketSpec, WorkerMessage, WorkerReport, WorkerRequest } from './worker';

export interface AfPacketOptions {
  interfaces: string[];
  /** BPF filter ('' for none). */
  filter: string;
  snaplen: number;
  /** Ring per interface and thread, bytes. */
  bufferBytes: number;
  promisc: boolean;
  workers: number;
  signatures: string[];
  analyzer: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>;
}

interface Thread {
  index: number;
  worker: Worker;
  port: MessagePort;
  last: WorkerReport | null;
  /** The latest finding this thread reported per pair. */
  findings: Map<string, Finding>;
  done: Promise<{ report: WorkerReport; state: AggregatorState } | null>;
  replies: Map<number, (m: WorkerMessage) => void>;
}

/** How long a thread may take to answer a sample, and to finish after stop (its own drain is 2 s at most). */
const ANSWER_MS = 1000;
const STOP_MS = 10_000;

/** Port-53 traffic goes to every thread (worker.ts); the fanout sockets take the rest. */
function dnsFilter(user: string, dns: boolean): string {
  const mine = dns ? 'port 53' : 'not port 53';
  return user === '' ? mine : `(${user}) and ${mine}`;
}

export class AfPacketEngine implements LiveEngine {
  readonly kind = 'afpacket' as const;
  onFinding: (f: Finding) => void = () => undefined;
  onLost: (err: LiveCaptureError) => void = () => undefined;
  onFault: (err: Error) => void = () => undefined;
  onMessage: (device: string, text: string) => void = () => undefined;
  opened: { device: string; linkType: number }[] = [];
  private threads: Thread[] = [];
  private requestId = 0;
  private readonly ifDropBase = new Map<string, number | null>();

  constructor(
    private readonly opts: AfPacketOptions,
    private readonly onWarning: (w: CaptureWarning) => void,
  ) {}

  async start(): Promise<void> {
    const { blockSize, blockCount } = ringGeometry(this.opts.bufferBytes, this.opts.snaplen);
    const several = this.opts.workers > 1;
    for (const d of this.opts.interfaces) this.ifDropBase.set(d, readInterfaceCounters(d)?.ifDrops ?? null);
    const opening: Promise<{ device: string; role: string; linkType: number }[]>[] = [];
    for (let i = 0; i < this.opts.workers; i++) {
      const sockets: SocketSpec[] = this.opts.interfaces.map((device, k) => ({
        device,
        filter: several ? dnsFilter(this.opts.filter, false) : this.opts.filter,
        userFilter: this.opts.filter,
        // One group per interface, unlikely to meet another process's group on it.
        fanout: several ? ((process.pid * 31 + k * 7919) & 0xffff) || 1 : 0,
        role: 'main' as const,
      }));
      if (several) for (const device of this.opts.interfaces) sockets.push({ device, filter: dnsFilter(this.opts.filter, true), userFilter: this.opts.filter, fanout: 0, role: 'dns' });
      const job: Omit<CaptureJob, 'port'> = { worker: i, sockets, snaplen: this.opts.snaplen, blockSize, blockCount, promisc: this.opts.promisc, signatures: this.opts.signatures, options: this.opts.analyzer };
      opening.push(this.launch(i, job));
    }
    const results = await Promise.allSettled(opening);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await this.stop();
      throw failed.reason;
    }
    const first = (results[0] as PromiseFulfilledResult<{ device: string; role: string; linkType: number }[]>).value;
    this.opened = first.filter((r) => r.role === 'main').map((r) => ({ device: r.device, linkType: r.linkType }));
  }

  private launch(index: number, job: Omit<CaptureJob, 'port'>): Promise<{ device: string; role: string; linkType: number }[]> {
    const channel = new MessageChannel();
    const full: CaptureJob = { ...job, port: channel.port2 };
    const worker = new Worker(join(__dirname, 'worker.js'), { workerData: { kind: 'afpacket-capture', job: full }, transferList: [channel.port2] });
    let resolveDone!: (v: { report: WorkerReport; state: AggregatorState } | null) => void;
    const thread: Thread = { index, worker, port: channel.port1, last: null, findings: new Map(), done: new Promise((r) => (resolveDone = r)), replies: new Map() };
    this.threads.push(thread);
    return new Promise((resolve, reject) => {
      let opened = false;
      worker.on('message', (m: WorkerMessage) => {
        try {
          if (m.type === 'open') {
            opened = true;
            resolve(m.rings);
          } else if (m.type === 'error') {
            const err = new LiveCaptureError(m.kind, m.message, m.device);
            if (!opened) reject(err);
            else this.onFault(err);
          } else if (m.type === 'finding') this.found(thread, m.finding);
          else if (m.type === 'warning') this.onWarning({ file: m.device, offset: m.offset, message: m.message });
          else if (m.type === 'lost') this.onLost(new LiveCaptureError('lost', m.message, m.device));
          else if (m.type === 'done') {
            thread.last = m.report;
            resolveDone({ report: m.report, state: m.state });
          } else {
            if (m.type === 'stats') thread.last = m.report;
            thread.replies.get(m.id)?.(m);
          }
        } catch (e) {
          this.onFault(e as Error);
        }
      });
      worker.on('error', (e) => {
        if (!opened) reject(new LiveCaptureError('other', `capture thread ${index} failed: ${e.message}`));
        else this.onFault(e);
      });
      worker.on('exit', () => {
        if (!opened) reject(new LiveCaptureError('other', `capture thread ${index} ended before capturing`));
        resolveDone(null);
      });
    });
  }

  private found(thread: Thread, f: Finding): void {
    const key = findingKey(f);
    thread.findings.set(key, f);
    const parts: Finding[] = [];
    for (const t of this.threads) {
      const p = t.findings.get(key);
      if (p !== undefined) parts.push(p);
    }
    this.onFinding(mergeFindings(parts));
  }

  private ask(t: Thread, type: 'sample' | 'findings'): Promise<WorkerMessage | null> {
    const id = ++this.requestId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        t.replies.delete(id);
        resolve(null);
      }, ANSWER_MS);
      t.replies.set(id, (m) => {
        clearTimeout(timer);
        t.replies.delete(id);
        resolve(m);
      });
      try {
        t.port.postMessage({ type, id } satisfies WorkerRequest);
      } catch {
        clearTimeout(timer);
        resolve(null);
      }
    });
  }

  async sample(): Promise<LiveStats> {
    await Promise.all(this.threads.map((t) => this.ask(t, 'sample')));
    return this.stats();
  }

  async current(): Promise<Finding[]> {
    const answers = await Promise.all(this.threads.map((t) => this.ask(t, 'findings')));
    const byKey = new Map<string, Finding[]>();
    answers.forEach((m, i) => {
      if (m === null || m.type !== 'findings') return;
      for (const f of m.findings) {
        // Every thread sees every DNS answer: a lookup alone is thread 0's to report.
        if (i > 0 && f.pool === null) continue;
        const key = findingKey(f);
        const list = byKey.get(key);
        if (list === undefined) byKey.set(key, [f]);
        else list.push(f);
      }
    });
    return [...byKey.values()].map(mergeFindings);
  }

  tick(): void {
    // Each thread ends its idle flows on the wall clock itself.
  }

  async stop(): Promise<LiveResult> {
    for (const t of this.threads) {
      try {
        t.port.postMessage({ type: 'stop' } satisfies WorkerRequest);
      } catch {
        /* already gone */
      }
    }
    const ends = await Promise.all(
      this.threads.map(async (t) => {
        const timer = setTimeout(() => void t.worker.terminate(), STOP_MS);
        const r = await t.done;
        clearTimeout(timer);
        return r;
      }),
    );
    const report = new Aggregator();
    ends.forEach((r, i) => {
      if (r === null) return;
      report.merge(i > 0 && this.threads.length > 1 ? { ...r.state, lookups: [] } : r.state);
    });
    for (const t of this.threads) {
      t.port.close();
      void t.worker.terminate();
    }
    return { ...this.stats(), findings: report.findings() };
  }

  /** Totals from each thread's latest report. A port-53 packet reaches every thread; it counts once, in thread 0. */
  private stats(): LiveStats {
    const reports = this.threads.map((t) => t.last).filter((r): r is WorkerReport => r !== null);
    const counted = (r: WorkerReport, ring: WorkerReport['rings'][number]): boolean => ring.role === 'main' || r.worker === 0;
    const interfaces: InterfaceStats[] = this.opts.interfaces.map((device) => {
      let received = 0;
      let dropped = 0;
      let freezes = 0;
      let linkType = -1;
      for (const r of reports) {
        for (const ring of r.rings) {
          if (ring.device !== device) continue;
          if (ring.role === 'main') linkType = ring.linkType;
          if (counted(r, ring)) received += ring.packets - ring.drops;
          dropped += ring.drops;
          freezes += ring.freezes;
        }
      }
      const base = this.ifDropBase.get(device) ?? null;
      const now = base === null ? null : (readInterfaceCounters(device)?.ifDrops ?? null);
      return { device, linkType, received, truncated: 0, dropped, freezes, ifDropped: base !== null && now !== null ? now - base : null, queueDropped: 0, queued: 0, queuePeak: 0, state: interfaceState(device) };
    });
    const workers: WorkerStats[] = reports.map((r) => {
      let packets = 0;
      let bytes = 0;
      let dropped = 0;
      let dnsDropped = 0;
      for (const ring of r.rings) {
        dropped += ring.drops;
        if (ring.role === 'dns') dnsDropped += ring.drops;
        if (!counted(r, ring)) continue;
        packets += ring.walked;
        bytes += ring.wireBytes;
      }
      return { worker: r.worker, packets, bytes, flows: r.flows, cpuUserMs: Math.round(r.cpuUserMs), cpuSystemMs: Math.round(r.cpuSystemMs), dropped, dnsDropped };
    });
    return {
      packets: workers.reduce((n, w) => n + w.packets, 0),
      bytes: workers.reduce((n, w) => n + w.bytes, 0),
      flows: reports.reduce((n, r) => n + r.flows, 0),
      flowsSeen: reports.reduce((n, r) => n + r.flowsSeen, 0),
      interfaces,
      workers,
    };
  }
}
