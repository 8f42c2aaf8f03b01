import { LRUCache } from 'lru-cache';
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
 * Bidirectional flows keyed on the 5-tuple, bounded in count and idle time by
 * lru-cache. Time is the capture's clock, not the wall clock, so replaying an
 * old capture ages flows exactly as the network did.
 */
export class FlowTable {
  /** Capture time of the packet being handled, ms. */
  now = 0;
  /** Direction of the last packet looked up: 0 from side A, 1 from side B. */
  direction = 0;
  /** The last lookup made a new flow. */
  created = false;
  private readonly cache: LRUCache<number, Flow>;
  private readonly onEnd: (flow: Flow) => void;

  constructor(opts: FlowTableOptions) {
    this.onEnd = opts.onEnd;
    this.cache = new LRUCache<number, Flow>({
      max: opts.maxFlows,
      ttl: opts.idleTimeoutMs,
      ttlResolution: 0,
      updateAgeOnGet: true,
      noDisposeOnSet: true,
      perf: { now: () => this.now },
      dispose: (head) => {
        for (let f: Flow | null = head; f !== null; f = f.next) this.onEnd(f);
      },
    });
  }

  get size(): number {
    return this.cache.size;
  }

  /** The flow this packet belongs to, made if new; sets `direction` and `created`. */
  lookup(p: Packet, hash: number): Flow {
    const head = this.cache.get(hash);
    this.created = false;
    let last: Flow | null = null;
    for (let f = head ?? null; f !== null; f = f.next) {
      const dir = matches(f, p);
      if (dir >= 0) {
        if (f.closed && (p.tcpFlags & (SYN | ACK)) === SYN) {
          // The same ports reused for a new connection: end the old one first.
          this.onEnd(f);
          this.reset(f, p, hash);
          this.direction = 0;
          this.created = true;
          return f;
        }
        this.direction = dir;
        if (p.protocol === TCP && (p.tcpFlags & (FIN | RST)) !== 0) f.closed = true;
        return f;
      }
      last = f;
    }
    const f = new Flow();
    this.reset(f, p, hash);
    if (last === null) this.cache.set(hash, f);
    else last.next = f;
    this.direction = senderOpened(p) ? 0 : 1;
    this.created = true;
    return f;
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

  /** Ends every flow still held (end of input). */
  endAll(): void {
    this.cache.clear();
  }
}
