import { SYN, type Packet } from '../decode/packet';
import { endpointCheck } from './table';

/**
 * Flows that detection has ruled out, remembered by a 62-bit fingerprint in
 * one direct-mapped typed array. Their packets, most of the traffic on a busy
 * link, skip the flow table and are only counted: one array probe instead of
 * a chain walk and a flow object, each a cache miss when thousands of flows
 * interleave. An entry overwritten by another flow costs nothing but a
 * second look at that flow, which is ruled out again from its next segment.
 */
export class RuledOut {
  /** Two words per entry: the flow's hash and its check word. */
  private readonly keys: Int32Array;
  private readonly mask: number;

  constructor(entries = 1 << 20) {
    this.keys = new Int32Array(RuledOut.entriesFor(entries) * 2);
    this.mask = (this.keys.length >>> 1) - 1;
  }

  static entriesFor(wanted: number): number {
    let n = 1024;
    while (n < wanted) n <<= 1;
    return n;
  }

  /** True when the packet belongs to a ruled-out flow (a new SYN never does: the ports may be reused). */
  has(p: Packet, hash: number): boolean {
    const i = (hash & this.mask) << 1;
    if (this.keys[i] !== hash || (p.tcpFlags & SYN) !== 0) return false;
    // Slot 0 means empty only if the check word is 0 too; hashing never maps a real flow to (0, 0) in practice.
    return this.keys[i + 1] === endpointCheck(p);
  }

  /** `has` for a flow known by its hash and check word (`endpointCheck`), packet not at hand. */
  hasKey(hash: number, check: number): boolean {
    const i = (hash & this.mask) << 1;
    return this.keys[i] === hash && this.keys[i + 1] === check;
  }

  /** A new connection on the same ports (its SYN) is not the one that was ruled out. */
  forget(p: Packet, hash: number): void {
    const i = (hash & this.mask) << 1;
    if (this.keys[i] === hash && this.keys[i + 1] === endpointCheck(p)) this.keys[i] = this.keys[i + 1] = 0;
  }

  add(p: Packet, hash: number): void {
    const i = (hash & this.mask) << 1;
    this.keys[i] = hash;
    this.keys[i + 1] = endpointCheck(p);
  }
}
