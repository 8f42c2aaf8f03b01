/**
 * Live capture through libpcap, using the `cap` binding (an optional dependency).
 *
 * Each interface is captured by a small child process (this same file, run as
 * a script) that copies every packet libpcap hands it into a classic nanosecond
 * pcap stream on a pipe; the parent reads that stream with the project's own
 * PcapParser into the one Analyzer, exactly as `scan` reads a file. Why a
 * child: cap 0.2.1 asserts (aborting the whole process) when the capture socket
 * reports an error, which is what happens the moment an interface goes down or
 * is deleted. In a child that costs only the child; the parent still holds every
 * flow and finding, writes the report and says which interface was lost. The
 * split also puts libpcap's copying and the analysis on different cores, and
 * lets the child hold packets compactly while the analysis catches up (the
 * ring holds few: every packet takes a 64 KiB slot there, see --queue-size).
 *
 * What cap 0.2.1 does not give, and what is done instead:
 * - no per-packet timestamp: the wall clock (performance.timeOrigin + now(),
 *   sub-microsecond, monotonic within a run) when the packet reaches JavaScript;
 * - no wire length: the captured length stands in (flow byte counts come from
 *   the IP header, so they are unaffected);
 * - no pcap_stats(): `received` is counted here; `dropped` is estimated from the
 *   interface's own packet counters (see sampleStats); `ifDropped` is what
 *   libpcap itself reports on Linux (rx_missed_errors + rx_fifo_errors);
 * - snap length fixed at 65535 inside libpcap: --snaplen limits the bytes copied
 *   out of the ring, not the ring's slot size;
 * - promiscuous mode always on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { CaptureWarning, FrameSink } from './frame';
import { PCAP_MAGIC_NS, PcapParser } from './pcap';

/** Why a capture could not start or could not go on. */
export type LiveFailureKind = 'binding' | 'permission' | 'no-device' | 'down' | 'filter' | 'link-type' | 'lost' | 'other';

export class LiveCaptureError extends Error {
  constructor(
    readonly kind: LiveFailureKind,
    message: string,
    readonly device: string | null = null,
  ) {
    super(message);
    this.name = 'LiveCaptureError';
  }
}

export interface CapAddress {
  addr?: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

export interface CapDevice {
  name: string;
  description?: string;
  addresses: CapAddress[];
  flags?: string;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
}

export interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

/** The `cap` binding, or a LiveCaptureError that says how to install it. */
export function loadCap(): CapModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('cap') as CapModule;
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    const libMissing = /libpcap\.so/.test(reason);
    throw new LiveCaptureError(
      'binding',
      `live capture needs the libpcap binding, the optional npm package "cap", which ${libMissing ? 'cannot find the libpcap library' : 'is not installed or did not build'} (${reason}). ` +
        (libMissing
          ? 'Install the libpcap runtime (Debian/Ubuntu: apt-get install libpcap0.8; Fedora/RHEL: dnf install libpcap).'
          : 'Install the libpcap headers and a C++ toolchain, then rebuild it in the poolwatch folder: ' +
            'Debian/Ubuntu: apt-get install libpcap-dev python3 make g++ && npm rebuild cap; ' +
            'Fedora/RHEL: dnf install libpcap-devel python3 make gcc-c++ && npm rebuild cap.'),
    );
  }
}

/** cap's names for the link types it knows, as LINKTYPE_* values (https://www.tcpdump.org/linktypes.html). */
const CAP_LINK_TYPES: { [name: string]: number } = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101, // DLT_RAW is 12 or 14 depending on the platform; files use LINKTYPE_RAW
  LINKTYPE_LINUX_SLL: 113,
  IEEE802_11_RADIO: 127,
};

/**
 * LINKTYPE_* for what cap.open() returned: one of its names, or "Unknown linktype N"
 * with N a DLT_* value, which equals the LINKTYPE_* value except for the few old
 * platform-dependent ones. -1 when the text is neither.
 */
export function linkTypeOf(capName: string): number {
  const known = CAP_LINK_TYPES[capName];
  if (known !== undefined) return known;
  const m = /^Unknown linktype (\d+)$/.exec(capName);
  if (m === null) return -1;
  const dlt = Number(m[1]);
  if (dlt === 12 || dlt === 14) return 101;
  if (dlt === 11) return 100;
  return dlt;
}

