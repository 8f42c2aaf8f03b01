/**
 * One capture-and-analysis thread of `poolwatch live`: opens its AF_PACKET
 * sockets (one per interface, in that interface's fanout group when there are
 * several threads), and loops: walk each block the kernel has handed over in
 * place in the mapped ring into its own Analyzer, hand it back, and when nothing
 * is ready block in poll(2) for at most POLL_MS. The
 * loop is synchronous (the thread's event loop never runs while capturing), so
 * requests from the main thread are taken with receiveMessageOnPort between
 * batches; the main thread's event loop is never held by capture.
 *
 * With several threads, the kernel's flow hash sends each connection to one
 * thread, but a DNS answer must reach every thread (the connection it ties to a
 * pool may hash to any of them): each thread has a second socket per interface
 * outside the fanout group taking only port 53, which the fanout sockets leave
 * out. Its answers are analyzed before each batch of other packets, once the
 * kernel has had time to hand over any answer older than that batch (GUARD_MS).
 */
import { existsSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { Analyzer, type AnalyzerOptions } from '../../analyzer';
import { loadSignatures } from '../../detect/signatures';
import type { AggregatorState } from '../../report/aggregate';
import type { Finding } from '../../report/finding';
import { loadAfPacket, type AfPacketAddon, type Opened, type Ring } from '../../capture/afpacket/native';
import { BlockWalker, blockLastMs } from '../../capture/afpacket/walker';
import { LiveCaptureError, openFailure, type LiveFailureKind } from '../../capture/live/errors';

export interface SocketSpec {
  device: string;
  /** The filter compiled for this socket; `userFilter` is what the user gave, for messages. */
  filter: string;
  userFilter: string;
  fanout: number;
  role: 'main' | 'dns';
}

export interface CaptureJob {
  worker: number;
  sockets: SocketSpec[];
  snaplen: number;
  blockSize: number;
  blockCount: number;
  promisc: boolean;
  signatures: string[];
  options: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>;
  port: MessagePort;
}

export interface RingReport {
  device: string;
  role: 'main' | 'dns';
  linkType: number;
  /** The kernel's counts: packets that passed the filter (drops included), drops, ring-full events. */
  packets: number;
  drops: number;
  freezes: number;
  /** Packets walked into the analyzer, and their bytes on the wire. */
  walked: number;
  wireBytes: number;
}

export interface WorkerReport {
  worker: number;
  rings: RingReport[];
  flows: number;
  flowsSeen: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export type WorkerRequest = { type: 'sample'; id: number } | { type: 'findings'; id: number } | { type: 'stop' };

export type WorkerMessage =
  | { type: 'open'; rings: { device: string; role: 'main' | 'dns'; linkType: number }[] }
  | { type: 'error'; kind: LiveFailureKind; message: string; device: string | null }
  | { type: 'finding'; finding: Finding }
  | { type: 'warning'; device: string; offset: number; message: string }
  | { type: 'stats'; id: number; report: WorkerReport }
  | { type: 'findings'; id: number; findings: Finding[] }
  | { type: 'lost'; message: string; device: string }
  | { type: 'done'; report: WorkerReport; state: AggregatorState };

/** Longest one poll(2) blocks: how soon a request from the main thread or a stop is seen. */
const POLL_MS = 50;
const MAIN_RETIRE_MS = 10;
const DNS_RETIRE_MS = 4;
/** At least a second of port-53 blocks at one retire period each, whatever HZ is: a thread kept off the CPU that long still loses none. */
const DNS_BLOCKS = 256;
/** A block is handed over within two retire periods of the kernel's timer plus a jiffy: DNS answers older than a batch are in by then. */
const GUARD_MS = 20;
/** At stop: how long to wait for the block the kernel is filling, and at most for everything. */
const QUIET_MS = 3 * MAIN_RETIRE_MS + 40;
const DRAIN_MS = 2000;
const IDLE_TICK_MS = 1000;

interface Socket {
  spec: SocketSpec;
  opened: Opened;
  walker: BlockWalker;
}

/** Blocks walked from one ring before the others (and the main thread's requests) get a turn. */
const BLOCKS_PER_TURN = 64;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function post(m: WorkerMessage): void {
  parentPort!.postMessage(m);
}

function openAll(addon: AfPacketAddon, job: CaptureJob, analyzer: Analyzer): Socket[] {
  const sockets: Socket[] = [];
  try {
    for (const spec of job.sockets) {
      let opened: Opened;
      try {
        opened = addon.open({
          device: spec.device,
          snaplen: job.snaplen,
          // Port 53 is a trickle: the kernel hands over a block per retire period however few packets it holds,
          // so this ring is sized in periods (DNS_BLOCKS of them), not bytes.
          blockSize: spec.role === 'dns' ? Math.min(job.blockSize, 1 << 17) : job.blockSize,
          blockCount: spec.role === 'dns' ? DNS_BLOCKS : job.blockCount,
          retireMs: spec.role === 'dns' ? DNS_RETIRE_MS : MAIN_RETIRE_MS,
          filter: spec.filter,
          promisc: job.promisc,
          fanout: spec.fanout,
          ignoreOutgoing: false,
        });
      } catch (e) {
        const err = e as Error & { code?: string };
        if (err.code === 'FILTER') throw new LiveCaptureError('filter', `the BPF filter "${spec.userFilter}" is not valid: ${err.message}`, spec.device);
        throw openFailure(spec.device, spec.userFilter, err.message, 'kernel');
      }
      const walker = new BlockWalker(spec.device, analyzer, (w) => post({ type: 'warning', device: w.file, offset: w.offset, message: w.message }), opened.linkType);
      sockets.push({ spec, opened, walker });
    }
  } catch (e) {
    for (const s of sockets) addon.close(s.opened.ring);
    throw e;
  }
  return sockets;
}

function report(job: CaptureJob, addon: AfPacketAddon, sockets: Socket[], analyzer: Analyzer): WorkerReport {
  const cpu = addon.cpu();
  return {
    worker: job.worker,
    rings: sockets.map((s) => {
      const k = addon.stats(s.opened.ring);
      return { device: s.spec.device, role: s.spec.role, linkType: s.opened.linkType, packets: k.packets, drops: k.drops, freezes: k.freezes, walked: s.walker.packets, wireBytes: s.walker.wireBytes };
    }),
    flows: analyzer.flowCount,
    flowsSeen: analyzer.flowsSeen,
    cpuUserMs: cpu.userMs,
    cpuSystemMs: cpu.systemMs,
  };
}

/** Walks one block in place, where the kernel wrote it, and hands it back. */
function walkBlock(addon: AfPacketAddon, s: Socket, at: number): void {
  const map = s.opened.map;
  const length = Math.min(map.readUInt32LE(at + 20), s.opened.blockSize);
  s.walker.parse(map, at, at + length, 0);
  addon.release(s.opened.ring);
}

/** Every port-53 block the kernel has handed over. */
function drainDns(addon: AfPacketAddon, dns: Socket[]): number {
  let got = 0;
  for (const s of dns) {
    for (let at = addon.next(s.opened.ring); at >= 0; at = addon.next(s.opened.ring)) {
      walkBlock(addon, s, at);
      got++;
    }
  }
  return got;
}

/**
 * Walks what every ring has ready; returns blocks walked. With port-53 sockets, each
 * block of other packets waits until any answer older than its newest packet can have
 * been handed over, and those answers are analyzed first.
 */
function pump(addon: AfPacketAddon, mains: Socket[], dns: Socket[]): number {
  let got = 0;
  for (const s of mains) {
    for (let n = 0; n < BLOCKS_PER_TURN; n++) {
      const at = addon.next(s.opened.ring);
      if (at < 0) break;
      if (dns.length > 0) {
        const wait = blockLastMs(s.opened.map, at) + GUARD_MS - Date.now();
        if (wait > 0) sleep(Math.min(wait, GUARD_MS));
        got += drainDns(addon, dns);
      }
      walkBlock(addon, s, at);
      got++;
    }
  }
  if (dns.length > 0) got += drainDns(addon, dns);
  return got;
}

/** Why ring `s` reported a socket error: the interface went down or disappeared. */
function lostMessage(addon: AfPacketAddon, s: Socket): string {
  const err = addon.error(s.opened.ring);
  const device = s.spec.device;
  // The kernel says the interface is down before it is unregistered: look again before calling it down.
  let gone = false;
  for (let i = 0; i < 5 && !gone; i++) {
    gone = !existsSync(`/sys/class/net/${device}`);
    if (!gone) sleep(100);
  }
  return `interface ${device} ${gone ? 'disappeared' : 'went down'} while capturing (socket error: ${err?.message ?? 'unknown'})`;
}

function run(job: CaptureJob): void {
  const addon = loadAfPacket();
  if (typeof addon === 'string') {
    post({ type: 'error', kind: 'binding', message: addon, device: null });
    return;
  }
  const analyzer = new Analyzer(loadSignatures(job.signatures), { ...job.options, onFinding: (finding) => post({ type: 'finding', finding }) });
  let sockets: Socket[];
  try {
    sockets = openAll(addon, job, analyzer);
  } catch (e) {
    const err = e instanceof LiveCaptureError ? e : new LiveCaptureError('other', (e as Error).message);
    post({ type: 'error', kind: err.kind, message: err.message, device: err.device });
    return;
  }
  post({ type: 'open', rings: sockets.map((s) => ({ device: s.spec.device, role: s.spec.role, linkType: s.opened.linkType })) });
  const mains = sockets.filter((s) => s.spec.role === 'main');
  const dns = sockets.filter((s) => s.spec.role === 'dns');
  const rings: Ring[] = sockets.map((s) => s.opened.ring);
  let stopping = false;
  let lastTick = Date.now();
  while (!stopping) {
    for (let m = receiveMessageOnPort(job.port); m !== undefined; m = receiveMessageOnPort(job.port)) {
      const req = m.message as WorkerRequest;
      if (req.type === 'stop') stopping = true;
      else if (req.type === 'sample') post({ type: 'stats', id: req.id, report: report(job, addon, sockets, analyzer) });
      else post({ type: 'findings', id: req.id, findings: analyzer.report.findings() });
    }
    if (stopping) break;
    if (pump(addon, mains, dns) === 0) {
      const ready = addon.wait(rings, POLL_MS);
      if (ready < 0) {
        const s = sockets[-1 - ready];
        pump(addon, mains, dns);
        post({ type: 'lost', device: s.spec.device, message: lostMessage(addon, s) });
        break;
      }
    }
    const now = Date.now();
    if (now - lastTick >= IDLE_TICK_MS) {
      // Kernel timestamps are the wall clock: idle flows end on it even when no packet comes.
      analyzer.tick(now);
      lastTick = now;
    }
  }
  // What the kernel holds already (and the block it is still filling) reaches the analysis before the counters are read.
  const end = Date.now() + DRAIN_MS;
  let quiet = Date.now();
  while (Date.now() < end && Date.now() - quiet < QUIET_MS) {
    if (pump(addon, mains, dns) > 0) quiet = Date.now();
    else sleep(5);
  }
  const last = report(job, addon, sockets, analyzer);
  analyzer.finish();
  const state = analyzer.report.state();
  for (const s of sockets) addon.close(s.opened.ring);
  const cpu = addon.cpu();
  post({ type: 'done', report: { ...last, cpuUserMs: cpu.userMs, cpuSystemMs: cpu.systemMs }, state });
}

if (parentPort !== null && workerData !== null && (workerData as { kind?: string }).kind === 'afpacket-capture') {
  const job = (workerData as { job: CaptureJob }).job;
  try {
    run(job);
  } catch (e) {
    post({ type: 'error', kind: 'other', message: `capture thread ${job.worker} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, device: null });
  }
}
