/**
 * The decoding side of `scan --workers`: decodes every frame once and hands
 * an analysis thread only the frames that need a flow. Frames of flows the
 * thread has ruled out stop here, which is most of a busy link's traffic.
 *
 * The ruled-out table is the analysis thread's own, read here from shared
 * memory. A stale read must never drop a frame the thread would analyze. An
 * entry changes only when the thread handles a frame that maps to it: a SYN
 * (which may forget it) or a frame of another flow (which may replace it);
 * frames of the ruled-out flow itself leave it be. So the entry for this
 * frame's flow is trusted once the thread has finished every frame sent to
 * that entry except a trailing run of that same flow's non-SYN frames. Then
 * the entry is exactly what the thread will see when this frame arrives, and
 * the results are those of one thread. Otherwise the frame is sent and the
 * thread decides (it checks its table again).
 */
import type { CaptureWarning, Frame, FrameSink } from '../capture/frame';
import { DecodeStats, decodeFrame } from '../decode/decode';
import { Packet, SYN, TCP, UDP } from '../decode/packet';
import { dnsMayNamePool, poolSuffixHashes } from '../detect/engine';
import type { Signatures } from '../detect/signatures';
import { RuledOut } from '../flow/ruled-out';
import { endpointCheck, endpointHash } from '../flow/table';
import { FrameWriter, frameLimit, type FrameRingBuffers } from './frame-ring';

const DNS_PORT = 53;
const LAST_SENT = 0;
const LAST_RUN_HASH = 1;
const LAST_RUN_CHECK = 2;
const BEFORE_RUN = 3;

/** One analysis thread as the decoding thread sees it. */
export interface Lane {
  ring: FrameRingBuffers;
  ruledOutKeys: Int32Array;
}

class LaneWriter {
  readonly writer: FrameWriter;
  readonly frameLimit: number;
  readonly ruledOut: RuledOut;
  /**
   * Four words per table entry (one cache line holds four entries): the
   * sequence number of the last frame sent that maps to it, the flow (hash,
   * check word) of the trailing run of non-SYN frames sent for it, and the
   * sequence number of the last frame sent before that run.
   */
  readonly sent: Int32Array;

  constructor(lane: Lane) {
    const entries = lane.ruledOutKeys.length >>> 1;
    this.writer = new FrameWriter(lane.ring);
    this.frameLimit = frameLimit(lane.ring);
    this.ruledOut = new RuledOut(lane.ruledOutKeys);
    this.sent = new Int32Array(entries * 4);
  }
}

export class Triage implements FrameSink {
  packets = 0;
  bytes = 0;
  /** Frames handed to analysis threads (a DNS frame counts once per thread). */
  sent = 0;
  readonly decodeStats = new DecodeStats();
  private readonly pkt = new Packet();
  private readonly lanes: LaneWriter[];
  private readonly poolSuffixes: Set<number>;

  constructor(
    lanes: Lane[],
    sigs: Signatures,
    private readonly onWarning: (w: CaptureWarning) => void,
  ) {
    this.lanes = lanes.map((l) => new LaneWriter(l));
    this.poolSuffixes = poolSuffixHashes(sigs);
  }

  frame(frame: Frame): void {
    this.packets++;
    this.bytes += frame.origLength;
    const p = this.pkt;
    // What Analyzer.frame drops before touching any state stops here.
    if (!decodeFrame(frame, p, this.decodeStats) || p.laterFragment) return;
    const lanes = this.lanes;
    const dns = p.srcPort === DNS_PORT || p.dstPort === DNS_PORT;
    if (p.protocol === UDP) {
      // Read without a flow (Analyzer.frame): only a DNS message that may name a pool matters, to every shard.
      if (dns && dnsMayNamePool(p, this.poolSuffixes)) for (let i = 0; i < lanes.length; i++) this.send(lanes[i], frame);
      return;
    }
    if (p.protocol !== TCP) return;
    const hash = endpointHash(p);
    if (lanes.length === 1) this.offer(lanes[0], frame, p, hash);
    // Every shard follows DNS, so that answers tie addresses for flows any shard owns.
    else if (dns) for (let i = 0; i < lanes.length; i++) this.offer(lanes[i], frame, p, hash);
    else this.offer(lanes[hash % lanes.length], frame, p, hash);
  }

  /** No more input: the analysis threads finish what they hold. */
  close(): void {
    for (const lane of this.lanes) lane.writer.close();
  }

  private offer(lane: LaneWriter, frame: Frame, p: Packet, hash: number): void {
    const i = lane.ruledOut.slot(hash) << 2;
    const sent = lane.sent;
    const syn = (p.tcpFlags & SYN) !== 0;
    const check = endpointCheck(p);
    if (!syn && lane.ruledOut.hasKey(hash, check)) {
      const ownRun = sent[i + LAST_RUN_HASH] === hash && sent[i + LAST_RUN_CHECK] === check;
      if (((lane.writer.finished() - sent[i + (ownRun ? BEFORE_RUN : LAST_SENT)]) | 0) >= 0) return;
    }
    const seq = this.send(lane, frame);
    if (syn) sent[i + BEFORE_RUN] = seq;
    else if (sent[i + LAST_RUN_HASH] !== hash || sent[i + LAST_RUN_CHECK] !== check) sent[i + BEFORE_RUN] = sent[i + LAST_SENT];
    sent[i + LAST_RUN_HASH] = hash;
    sent[i + LAST_RUN_CHECK] = check;
    sent[i + LAST_SENT] = seq;
  }

  private send(lane: LaneWriter, frame: Frame): number {
    if (frame.capLength > lane.frameLimit) this.truncate(frame, lane.frameLimit);
    this.sent++;
    return lane.writer.put(frame);
  }

  /** Only crafted pcapng holds frames this large; the hand-over ring takes their first part. */
  private truncate(frame: Frame, limit: number): void {
    this.onWarning({ file: frame.source, offset: frame.fileOffset, message: `frame of ${frame.capLength} bytes analyzed as its first ${limit} (--workers hands frames over in a ring)` });
    frame.capLength = limit;
  }
}
