import { SYN, type Packet } from '../decode/packet';
import { endpointCheck } from '../decode/endpoint-hash';

/** Entries per bucket: eight of two 32-bit words fill one 64-byte cache line. */
const WAYS = 8;

/**
 * Flows that detection has ruled out, remembered by a 62-bit fingerprint.
 * Their packets, most of the traffic on a busy link, skip the flow table and
 * are only counted: one probe instead of a chain walk and a flow object,
 * each a cache miss when thousands of flows interleave.
 *
 * The table is set-associative: a flow's hash picks a bucket of eight
 * entries in one cache line, newest first, and a new entry pushes the oldest
 * of its bucket out. So the probe touches one line, and a table small enough
 * to stay in cache (64 k entries, 512 KiB) rarely loses a live flow to a
 * collision, as a direct-mapped one of that size would (bench/README.md). A
 * flow pushed out costs nothing but a second look, which rules it out again
 * from its next segment.
 */
export class RuledOut {
  /** Per bucket, WAYS pairs of (hash, check word); a pair of zeros is empty. */
  private readonly keys: Int32Array;
  private readonly mask: number;

  constructor(entries = 1 << 16) {
    let buckets = 128;
    while (buckets * WAYS < entries) buckets <<= 1;
    this.mask = buckets - 1;
    this.keys = new Int32Array(buckets * WAYS * 2);
  }

  /** True when the packet belongs to a ruled-out flow (a new SYN never does: the ports may be reused). */
  has(p: Packet, hash: number): boolean {
    if ((p.tcpFlags & SYN) !== 0) return false;
    const keys = this.keys;
    const base = (hash & this.mask) * WAYS * 2;
    // The check word is worked out only when a hash matches (nearly always the first entry looked at).
    let check = -1;
    let checked = false;
    for (let i = base; i < base + WAYS * 2; i += 2) {
      if (keys[i] !== hash) continue;
      if (!checked) {
        check = endpointCheck(p);
        checked = true;
      }
      // Slot 0 means empty only if the check word is 0 too; hashing never maps a real flow to (0, 0) in practice.
      if (keys[i + 1] === check) return true;
    }
    return false;
  }

  /** `has` for a flow known by its hash and check word (`endpointCheck`), packet not at hand. */
  hasKey(hash: number, check: number): boolean {
    return this.find(hash, check) >= 0;
  }

  /** A new connection on the same ports (its SYN) is not the one that was ruled out. */
  forget(p: Packet, hash: number): void {
    const i = this.find(hash, endpointCheck(p));
    if (i < 0) return;
    // Close the gap so the bucket stays newest first, and free the last entry.
    const last = (hash & this.mask) * WAYS * 2 + (WAYS - 1) * 2;
    this.keys.copyWithin(i, i + 2, last + 2);
    this.keys[last] = this.keys[last + 1] = 0;
  }

  add(p: Packet, hash: number): void {
    const check = endpointCheck(p);
    if (this.find(hash, check) >= 0) return;
    const base = (hash & this.mask) * WAYS * 2;
    // Newest first: the oldest entry falls off the end.
    this.keys.copyWithin(base + 2, base, base + (WAYS - 1) * 2);
    this.keys[base] = hash;
    this.keys[base + 1] = check;
  }

  private find(hash: number, check: number): number {
    const keys = this.keys;
    const base = (hash & this.mask) * WAYS * 2;
    for (let i = base; i < base + WAYS * 2; i += 2) if (keys[i] === hash && keys[i + 1] === check) return i;
    return -1;
  }
}
