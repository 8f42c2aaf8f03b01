/**
 * Community ID v1 (github.com/corelight/community-id-spec): the flow hash Zeek,
 * Suricata, Arkime and Wireshark share, so an analyst can pivot from a poolwatch
 * finding to the same connection in their logs. Made once per connection when it
 * is reported, never per packet.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_SCTP = 132;

/** Protocols whose ports are part of the hash; others hash addresses and protocol only (ICMP's type mapping is not needed here). */
function hasPorts(proto: number): boolean {
  return proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP;
}

/** Negative when endpoint (a, ap) orders before (b, bp): addresses byte by byte, then ports. */
function compareEndpoints(a: Uint8Array, ap: number, b: Uint8Array, bp: number): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return ap - bp;
}

/** Community ID of a flow from its address bytes (4 or 16 each, network order). */
export function communityIdOfBytes(src: Uint8Array, dst: Uint8Array, srcPort: number, dstPort: number, proto: number, seed = 0): string {
  if (src.length !== dst.length || (src.length !== 4 && src.length !== 16)) throw new Error('community id: addresses must both be IPv4 or both IPv6');
  const ports = hasPorts(proto);
  // The direction is abstracted away: the smaller endpoint goes first, so both directions hash alike.
  const swap = compareEndpoints(src, ports ? srcPort : 0, dst, ports ? dstPort : 0) > 0;
  const [a, b, ap, bp] = swap ? [dst, src, dstPort, srcPort] : [src, dst, srcPort, dstPort];
  const n = src.length;
  const input = Buffer.alloc(2 + 2 * n + 2 + (ports ? 4 : 0));
  input.writeUInt16BE(seed & 0xffff, 0);
  input.set(a, 2);
  input.set(b, 2 + n);
  input[2 + 2 * n] = proto & 255;
  // input[3 + 2n] stays 0: the spec's padding byte.
  if (ports) {
    input.writeUInt16BE(ap & 0xffff, 4 + 2 * n);
    input.writeUInt16BE(bp & 0xffff, 6 + 2 * n);
  }
  return '1:' + createHash('sha1').update(input).digest('base64');
}

/** The 4 or 16 bytes of an IPv4 or IPv6 address in text. */
export function addressBytes(text: string): Uint8Array {
  if (isIPv4(text)) return Uint8Array.from(text.split('.').map(Number));
  if (!isIPv6(text)) throw new Error(`community id: not an IP address: ${JSON.stringify(text)}`);
  let s = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  // An IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = s.slice(lastColon + 1).split('.').map(Number);
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':').map((g) => parseInt(g, 16)) : [];
  const t = rest ? rest.split(':').map((g) => parseInt(g, 16)) : [];
  const groups = rest === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >>> 8;
    out[2 * i + 1] = g & 255;
  });
  return out;
}

/** Community ID of a flow given in text (as a report holds it). */
export function communityId(srcIp: string, dstIp: string, srcPort: number, dstPort: number, proto: number, seed = 0): string {
  return communityIdOfBytes(addressBytes(srcIp), addressBytes(dstIp), srcPort, dstPort, proto, seed);
}

/** Community ID of a flow kept as 32-bit address words (src/flow/flow.ts). */
export function communityIdOfWords(
  version: number,
  a: readonly [number, number, number, number],
  b: readonly [number, number, number, number],
  aPort: number,
  bPort: number,
  proto: number,
  seed = 0,
): string {
  const n = version === 4 ? 1 : 4;
  const src = new Uint8Array(4 * n);
  const dst = new Uint8Array(4 * n);
  const view = (u: Uint8Array) => new DataView(u.buffer, u.byteOffset, u.byteLength);
  const sv = view(src);
  const dv = view(dst);
  for (let i = 0; i < n; i++) {
    sv.setUint32(4 * i, a[i] >>> 0);
    dv.setUint32(4 * i, b[i] >>> 0);
  }
  return communityIdOfBytes(src, dst, aPort, bPort, proto, seed);
}
