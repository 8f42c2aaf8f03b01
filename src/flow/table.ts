import { ACK, FIN, RST, SYN, TCP, type Packet } from '../decode/packet';
import { Flow } from './flow';

export interface FlowTableOptions {
  /** Most flows held at once; the least recently seen is ended to make room. */
  maxFlows: number;
  /** A flow with no packet for this long (capture time) is ended. */
  idleTimeoutMs: number;
  /** Called once for every flow that ends (evicted, timed out, replaced, or at the end of input). */
  onEnd: (flow: Flow) => void;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

function sideHash(v: number, w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = mix(0x2545f491, w0);
  if (v === 6) h = mix(mix(mix(h, w1), w2), w3);
  return mix(h, port);
}

/**
 * Symmetric hash of a packet's endpoints: both directions of a conversation
 * get the same value, which keys the flow table and shards flows to workers.
 */
export function endpointHash(p: Packet): number {
  const s = sideHash(p.ipVersion, p.src0, p.src1, p.src2, p.src3, p.srcPort);
  const d = sideHash(p.ipVersion, p.dst0, p.dst1, p.dst2, p.dst3, p.dstPort);
  // Addition commutes, so the hash is the same whichever side sent the packet; the
  // final mix keeps the result a small integer (no heap number per packet).
  return mix((s + d) | 0, p.protocol) & 0x3fffffff;
}

function matches(f: Flow, p: Packet): number {
  if (f.protocol !== p.protocol || f.ipVersion !== p.ipVersion) return -1;
  const v6 = p.ipVersion === 6;
  if (
    f.aPort === p.srcPort && f.bPort === p.dstPort && f.a0 === p.src0 && f.b0 === p.dst0 &&
    (!v6 || (f.a1 === p.src1 && f.a2 === p.src2 && f.a3 === p.src3 && f.b1 === p.dst1 && f.b2 === p.dst2 && f.b3 === p.dst3))
  ) return 0;
  if (
    f.aPort === p.dstPort && f.bPort === p.srcPort && f.a0 === p.dst0 && f.b0 === p.src0 &&
    (!v6 || (f.a1 === p.dst1 && f.a2 === p.dst2 && f.a3 === p.dst3 && f.b1 === p.src1 && f.b2 === p.src2 && f.b3 === p.src3))
  ) return 1;
  return -1;
}

/**
 * Which side opened the conversation, from the first packet seen: the SYN
 * sender; the receiver of a SYN-ACK; otherwise the side on the higher port,
 * since servers listen on the lower, fixed one and clients take ephemeral ports.
 */
function senderOpened(p: Packet): boolean {
  if (p.protocol === TCP) {
    if ((p.tcpFlags & (SYN | ACK)) === SYN) return true;
    if ((p.tcpFlags & (SYN | ACK)) === (SYN | ACK)) return false;
  }
  return p.srcPort >= p.dstPort;
}

/**
 * Bidirectional flows keyed on the 5-tuple, bounded in count and idle time.
 * Time is the capture's clock, not the wall clock, so replaying an old
 * capture ages flows exactly as the network did.
 *
 * This is a purpose-built table rather than lru-cache (still used for the
 * DNS tie cache, where it fits): a lookup is on every packet, and lru-cache's
 * get with a TTL measured 300-500 ns against about 50 ns for a Map probe
 * (bench/flow-table.ts). Here a lookup is a chained probe in typed arrays plus
 * four integer writes to move the flow to the front of an intrusive LRU list;
 * ended flows are recycled in place, so a full table allocates nothing.
 */
export class FlowTable {
  /** Capture time of the packet being handled, ms. */
  now = 0;
  /** Direction of the last packet looked up: 0 from side A, 1 from side B. */
  direction = 0;
  /** The last lookup made a new flow. */
  created = false;
  private readonly onEnd: (flow: Flow) => void;
  private readonly capacity: number;
  private readonly idleMs: number;
  private readonly mask: number;
  /** Per hash bucket: slot + 1 of the first flow in it, 0 for none. */
  private readonly bucketHead: Int32Array;
  /** Per slot: slot + 1 of the next flow in the same bucket. */
  private chainNext: Int32Array;
  /** Per slot: the LRU neighbours (slot + 1; 0 at the ends). Front is most recent. */
  private lruPrev: Int32Array;
  private lruNext: Int32Array;
  private readonly flows: Flow[] = [];
  private lruFront = 0;
  private lruBack = 0;
  private count = 0;
  private free: number[] = [];

  constructor(opts: FlowTableOptions) {
    this.onEnd = opts.onEnd;
    this.capacity = Math.max(1, Math.floor(opts.maxFlows));
    this.idleMs = opts.idleTimeoutMs;
    let buckets = 16;
    while (buckets < this.capacity * 2 && buckets < 1 << 26) buckets <<= 1;
    this.mask = buckets - 1;
    this.bucketHead = new Int32Array(buckets);
    // Per-slot arrays grow with use, so a small capture does not pay for a large --max-flows.
    const initial = Math.min(this.capacity, 4096);
    this.chainNext = new Int32Array(initial);
    this.lruPrev = new Int32Array(initial);
    this.lruNext = new Int32Array(initial);
  }

  get size(): number {
    return this.count;
  }

