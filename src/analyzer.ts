import { frameTimeMs, type CaptureWarning, type Frame, type FrameSink } from './capture/frame';
import { DecodeStats, decodeFrame } from './decode/decode';
import { DEFAULT_MAX_LINE_BYTES, DetectionEngine, type DnsLookup } from './detect/engine';
import type { Evidence } from './detect/evidence';
import type { FlowInspector } from './detect/inspector';
import type { Signatures } from './detect/signatures';
import { Defragmenter } from './flow/defrag';
import { BENIGN, MINING, type Flow } from './flow/flow';
import { RuledOut } from './flow/ruled-out';
import { FlowTable } from './flow/table';
import { DNS_DATAGRAM, FRAGMENT, FrameVerdict, KIND_MASK, RULED_OUT, SYN_FLAG, TCP_SEGMENT, frameVerdict, otherShard, packetVerdict } from './flow/verdict';
import { Aggregator } from './report/aggregate';
import type { Finding } from './report/finding';

export interface AnalyzerOptions {
  maxFlows: number;
  idleTimeoutMs: number;
  inspectBytes: number;
  /** Longest JSON line or HTTP head read whole while it is open (src/detect/engine.ts DEFAULT_MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /**
   * Worker-thread sharding: this analyzer owns the flows whose endpoint hash
   * is `shard` modulo `shards` and skips the rest (but still learns DNS ties
   * from every answer, since a tie can serve a flow another thread owns).
   */
  shard?: number;
  shards?: number;
  /** Called each time a finding is made or grows (live alerting). */
  onFinding?: (finding: Finding) => void;
}

/** Warnings kept for the summary; past this they are only counted. */
const MAX_WARNINGS = 100;

/** A flow with detection's state in its slots. */
type DetectedFlow = Flow<FlowInspector, Evidence>;

export const DEFAULT_ANALYZER_OPTIONS: Omit<AnalyzerOptions, 'onFinding'> = {
  maxFlows: 262144,
  idleTimeoutMs: 10 * 60 * 1000,
  inspectBytes: 8192,
  maxLineBytes: DEFAULT_MAX_LINE_BYTES,
};

/** Summary lines for warnings about the traffic (file, offset, message), and how many were left out. */
export function warningLines(warnings: CaptureWarning[], omitted: number): string[] {
  const lines = warnings.map((w) => `${w.file}: offset ${w.offset}: ${w.message}`);
  if (omitted > 0) lines.push(`${omitted} more warnings about the traffic left out`);
  return lines;
}

/**
 * The one pipeline behind `scan` and `live`: frames in, decoded in place,
 * put into flows, inspected while undecided, findings out. Everything on the
 * per-packet path reuses one Packet and touches only numbers until a flow
 * needs inspecting.
 */
export class Analyzer implements FrameSink {
  readonly decodeStats = new DecodeStats();
  readonly report = new Aggregator();
  packets = 0;
  bytes = 0;
  flowsSeen = 0;
  private readonly verdict = new FrameVerdict();
  private readonly ruledOut = new RuledOut();
  private readonly table: FlowTable<FlowInspector, Evidence>;
  private readonly engine: DetectionEngine;
  private readonly shard: number;
  private readonly shards: number;
  /** Made at the first fragment: most captures have none. */
  private defrag: Defragmenter | null = null;
  /** What the summary should say about the traffic itself (fragment overlaps with different bytes), oldest first. */
  readonly warnings: CaptureWarning[] = [];
  warningsOmitted = 0;

  constructor(sigs: Signatures, private readonly opts: AnalyzerOptions) {
    this.shard = opts.shard ?? 0;
    this.shards = opts.shards ?? 1;
    this.table = new FlowTable<FlowInspector, Evidence>({
      maxFlows: opts.maxFlows,
      idleTimeoutMs: opts.idleTimeoutMs,
      onEnd: (flow) => this.flowEnded(flow),
    });
    this.engine = new DetectionEngine(sigs, { inspectBytes: opts.inspectBytes, maxLineBytes: opts.maxLineBytes }, {
      flagged: (flow) => this.flagged(flow),
      lookup: (l: DnsLookup, hash: number) => {
        if (this.owns(hash)) this.report.lookup(l);
      },
    });
  }

  frame(frame: Frame): void {
    this.packets++;
    this.bytes += frame.origLength;
    // Most segments belong to flows already ruled out: their key, read from the bytes, is all they need.
    const kind = frameVerdict(frame, this.verdict, this.decodeStats, this.ruledOut);
    if (kind !== RULED_OUT) this.inspect(frame, kind);
  }

