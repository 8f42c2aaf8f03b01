/**
 * The fallback live capture, through libpcap with the `cap` binding (an optional
 * dependency): used where the AF_PACKET addon (src/capture/afpacket) is not built or
 * the OS is not Linux, or with POOLWATCH_LIVE_ENGINE=cap.
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
 * - no pcap_stats(): `received` is counted here; `dropped` is unknown (null): an
 *   estimate from the interface's packet counters raised false alarms (on `lo` every
 *   packet counts twice there), so there is none; `ifDropped` is what libpcap itself
 *   reports on Linux (rx_missed_errors + rx_fifo_errors);
 * - snap length fixed at 65535 inside libpcap: --snaplen limits the bytes copied
 *   out of the ring, not the ring's slot size;
 * - promiscuous mode always on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { CaptureWarning, FrameSink } from '../frame';
import { PcapParser } from '../pcap';
import { DATA_FD, STOP_DRAIN_MS, type ChildConfig, type ChildMessage, type ParentMessage } from './cap-child';
import type { InterfaceStats } from './stats';
import { LiveCaptureError } from './errors';
import { interfaceUp } from './sysfs';

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
      proc = spawn(node, [join(__dirname, 'cap-child.js'), JSON.stringify(cfg)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'], serialization: 'json' });
    } catch (e) {
      return Promise.reject(spawnFailure(node, device, e as NodeJS.ErrnoException));
    }
    const parser = new PcapParser(device, this.sink, this.onWarning);
    const stats: InterfaceStats = { device, linkType: -1, received: 0, truncated: 0, dropped: null, freezes: null, ifDropped: null, queueDropped: 0, queued: 0, queuePeak: 0, state: null };
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