/** The interface's counters that the drop estimate and libpcap's ps_ifdrop are made from (Linux sysfs). */
export interface InterfaceCounters {
  rxPackets: number;
  txPackets: number;
  /** rx_missed_errors + rx_fifo_errors: exactly what libpcap on Linux reports as ps_ifdrop. */
  ifDrops: number;
}

function sysfsName(device: string): boolean {
  return device.length > 0 && device !== 'any' && !device.includes('/') && device !== '.' && device !== '..';
}

function readCounter(device: string, name: string): number {
  return Number(readFileSync(`/sys/class/net/${device}/statistics/${name}`, 'ascii').trim());
}

/** The interface's counters now, or null where there are none (the `any` device, not Linux). */
export function readInterfaceCounters(device: string): InterfaceCounters | null {
  if (!sysfsName(device)) return null;
  try {
    return {
      rxPackets: readCounter(device, 'rx_packets'),
      txPackets: readCounter(device, 'tx_packets'),
      ifDrops: readCounter(device, 'rx_missed_errors') + readCounter(device, 'rx_fifo_errors'),
    };
  } catch {
    return null;
  }
}

/** "up", "down", "lowerlayerdown", ... as the kernel says, or null (no such interface, or `any`). */
export function interfaceState(device: string): string | null {
  if (!sysfsName(device)) return null;
  try {
    return readFileSync(`/sys/class/net/${device}/operstate`, 'ascii').trim();
  } catch {
    return null;
  }
}

/** Whether the interface exists and is administratively up (IFF_UP); null when that cannot be known. */
function interfaceUp(device: string): boolean | null {
  if (!sysfsName(device)) return null;
  try {
    return (parseInt(readFileSync(`/sys/class/net/${device}/flags`, 'ascii'), 16) & 1) === 1;
  } catch {
    return existsSync(`/sys/class/net/${device}`) ? null : false;
  }
}

/** Turns libpcap's open() error into a kind and a message that says what to do. */
export function openFailure(device: string, filter: string, message: string): LiveCaptureError {
  if (/not permitted|permission|EPERM|EACCES/i.test(message)) {
    return new LiveCaptureError(
      'permission',
      `capturing on ${device} needs root or the CAP_NET_RAW capability (libpcap: ${message}). Run poolwatch as root, or give the node binary that capability ` +
        `(setcap cap_net_raw+ep "$(readlink -f "$(command -v node)")"), or in Docker run with --cap-add NET_RAW (see the README).`,
      device,
    );
  }
  if (/No such device/i.test(message)) return new LiveCaptureError('no-device', `there is no interface named ${device} (libpcap: ${message}); 'poolwatch interfaces' lists them`, device);
  if (/not up/i.test(message)) return new LiveCaptureError('down', `interface ${device} is down (libpcap: ${message}); bring it up first, e.g. ip link set ${device} up`, device);
  if (filter !== '' && /filter|syntax error|parse/i.test(message)) return new LiveCaptureError('filter', `the BPF filter "${filter}" is not valid: ${message}`, device);
  return new LiveCaptureError('other', `cannot capture on ${device}: ${message}`, device);
}

// ---------------------------------------------------------------------------
// The capture process.

/** What the parent tells a capture process (argv[2], JSON). */
export interface ChildConfig {
  device: string;
  filter: string;
  /** libpcap's kernel buffer (ring) in bytes. */
  bufferSize: number;
  /** Most bytes of a packet copied out. */
  snaplen: number;
  /** Most bytes of captured packets held for the analysis when it falls behind. */
  queueBytes: number;
}

/** Counters of one interface as its capture process sees them. */
export interface InterfaceStats {
  device: string;
  linkType: number;
  /** Packets libpcap delivered to poolwatch. */
  received: number;
  /** Packets longer than --snaplen, cut short. */
  truncated: number;
  /**
   * Packets the interface counted (received plus sent) since capture began that
   * libpcap did not deliver: an estimate of the kernel's capture drops, since
   * cap does not expose pcap_stats(). Null with a BPF filter (filtered packets
   * would count as drops) or without interface counters (`any`).
   */
  dropped: number | null;
  /** Drops the interface itself counted since capture began (libpcap's ps_ifdrop), or null. */
  ifDropped: number | null;
  /** Packets delivered by libpcap but dropped because the analysis was --queue-size behind (exact). */
  queueDropped: number;
  /** Bytes waiting for the analysis now, and the most there ever were. */
  queued: number;
  queuePeak: number;
  /** The interface's operational state ("up", "down", ...), or null. */
  state: string | null;
}