  /**
   * A frame that may change state. Kept out of `frame` so the per-packet
   * path stays small for the compiler: a rare branch seen for the first time
   * here makes V8 rebuild this function, not the loop every frame goes through.
   */
  private inspect(frame: Frame, kind: number): void {
    const v = this.verdict;
    // A keyed segment was counted decoded by the verdict; the flow needs its packet filled.
    if (v.keyed) decodeFrame(frame, v.pkt);
    if (kind === FRAGMENT) this.reassemble(frame);
    else this.packet(frame, kind);
  }

  /**
   * A fragment: held until its datagram is whole, which then takes the same
   * decoder and the same path as any packet. Every shard of `--workers`
   * reassembles every fragment (triage cannot know the ports of a later
   * fragment), and keeps the datagram only if it owns its flow.
   */
  private reassemble(frame: Frame): void {
    const p = this.verdict.pkt;
    if (this.defrag === null) this.defrag = new Defragmenter(this.decodeStats, (w) => this.warn(w));
    if (!this.defrag.add(frame, p, frameTimeMs(frame))) return;
    const whole = this.defrag.out;
    // Fragments inside a reassembled tunnel packet are not put together a second time.
    if (!decodeFrame(whole, p) || p.fragment) return;
    const kind = packetVerdict(this.verdict, this.ruledOut);
    if (kind !== RULED_OUT) this.packet(whole, kind);
  }

  /** A whole IP packet: a DNS datagram, or a TCP segment of a flow. */
  private packet(frame: Frame, kind: number): void {
    const p = this.verdict.pkt;
    if (kind === DNS_DATAGRAM) {
      // No mining protocol runs over UDP; DNS messages are read one by one, with no flow kept.
      // Every shard reads them, so that answers tie addresses for flows any shard owns.
      this.engine.dnsDatagram(p, frameTimeMs(frame));
      return;
    }
    if ((kind & KIND_MASK) !== TCP_SEGMENT) return;
    const hash = this.verdict.hash;
    // Only the DNS flow's owner reports its lookups.
    if (otherShard(kind, hash, this.shard, this.shards)) return;
    const now = frameTimeMs(frame);
    const table = this.table;
    table.now = now;
    const flow = table.lookup(p, hash);
    if (table.created) {
      if ((kind & SYN_FLAG) !== 0) this.ruledOut.forget(p, hash);
      if (this.owns(hash)) this.flowsSeen++;
      flow.firstMs = now;
      this.engine.flowStarted(flow, now);
    }
    const dir = table.direction;
    if (dir === 0) {
      flow.packets0++;
      flow.bytes0 += p.ipLength;
    } else {
      flow.packets1++;
      flow.bytes1 += p.ipLength;
    }
    if (now > flow.lastMs) flow.lastMs = now;
    if (flow.state > MINING) return;
    this.engine.tcp(flow, dir as 0 | 1, p, now);
    // Node peer flows keep their evidence (and their counts) for the --nodes list.
    if (flow.state === BENIGN && flow.evidence === null) this.ruledOut.add(p, hash);
  }

  /**
   * True when `frame` would return at once for a TCP segment of this flow
   * (hash and `endpointCheck`) without SYN: it was ruled out. Lets a thread
   * that was handed those words skip decoding such frames (src/shard).
   */
  isRuledOut(hash: number, check: number): boolean {
    return this.ruledOut.hasKey(hash, check);
  }

  /** The wall clock for a live capture with no packets arriving: idle flows still end. */
  tick(nowMs: number): void {
    this.table.expire(nowMs);
    if (this.defrag !== null) this.defrag.expire(nowMs);
  }

  /** The warnings as summary lines: file, offset, message. */
  warningLines(): string[] {
    return warningLines(this.warnings, this.warningsOmitted);
  }

  /** End of input: every flow still open is ended and counted in. */
  finish(): Finding[] {
    this.table.endAll();
    return this.report.findings();
  }

  get flowCount(): number {
    return this.table.size;
  }

  private warn(w: CaptureWarning): void {
    // Every shard reassembles every fragment, so shard 0 alone speaks for them all.
    if (this.shard !== 0) return;
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(w);
    else this.warningsOmitted++;
  }

  private owns(hash: number): boolean {
    return this.shards === 1 || hash % this.shards === this.shard;
  }

  private flagged(flow: DetectedFlow): void {
    this.report.flagged(flow);
    // A finding is built per call only for live alerts: a scan reports at the end.
    if (this.opts.onFinding !== undefined) this.opts.onFinding(this.report.findingOf(flow));
  }

  private flowEnded(flow: DetectedFlow): void {
    this.engine.flowEnded(flow);
    this.report.ended(flow);
  }
}