  /** The flow this packet belongs to, made if new; sets `direction` and `created`. */
  lookup(p: Packet, hash: number): Flow {
    this.created = false;
    const bucket = hash & this.mask;
    for (let s = this.bucketHead[bucket]; s !== 0; s = this.chainNext[s - 1]) {
      const f = this.flows[s - 1];
      if (f.hash !== hash) continue;
      const dir = matches(f, p);
      if (dir < 0) continue;
      if ((f.closed && (p.tcpFlags & (SYN | ACK)) === SYN) || f.lastMs + this.idleMs < this.now) {
        // The same ports reused for a new connection, or the old one went idle: end it first.
        this.onEnd(f);
        this.reset(f, p, hash);
        this.touch(s - 1);
        this.direction = senderOpened(p) ? 0 : 1;
        this.created = true;
        return f;
      }
      this.direction = dir;
      if (p.protocol === TCP && (p.tcpFlags & (FIN | RST)) !== 0) f.closed = true;
      this.touch(s - 1);
      return f;
    }
    this.expireIdle();
    const slot = this.take();
    let f = this.flows[slot];
    if (f === undefined) {
      f = new Flow();
      this.flows[slot] = f;
    }
    this.reset(f, p, hash);
    this.chainNext[slot] = this.bucketHead[bucket];
    this.bucketHead[bucket] = slot + 1;
    this.linkFront(slot);
    this.count++;
    this.direction = senderOpened(p) ? 0 : 1;
    this.created = true;
    return f;
  }

  /** Ends every flow still held (end of input), least recently seen first. */
  endAll(): void {
    while (this.lruBack !== 0) this.evict(this.lruBack - 1);
  }

  /** Ends flows idle longer than the timeout, from the least recently seen end. */
  private expireIdle(): void {
    while (this.lruBack !== 0) {
      const f = this.flows[this.lruBack - 1];
      if (f.lastMs + this.idleMs >= this.now) return;
      this.evict(this.lruBack - 1);
    }
  }

  /** A free slot: a recycled one, a new one, or the least recently seen flow's, ended first. */
  private take(): number {
    if (this.free.length > 0) return this.free.pop()!;
    if (this.flows.length < this.capacity) {
      const slot = this.flows.length;
      if (slot >= this.chainNext.length) this.grow();
      return slot;
    }
    const slot = this.lruBack - 1;
    this.evict(slot);
    return this.free.pop()!;
  }

  private grow(): void {
    const n = Math.min(this.capacity, this.chainNext.length * 2);
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.chainNext = widen(this.chainNext);
    this.lruPrev = widen(this.lruPrev);
    this.lruNext = widen(this.lruNext);
  }

  private evict(slot: number): void {
    const f = this.flows[slot];
    const bucket = f.hash & this.mask;
    let prev = 0;
    for (let s = this.bucketHead[bucket]; s !== 0; s = this.chainNext[s - 1]) {
      if (s - 1 === slot) {
        if (prev === 0) this.bucketHead[bucket] = this.chainNext[slot];
        else this.chainNext[prev - 1] = this.chainNext[slot];
        break;
      }
      prev = s;
    }
    this.unlink(slot);
    this.count--;
    this.free.push(slot);
    this.onEnd(f);
  }

  private touch(slot: number): void {
    if (this.lruFront === slot + 1) return;
    this.unlink(slot);
    this.linkFront(slot);
  }

  private linkFront(slot: number): void {
    this.lruPrev[slot] = 0;
    this.lruNext[slot] = this.lruFront;
    if (this.lruFront !== 0) this.lruPrev[this.lruFront - 1] = slot + 1;
    this.lruFront = slot + 1;
    if (this.lruBack === 0) this.lruBack = slot + 1;
  }

  private unlink(slot: number): void {
    const prev = this.lruPrev[slot];
    const next = this.lruNext[slot];
    if (prev !== 0) this.lruNext[prev - 1] = next;
    else this.lruFront = next;
    if (next !== 0) this.lruPrev[next - 1] = prev;
    else this.lruBack = prev;
  }

  private reset(f: Flow, p: Packet, hash: number): void {
    const opener = senderOpened(p);
    f.ipVersion = p.ipVersion;
    f.protocol = p.protocol;
    f.hash = hash;
    if (opener) {
      f.a0 = p.src0; f.a1 = p.src1; f.a2 = p.src2; f.a3 = p.src3; f.aPort = p.srcPort;
      f.b0 = p.dst0; f.b1 = p.dst1; f.b2 = p.dst2; f.b3 = p.dst3; f.bPort = p.dstPort;
    } else {
      f.a0 = p.dst0; f.a1 = p.dst1; f.a2 = p.dst2; f.a3 = p.dst3; f.aPort = p.dstPort;
      f.b0 = p.src0; f.b1 = p.src1; f.b2 = p.src2; f.b3 = p.src3; f.bPort = p.srcPort;
    }
    f.packets0 = f.packets1 = f.bytes0 = f.bytes1 = 0;
    f.firstMs = f.lastMs = this.now;
    f.state = 0;
    f.sawSyn = p.protocol === TCP && (p.tcpFlags & SYN) !== 0;
    f.closed = false;
    f.isn0 = f.isn1 = -1;
    f.inspector = null;
    f.evidence = null;
  }
}