type ChildMessage =
  | { type: 'open'; device: string; linkType: number; linkName: string }
  | { type: 'error'; device: string; kind: LiveFailureKind; message: string }
  | { type: 'stats'; id: number; stats: InterfaceStats };

type ParentMessage = { type: 'sample'; id: number } | { type: 'stop' };

/** The capture stream's file descriptor in the capture process (0-2 stdio, 3 IPC). */
const DATA_FD = 4;
const BATCH_BYTES = 1024 * 1024;
const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
/** Longest a captured packet waits in the capture process before it is sent on. */
const FLUSH_MS = 1;
/** At stop, how long queued packets may take to reach the analysis before they are counted as dropped. */
export const STOP_DRAIN_MS = 6000;

/** Runs one interface's capture until told to stop, its parent goes, or libpcap fails. */
export function captureChild(cfg: ChildConfig): void {
  const send = (m: ChildMessage, then?: () => void): void => {
    if (process.send === undefined || !process.connected) {
      then?.();
      return;
    }
    process.send(m, undefined, {}, () => then?.());
  };
  const fail = (err: LiveCaptureError): void => send({ type: 'error', device: cfg.device, kind: err.kind, message: err.message }, () => process.exit(3));

  let capMod: CapModule;
  try {
    capMod = loadCap();
  } catch (e) {
    fail(e as LiveCaptureError);
    return;
  }
  const cap = new capMod.Cap();
  const packet = Buffer.alloc(cfg.snaplen);
  let linkName: string;
  try {
    linkName = cap.open(cfg.device, cfg.filter, cfg.bufferSize, packet);
  } catch (e) {
    fail(openFailure(cfg.device, cfg.filter, (e as Error).message));
    return;
  }
  const linkType = linkTypeOf(linkName);
  if (linkType < 0) {
    cap.close();
    fail(new LiveCaptureError('link-type', `cannot capture on ${cfg.device}: libpcap reported link type "${linkName}"`, cfg.device));
    return;
  }
  // Counted from here: packets the interface saw before the socket existed were never ours to drop.
  const base = readInterfaceCounters(cfg.device);

  // The stream to the parent is asynchronous: when the analysis falls behind, captured
  // packets wait here (compactly, unlike the ring's 64 KiB slots) up to --queue-size,
  // and the ring keeps being emptied; beyond that, whole batches are dropped and counted.
  const out = new Socket({ fd: DATA_FD, readable: false, writable: true });
  out.on('error', () => process.exit(0)); // the parent is gone
  let queued = 0;
  let queuedPackets = 0;
  let queuePeak = 0;
  let queueDropped = 0;

  const batch = Buffer.allocUnsafe(BATCH_BYTES);
  const dv = new DataView(batch.buffer, batch.byteOffset, batch.length);
  dv.setUint32(0, PCAP_MAGIC_NS, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, 0, true);
  dv.setUint32(16, cfg.snaplen, true);
  dv.setUint32(20, linkType, true);
  let pos = PCAP_HEADER;
  let batchPackets = 0;
  let received = 0;
  let truncated = 0;
  let scheduled = false;
  let stopping = false;
  const origin = performance.timeOrigin;

  const flush = (): void => {
    scheduled = false;
    if (pos === 0) return;
    const bytes = pos;
    const packets = batchPackets;
    pos = 0;
    batchPackets = 0;
    if (queued > 0 && queued + bytes > cfg.queueBytes) {
      queueDropped += packets;
      return;
    }
    queued += bytes;
    queuedPackets += packets;
    if (queued > queuePeak) queuePeak = queued;
    out.write(Buffer.from(batch.subarray(0, bytes)), () => {
      queued -= bytes;
      queuedPackets -= packets;
    });
  };
  // Packets go out in batches: a write and a read per packet would cost both processes more
  // than the analysis itself (measured: 2.3x the parent's CPU per packet at 30 kpps).
  let flushTimer: NodeJS.Timeout | null = null;
  const onPacket = (nbytes: number, trunc: boolean): void => {
    if (pos + RECORD_HEADER + nbytes > BATCH_BYTES) flush();
    const ms = origin + performance.now();
    const sec = Math.floor(ms / 1000);
    let nsec = Math.round((ms - sec * 1000) * 1e6);
    if (nsec > 999_999_999) nsec = 999_999_999;
    dv.setUint32(pos, sec, true);
    dv.setUint32(pos + 4, nsec, true);
    dv.setUint32(pos + 8, nbytes, true);
    dv.setUint32(pos + 12, nbytes, true);
    packet.copy(batch, pos + RECORD_HEADER, 0, nbytes);
    pos += RECORD_HEADER + nbytes;
    batchPackets++;
    received++;
    if (trunc) truncated++;
    if (!scheduled) {
      scheduled = true;
      // One re-armed timer, no allocation: the batch leaves at most FLUSH_MS after its first packet.
      if (flushTimer === null) flushTimer = setTimeout(flush, FLUSH_MS);
      else flushTimer.refresh();
    }
  };

  /**
   * Counters for the parent. The interface's counters are read first and the
   * delivered count a few milliseconds later, after a poll phase has emptied
   * the ring: by then every packet the interface had counted is either
   * delivered or dropped, so the difference never includes packets merely in
   * flight (which would raise false alarms under load). It is lowered instead
   * by packets that arrived in those milliseconds; drops only ever grow, so the
   * largest difference seen is the estimate. Calls `done` with the result.
   */
  let mostMissing = 0;
  const sampleStats = (done: (s: InterfaceStats) => void): void => {
    const counted = base === null ? null : readInterfaceCounters(cfg.device);
    setTimeout(
      () =>
        setImmediate(() => {
          let dropped: number | null = null;
          let ifDropped: number | null = null;
          if (base !== null && counted !== null) {
            ifDropped = counted.ifDrops - base.ifDrops;
            if (cfg.filter === '') {
              const missing = counted.rxPackets - base.rxPackets + (counted.txPackets - base.txPackets) - received;
              if (missing > mostMissing) mostMissing = missing;
              dropped = mostMissing;
            }
          }
          done({ device: cfg.device, linkType, received, truncated, dropped, ifDropped, queueDropped, queued, queuePeak, state: interfaceState(cfg.device) });
        }),
      5,
    );
  };

  /**
   * Stops after what the kernel already holds is delivered: a signal can arrive
   * with packets still in the ring, so wait until a 20 ms turn brings none
   * (at most half a second, for a link that never goes quiet).
   */
  function stop(): void {
    if (stopping) return;
    stopping = true;
    let seen = -1;
    let turns = 0;
    const settle = (): void => {
      if (received !== seen && turns++ < 25) {
        seen = received;
        setTimeout(settle, 20);
      } else finish();
    };
    settle();
  }

  /** Closes libpcap, lets the queue reach the analysis (bounded), reports, exits. */
  function finish(): void {
    sampleStats((counters) => {
      cap.close();
      flush();
      const deadline = Date.now() + STOP_DRAIN_MS;
      const drained = (): void => {
        if (queued > 0 && Date.now() < deadline) {
          setTimeout(drained, 10);
          return;
        }
        // Whatever the analysis could not take in time is lost, and said so.
        queueDropped += queuedPackets;
        const last: InterfaceStats = { ...counters, queueDropped, queued: 0 };
        const exit = (): void => process.exit(0);
        send({ type: 'stats', id: -1, stats: last }, () => {
          if (queued > 0) {
            out.destroy();
            exit();
          } else out.end(exit);
        });
        setTimeout(exit, 2000).unref();
      };
      drained();
    });
  }

  cap.on('packet', onPacket);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stop') stop();
    else if (m.type === 'sample') sampleStats((stats) => send({ type: 'stats', id: m.id, stats }));
  });
  send({ type: 'open', device: cfg.device, linkType, linkName });
  // The file header goes out at once, so the parent knows the link type before any packet.
  flush();
}

