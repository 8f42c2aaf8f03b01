import type { Packet } from './packet';

function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Hash of one end of a conversation (address words and port); IPv4 uses word 0 only. */
export function sideHash(v: number, w0: number, w1: number, w2: number, w3: number, port: number): number {
  let h = mix(0x2545f491, w0);
  if (v === 6) h = mix(mix(mix(h, w1), w2), w3);
  return mix(h, port);
}

/**
 * The flow-table hash from the two ends' `sideHash`es: addition commutes, so
 * both directions of a conversation get the same value, and the final mix
 * keeps the result a small integer (no heap number per packet).
 */
export function pairHash(s: number, d: number, protocol: number): number {
  return mix((s + d) | 0, protocol) & 0x3fffffff;
}

/**
 * A second symmetric hash, independent of `pairHash`: with it a 62-bit
 * fingerprint identifies a flow where the 30-bit hash alone would collide
 * about once per thousand new flows in a full table.
 */
export function pairCheck(s: number, d: number, protocol: number): number {
  return mix(mix(s, 0x61c88647) ^ mix(d, 0x61c88647), protocol + 0x100);
}

/** Symmetric hash of a packet's endpoints, which keys the flow table and shards flows to workers. */
export function endpointHash(p: Packet): number {
  const s = sideHash(p.ipVersion, p.src0, p.src1, p.src2, p.src3, p.srcPort);
  const d = sideHash(p.ipVersion, p.dst0, p.dst1, p.dst2, p.dst3, p.dstPort);
  return pairHash(s, d, p.protocol);
}

/** `pairCheck` of a packet's endpoints. */
export function endpointCheck(p: Packet): number {
  const s = sideHash(p.ipVersion, p.src0, p.src1, p.src2, p.src3, p.srcPort);
  const d = sideHash(p.ipVersion, p.dst0, p.dst1, p.dst2, p.dst3, p.dstPort);
  return pairCheck(s, d, p.protocol);
}
