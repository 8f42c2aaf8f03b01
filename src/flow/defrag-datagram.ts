/**
 * One IP datagram being put together from its fragments (defrag.ts), the
 * (source, destination) pair whose datagrams are counted against one cap, and
 * the caps themselves.
 */
import type { Packet } from '../decode/packet';

/** Room before the data for the rebuilt IP header (the longest IPv4 header). */
export const HEAD = 60;
/** Disjoint pieces held per datagram: more holes than this is an attack, not a network. */
export const MAX_PIECES = 32;
export const PLACED = 0;
export const DIFFERS = 1;

export interface DefragLimits {
  /** Datagrams in progress at once, in all and per (source, destination) pair. */
  maxDatagrams: number;
  maxPerPair: number;
  /** Buffer bytes held (reused buffers included), in all and per pair. */
  maxBytes: number;
  maxPairBytes: number;
  /** A datagram still incomplete this long after its first fragment (capture time) is given up. */
  timeoutMs: number;
}

/** Linux's defaults in spirit: 30 s (ipfrag_time), a few MiB in all (ipfrag_high_thresh). */
export const DEFRAG_LIMITS: Readonly<DefragLimits> = {
  maxDatagrams: 1024,
  maxPerPair: 64,
  maxBytes: 8 * 1024 * 1024,
  maxPairBytes: 1024 * 1024,
  timeoutMs: 30_000,
};

/** Fragments of these are put together: what flows and DNS are made of, and the tunnels that carry them. */
export function reassembles(protocol: number): boolean {
  return protocol === 6 || protocol === 17 || protocol === 47 || protocol === 4 || protocol === 41;
}

export class Datagram {
  used = false;
  version = 4;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  protocol = 0;
  id = 0;
  hash = 0;
  pair = -1;
  firstMs = 0;
  /** Length of the data once the last fragment (more-fragments clear) came, else -1. */
  total = -1;
  /** Length of the IP header kept from the offset-0 fragment, 0 until it came. */
  headerLength = 0;
  buf: Buffer | null = null;
  /** Sorted disjoint [start, end) ranges of data held, touching ones merged. */
  readonly pieces = new Int32Array(MAX_PIECES * 2);
  count = 0;
  overlapNoted = false;
}

export class Pair {
  used = false;
  version = 4;
  s0 = 0;
  s1 = 0;
  s2 = 0;
  s3 = 0;
  d0 = 0;
  d1 = 0;
  d2 = 0;
  d3 = 0;
  hash = 0;
  count = 0;
  bytes = 0;
  oldest = -1;
  newest = -1;
}

export function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

export function pairHashOf(p: Packet): number {
  let h = mix(mix(0x3c6ef372, p.src0), p.dst0);
  if (p.ipVersion === 6) h = mix(mix(mix(mix(mix(mix(h, p.src1), p.src2), p.src3), p.dst1), p.dst2), p.dst3);
  return h & 0x3fffffff;
}

export function sameHosts(x: Datagram | Pair, p: Packet): boolean {
  return (
    x.version === p.ipVersion && x.s0 === p.src0 && x.d0 === p.dst0 &&
    (p.ipVersion === 4 || (x.s1 === p.src1 && x.s2 === p.src2 && x.s3 === p.src3 && x.d1 === p.dst1 && x.d2 === p.dst2 && x.d3 === p.dst3))
  );
}

export function copyHosts(x: Datagram | Pair, p: Packet): void {
  x.version = p.ipVersion;
  x.s0 = p.src0; x.s1 = p.src1; x.s2 = p.src2; x.s3 = p.src3;
  x.d0 = p.dst0; x.d1 = p.dst1; x.d2 = p.dst2; x.d3 = p.dst3;
}

/**
 * Copies data[at, at + end - start) to [start, end) of the datagram where
 * nothing is held yet (first wins), noting held bytes that differ.
 * Returns PLACED, DIFFERS (placed, and held bytes differed), or -1 when the
 * datagram would hold too many pieces.
 */
export function place(d: Datagram, data: Buffer, at: number, start: number, end: number): number {
  const pc = d.pieces;
  const n = d.count;
  const buf = d.buf!;
  let i = 0;
  while (i < n && pc[i * 2 + 1] <= start) i++;
  let lo = i;
  let cursor = start;
  let differs = false;
  for (; i < n && pc[i * 2] < end; i++) {
    const ps = pc[i * 2];
    const pe = pc[i * 2 + 1];
    if (cursor < ps) data.copy(buf, HEAD + cursor, at + cursor - start, at + ps - start);
    const os = cursor > ps ? cursor : ps;
    const oe = end < pe ? end : pe;
    if (!differs && oe > os && buf.compare(data, at + os - start, at + oe - start, HEAD + os, HEAD + oe) !== 0) differs = true;
    if (pe > cursor) cursor = pe;
  }
  if (cursor < end) data.copy(buf, HEAD + cursor, at + cursor - start, at + end - start);
  let hi = i;
  if (lo > 0 && pc[lo * 2 - 1] === start) lo--;
  if (hi < n && pc[hi * 2] === end) hi++;
  const merged = n - (hi - lo) + 1;
  if (merged > MAX_PIECES) return -1;
  const from = lo < hi && pc[lo * 2] < start ? pc[lo * 2] : start;
  const to = lo < hi && pc[hi * 2 - 1] > end ? pc[hi * 2 - 1] : end;
  pc.copyWithin((lo + 1) * 2, hi * 2, n * 2);
  pc[lo * 2] = from;
  pc[lo * 2 + 1] = to;
  d.count = merged;
  return differs ? DIFFERS : PLACED;
}

/** Every byte from 0 to the end is held, and the first fragment's header. */
export function complete(d: Datagram): boolean {
  if (d.total < 0 || d.headerLength === 0) return false;
  return d.total === 0 ? d.count === 0 : d.count === 1 && d.pieces[0] === 0 && d.pieces[1] === d.total;
}