// ---------------------------------------------------------------------------
// The parent side.

export interface LiveCaptureOptions {
  interfaces: string[];
  /** BPF filter ('' for none). */
  filter: string;
  snaplen: number;
  /** libpcap's kernel buffer per interface, bytes. */
  bufferSize: number;
  /** Captured packets held per interface while the analysis is behind, bytes. */
  queueBytes: number;
  /** Node binary for the capture processes; a copy with CAP_NET_RAW lets an unprivileged user capture. */
  captureNode?: string;
}

/** The pcap stream of one capture process, parsed as it arrives (records may straddle reads). */
export class StreamFeed {
  private buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private end = 0;
  private base = 0;

  constructor(readonly parser: PcapParser) {}

  push(chunk: Buffer): void {
    if (this.parser.done) return;
    if (this.end === 0) {
      // Common case: parse straight from the chunk, keep only an unfinished record's bytes.
      const used = this.parser.parse(chunk, 0, chunk.length, this.base);
      this.base += used;
      const rest = chunk.length - used;
      if (rest > 0) {
        this.room(rest);
        chunk.copy(this.buf, 0, used);
        this.end = rest;
      }
      return;
    }
    this.room(this.end + chunk.length);
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
    const used = this.parser.parse(this.buf, 0, this.end, this.base);
    if (used > 0) {
      this.buf.copy(this.buf, 0, used, this.end);
      this.end -= used;
      this.base += used;
    }
  }

