import { ACK, FIN, RST, SYN, TCP, type Packet } from '../decode/packet';
import { Flow } from './flow';

// The flow key is worked out by decode/ (from a Packet, or from a frame's bytes); re-exported for the flow's users.
export { endpointCheck, endpointHash, pairCheck, pairHash, sideHash } from '../decode/endpoint-hash';

export interface FlowTableOptions<I = unknown, E = unknown> {
  /** Most flows held at once; the least recently seen is ended to make room. */
  maxFlows: number;
  /** A flow with no packet for this long (capture time) is ended. */
  idleTimeoutMs: number;
  /** Called once for every flow that ends (evicted, timed out, replaced, or at the end of input). */
  onEnd: (flow: Flow<I, E>) => void;
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

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Flows examined to choose one to end when the table is full. */
const EVICTION_SAMPLE = 8;

/**
 * Bidirectional flows keyed on the 5-tuple, bounded in count and idle time.
 * Time is the capture's clock, not the wall clock, so replaying an old
 * capture ages flows exactly as the network did.
 *
 * This is a purpose-built table rather than lru-cache (still used for the
 * DNS tie cache, where it fits): a lookup happens for every packet, and
 * lru-cache's get with a TTL cost more than the rest of the per-packet path
 * (bench/flow-table.ts). Here a lookup is a chained probe whose keys sit in a
 * typed array, so only the matching flow's object is touched, and nothing is
 * written on a hit. Recency is not tracked per packet: idle flows are swept
 * out as capture time passes, and when the table is full the stalest of a
 * few sampled flows is ended (approximate LRU, as Redis does), sparing flows
 * that carry evidence so a flood cannot push a mining session out.
 * Ended flows are recycled in place, so a full table allocates nothing.
 * `I` and `E` are detection's per-flow state (Flow's type parameters, with
 * its defaults until they become `unknown`).
 */
export class FlowTable<I = unknown, E = unknown> {
  /** Capture time of the packet being handled, ms. */
  now = 0;
  /** Direction of the last packet looked up: 0 from side A, 1 from side B. */
  direction = 0;
  /** The last lookup made a new flow. */
  created = false;
  private readonly onEnd: (flow: Flow<I, E>) => void;
  private readonly capacity: number;
  private readonly idleMs: number;
  private mask: number;
  /** Buckets stop doubling here: two per flow the table may hold. */
  private readonly maxBuckets: number;
  /**
   * Per hash bucket, two words: slot + 1 of the first flow in it (0 for none)
   * and that flow's hash, so the usual lookup (a chain of one) reads its
   * candidate's hash from the same cache line as the bucket.
   */
  private bucketHead: Int32Array;
  /** Per slot: slot + 1 of the next flow in the same bucket, and the flow's hash. */
  private chainNext: Int32Array;
  private slotHash: Int32Array;
  private readonly flows: Flow<I, E>[] = [];
  /** Slots in use, 0 or 1 (a free slot keeps its Flow object for reuse). */
  private used: Uint8Array;
  private count = 0;
  private free: number[] = [];
  private hand = 0;
  /** Step between sampled slots, coprime with the capacity so every slot is visited. */
  private readonly stride: number;
  private nextSweepMs = -Infinity;

  constructor(opts: FlowTableOptions<I, E>) {
    this.onEnd = opts.onEnd;
    this.capacity = Math.max(1, Math.floor(opts.maxFlows));
    this.idleMs = opts.idleTimeoutMs;
    let stride = Math.max(1, Math.floor(this.capacity * 0.618));
    while (gcd(stride, this.capacity) !== 1) stride++;
    this.stride = stride;
    let buckets = 16;
    while (buckets < this.capacity * 2 && buckets < 1 << 26) buckets <<= 1;
    this.maxBuckets = buckets;
    // The buckets grow with the flows held: a probe into a table sized for --max-flows would
    // miss the cache on nearly every packet when only a few thousand flows are live. They start
    // small enough that the first doubling comes within a capture's first few hundred flows,
    // before V8 optimizes `lookup`: a first doubling after it threw that code away.
    buckets = Math.min(buckets, 256);
    this.mask = buckets - 1;
    this.bucketHead = new Int32Array(buckets * 2);
    // Per-slot arrays grow with use, so a small capture does not pay for a large --max-flows.
    const initial = Math.min(this.capacity, 4096);
    this.chainNext = new Int32Array(initial);
    this.slotHash = new Int32Array(initial);
    this.used = new Uint8Array(initial);
  }

  get size(): number {
    return this.count;
  }

