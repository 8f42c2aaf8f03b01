/**
 * The capture process of the cap fallback (cap.ts starts one per interface): libpcap
 * through the `cap` binding, every packet copied into a nanosecond pcap stream on
 * fd 4, counters and errors over the IPC channel.
 */
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PCAP_MAGIC_NS } from '../pcap';
import { linkTypeOf, loadCap, type CapModule } from './cap-binding';
import type { InterfaceStats } from './stats';
import { LiveCaptureError, openFailure, type LiveFailureKind } from './errors';
import { interfaceState, readInterfaceCounters } from './sysfs';

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

export type ChildMessage =
  | { type: 'open'; device: string; linkType: number; linkName: string }
  | { type: 'error'; device: string; kind: LiveFailureKind; message: string }
  | { type: 'stats'; id: number; stats: InterfaceStats };

export type ParentMessage = { type: 'sample'; id: number } | { type: 'stop' };

/** The capture stream's file descriptor in the capture process (0-2 stdio, 3 IPC). */
export const DATA_FD = 4;
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
  // Counted from here: drops the interface made before capture began are not this capture's.
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
  // than the analysis itself.
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

  /** Counters for the parent, after a poll phase has delivered what the ring held; calls `done` with them. */
  const sampleStats = (done: (s: InterfaceStats) => void): void => {
    setTimeout(
      () =>
        setImmediate(() => {
          const counted = base === null ? null : readInterfaceCounters(cfg.device);
          const ifDropped = base !== null && counted !== null ? counted.ifDrops - base.ifDrops : null;
          done({ device: cfg.device, linkType, received, truncated, dropped: null, freezes: null, ifDropped, queueDropped, queued, queuePeak, state: interfaceState(cfg.device) });
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

if (require.main === module) captureChild(JSON.parse(process.argv[2] ?? '{}') as ChildConfig);