  /** Bytes received but not yet a whole record. */
  get pending(): number {
    return this.end;
  }

  private room(n: number): void {
    if (n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    this.buf.copy(bigger, 0, 0, this.end);
    this.buf = bigger;
  }
}

/** spawn failed: no such binary, or the kernel refused the file capabilities it carries. */
function spawnFailure(node: string, device: string, e: NodeJS.ErrnoException): LiveCaptureError {
  if (e.code === 'EPERM' || e.code === 'EACCES') {
    return new LiveCaptureError(
      'permission',
      `cannot start the capture process ${node} (${e.code}). It carries file capabilities (the container image's capture binary has cap_net_raw), ` +
        'and the kernel refuses to run it where they may not be held: give the container NET_RAW (docker run --cap-add NET_RAW ...).',
      device,
    );
  }
  return new LiveCaptureError('other', `cannot start the capture process ${node}: ${e.message}`, device);
}

interface Child {
  device: string;
  proc: ChildProcess;
  feed: StreamFeed;
  linkType: number;
  opened: boolean;
  closed: boolean;
  stderr: string;
  stats: InterfaceStats;
  closedPromise: Promise<void>;
}

/** The capture processes' own drain limit plus time to report and exit. */
const STOP_GRACE_MS = STOP_DRAIN_MS + 3000;

/**
 * Captures on every interface at once (one process each) into one FrameSink.
 * start() resolves once all are capturing; stop() ends them and returns once
 * every packet they captured has reached the sink. If one ends on its own
 * (interface down or gone, process killed), `onLost` is called with why.
 */
export class LiveCapture {
  private readonly children: Child[] = [];
  private stopping = false;
  private sampleId = 0;
  private readonly waiting = new Map<number, { left: number; resolve: () => void }>();
  onLost: (err: LiveCaptureError) => void = () => undefined;
  /** A line a capture process wrote to stderr (libpcap's own warnings), for logging. */
  onMessage: (device: string, text: string) => void = () => undefined;
  /** An internal fault in the parent's handling of a stream (a bug): capture cannot go on. */
  onFault: (err: Error) => void = () => undefined;

  constructor(
    private readonly sink: FrameSink,
    private readonly opts: LiveCaptureOptions,
    private readonly onWarning: (w: CaptureWarning) => void,
  ) {}

  /** Opens every interface; on any failure stops the others and throws a LiveCaptureError. */
  async start(): Promise<void> {
    const opened = this.opts.interfaces.map((d) => this.launch(d));
    const results = await Promise.allSettled(opened);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await this.stop();
      throw failed.reason;
    }
  }

  /** Interfaces and their link types, once started. */
  get opened(): { device: string; linkType: number }[] {
    return this.children.map((c) => ({ device: c.device, linkType: c.linkType }));
  }

  /** Fresh counters from every capture process (the last known for one that does not answer within 1 s). */
  async sample(): Promise<InterfaceStats[]> {
    const live = this.children.filter((c) => !c.closed && c.proc.connected);
    if (live.length > 0) {
      const id = ++this.sampleId;
      await new Promise<void>((resolve) => {
        this.waiting.set(id, { left: live.length, resolve });
        for (const c of live) c.proc.send({ type: 'sample', id } satisfies ParentMessage);
        setTimeout(resolve, 1000).unref();
      });
      this.waiting.delete(id);
    }
    return this.children.map((c) => ({ ...c.stats }));
  }