  /** The flow this packet belongs to, made if new; sets `direction` and `created`. */
  lookup(p: Packet, hash: number): Flow<I, E> {
    this.created = false;
    const bucket = hash & this.mask;
    const slotHash = this.slotHash;
    const chainNext = this.chainNext;
    const head = this.bucketHead[bucket << 1];
    for (let s = head; s !== 0; s = chainNext[s - 1]) {
      if ((s === head ? this.bucketHead[(bucket << 1) + 1] : slotHash[s - 1]) !== hash) continue;
      const f = this.flows[s - 1];
      const dir = matches(f, p);
      if (dir < 0) continue;
      const newSyn = (p.tcpFlags & (SYN | ACK)) === SYN && (f.closed || (f.isn0 !== -1 && dir === 0 && p.seq !== f.isn0));
      if (newSyn || f.lastMs + this.idleMs < this.now) {
        // The same ports reused for a new connection (a SYN after the old one closed, or with
        // another initial sequence number), or the old one went idle: end it first.
        this.onEnd(f);
        this.reset(f, p, hash);
        this.direction = senderOpened(p) ? 0 : 1;
        this.created = true;
        return f;
      }
      this.direction = dir;
      // Stored on every hit, not only on a FIN or RST: the first FIN of a capture often comes after
      // V8 has optimized this function, and a store it had never seen threw that code away.
      f.closed = f.closed || (p.protocol === TCP && (p.tcpFlags & (FIN | RST)) !== 0);
      return f;
    }
    if (this.now >= this.nextSweepMs) this.sweep();
    const slot = this.take();
    let f = this.flows[slot];
    if (f === undefined) {
      f = new Flow<I, E>();
      this.flows[slot] = f;
    }
    this.reset(f, p, hash);
    this.slotHash[slot] = hash;
    this.chainNext[slot] = this.bucketHead[bucket << 1];
    this.bucketHead[bucket << 1] = slot + 1;
    this.bucketHead[(bucket << 1) + 1] = hash;
    this.used[slot] = 1;
    this.count++;
    if (this.count * 2 > this.mask + 1 && this.mask + 1 < this.maxBuckets) this.rehash();
    this.direction = senderOpened(p) ? 0 : 1;
    this.created = true;
    return f;
  }

  /**
   * Ends flows idle past the timeout as of `nowMs`, for a live capture whose
   * packet clock stops when the link goes quiet.
   */
  expire(nowMs: number): void {
    if (nowMs > this.now) this.now = nowMs;
    this.sweep();
  }

  /**
   * Ends every flow still held (end of input). The chains are cleared at once
   * afterwards rather than unlinked flow by flow: a long capture ends with tens
   * of thousands of flows held, and unlinking each was a large share of the
   * time the end took.
   */
  endAll(): void {
    for (let slot = 0; slot < this.flows.length; slot++) {
      if (this.used[slot] !== 1) continue;
      this.used[slot] = 0;
      this.count--;
      this.free.push(slot);
      this.onEnd(this.flows[slot]);
    }
    this.bucketHead.fill(0);
  }

  /** Ends every flow idle longer than the timeout; runs as capture time passes, not per packet. */
  private sweep(): void {
    this.nextSweepMs = this.now + Math.max(1000, this.idleMs / 4);
    const limit = this.now - this.idleMs;
    for (let slot = 0; slot < this.flows.length; slot++) {
      if (this.used[slot] === 1 && this.flows[slot].lastMs < limit) this.evict(slot);
    }
  }

  /** A free slot: a recycled one, a new one, or a full table's stalest sampled flow's, ended first. */
  private take(): number {
    if (this.free.length > 0) return this.free.pop()!;
    if (this.flows.length < this.capacity) {
      const slot = this.flows.length;
      if (slot >= this.chainNext.length) this.grow();
      return slot;
    }
    let victim = -1;
    let victimScore = Infinity;
    for (let i = 0; i < EVICTION_SAMPLE; i++) {
      const slot = this.hand;
      // Neighbouring slots were often filled together (one burst of flows): stride far apart.
      this.hand = (this.hand + this.stride) % this.capacity;
      const f = this.flows[slot];
      // A flood's flows (a SYN, perhaps an answer) go first, then flows that never got past
      // their first segments, whatever their age; flows with evidence go last.
      let score = f.lastMs;
      if (f.evidence !== null) score += 4e15;
      else if (f.inspector !== null || f.state !== 0) score += 2e15;
      else if (f.packets0 > 1 && f.packets1 > 0) score += 1e15;
      if (score < victimScore) {
        victim = slot;
        victimScore = score;
      }
    }
    this.evict(victim);
    return this.free.pop()!;
  }

  private grow(): void {
    const n = Math.min(this.capacity, this.chainNext.length * 2);
    const widen = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
      b.set(a);
      return b;
    };
    this.chainNext = widen(this.chainNext, new Int32Array(n));
    this.slotHash = widen(this.slotHash, new Int32Array(n));
    this.used = widen(this.used, new Uint8Array(n));
  }

  /** Twice the buckets, every held flow rechained (at most one flow matches a packet, so chain order is free). */
  private rehash(): void {
    const buckets = (this.mask + 1) * 2;
    const head = new Int32Array(buckets * 2);
    const mask = buckets - 1;
    for (let slot = 0; slot < this.flows.length; slot++) {
      if (this.used[slot] !== 1) continue;
      const hash = this.slotHash[slot];
      const b = (hash & mask) << 1;
      this.chainNext[slot] = head[b];
      head[b] = slot + 1;
      head[b + 1] = hash;
    }
    this.bucketHead = head;
    this.mask = mask;
  }

  private evict(slot: number): void {
    const f = this.flows[slot];
    const bucket = this.slotHash[slot] & this.mask;
    let prev = 0;
    for (let s = this.bucketHead[bucket << 1]; s !== 0; s = this.chainNext[s - 1]) {
      if (s - 1 === slot) {
        if (prev === 0) {
          const next = this.chainNext[slot];
          this.bucketHead[bucket << 1] = next;
          this.bucketHead[(bucket << 1) + 1] = next === 0 ? 0 : this.slotHash[next - 1];
        } else {
          this.chainNext[prev - 1] = this.chainNext[slot];
        }
        break;
      }
      prev = s;
    }
    this.used[slot] = 0;
    this.count--;
    this.free.push(slot);
    this.onEnd(f);
  }

  private reset(f: Flow<I, E>, p: Packet, hash: number): void {
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