  /** Ends every capture process and waits until all they captured is in the sink. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.children) {
      if (c.closed) continue;
      try {
        c.proc.kill('SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await Promise.all(
      this.children.map(async (c) => {
        const timer = setTimeout(() => {
          if (!c.closed) c.proc.kill('SIGKILL');
        }, STOP_GRACE_MS);
        await c.closedPromise;
        clearTimeout(timer);
      }),
    );
  }

  private launch(device: string): Promise<void> {
    const cfg: ChildConfig = { device, filter: this.opts.filter, bufferSize: this.opts.bufferSize, snaplen: this.opts.snaplen, queueBytes: this.opts.queueBytes };
    const node = this.opts.captureNode ?? process.execPath;
    let proc: ChildProcess;
    try {
      // fd 4 carries the pcap stream (DATA_FD); stdout is not used.
      proc = spawn(node, [__filename, JSON.stringify(cfg)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'], serialization: 'json' });
    } catch (e) {
      return Promise.reject(spawnFailure(node, device, e as NodeJS.ErrnoException));
    }
    const parser = new PcapParser(device, this.sink, this.onWarning);
    const stats: InterfaceStats = { device, linkType: -1, received: 0, truncated: 0, dropped: null, ifDropped: null, queueDropped: 0, queued: 0, queuePeak: 0, state: null };
    let closed!: () => void;
    const child: Child = {
      device,
      proc,
      feed: new StreamFeed(parser),
      linkType: -1,
      opened: false,
      closed: false,
      stderr: '',
      stats,
      closedPromise: new Promise<void>((r) => (closed = r)),
    };
    this.children.push(child);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: LiveCaptureError | null): void => {
        if (settled) return;
        settled = true;
        if (err === null) resolve();
        else reject(err);
      };
      proc.on('error', (e: NodeJS.ErrnoException) => {
        settle(spawnFailure(node, device, e));
        if (child.proc.pid === undefined) {
          child.closed = true;
          closed();
        }
      });
      (proc.stdio[DATA_FD] as Readable).on('data', (chunk: Buffer) => {
        try {
          child.feed.push(chunk);
        } catch (e) {
          this.onFault(e as Error);
        }
      });
      proc.stderr!.setEncoding('utf8');
      proc.stderr!.on('data', (text: string) => {
        child.stderr = (child.stderr + text).slice(-4000);
        for (const line of text.split('\n')) if (line.trim() !== '') this.onMessage(device, line.trim());
      });
      proc.on('message', (m: ChildMessage) => {
        if (m.type === 'open') {
          child.opened = true;
          child.linkType = m.linkType;
          stats.linkType = m.linkType;
          settle(null);
        } else if (m.type === 'error') {
          settle(new LiveCaptureError(m.kind, m.message, device));
        } else if (m.type === 'stats') {
          Object.assign(stats, m.stats);
          const w = this.waiting.get(m.id);
          if (w !== undefined && --w.left === 0) w.resolve();
        }
      });
      proc.on('close', (code, signal) => {
        child.closed = true;
        if (!settled) settle(new LiveCaptureError('other', `the capture process for ${device} ended before capturing (${signal ?? `exit ${code}`}): ${child.stderr.trim().slice(-500)}`, device));
        else if (!this.stopping && child.opened) void this.lost(child, code, signal).then((err) => this.onLost(err));
        closed();
      });
    });
  }

  /** Why a capture process ended while it should have been capturing. */
  private async lost(child: Child, code: number | null, signal: NodeJS.Signals | null): Promise<LiveCaptureError> {
    const how = signal ?? `exit ${code}`;
    // The kernel reports the error before the interface's sysfs entry goes: look twice.
    for (let i = 0; i < 5; i++) {
      const up = interfaceUp(child.device);
      if (up === false) {
        const gone = !existsSync(`/sys/class/net/${child.device}`);
        return new LiveCaptureError('lost', `interface ${child.device} ${gone ? 'disappeared' : 'went down'} while capturing (capture process ended: ${how})`, child.device);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const tail = child.stderr.trim().split('\n').slice(-3).join(' | ');
    return new LiveCaptureError('lost', `capture on ${child.device} ended unexpectedly (${how})${tail ? `: ${tail}` : ''}`, child.device);
  }
}

if (require.main === module) captureChild(JSON.parse(process.argv[2] ?? '{}') as ChildConfig);
