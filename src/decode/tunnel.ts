/**
 * Encapsulations that mirror (SPAN/RSPAN/ERSPAN) and overlay deployments wrap
 * around the traffic of interest. Peeling one increments `pkt.tunnelDepth`;
 * the inner headers then overwrite the outer ones, so the packet ends up
 * describing the innermost IP packet.
 */
import type { Packet } from './packet';
import { type Cursor, Layer, u16 } from './cursor';
import { etherType } from './link';

/** Deepest nesting followed; past it a tunnel packet is reported as itself. */
export const MAX_TUNNEL_DEPTH = 8;

export const VXLAN_PORT = 4789;

const GRE_C = 0x8000;
const GRE_R = 0x4000;
const GRE_K = 0x2000;
const GRE_S = 0x1000;

/**
 * A GRE packet whose payload type we know is peeled; anything else (PPTP's
 * enhanced GRE, source routing, unknown types) is left as the outer packet,
 * whose payload the caller has already set to the GRE bytes.
 */
export function gre(c: Cursor, pkt: Packet): Layer {
  if (pkt.tunnelDepth >= MAX_TUNNEL_DEPTH) return Layer.Done;
  const d = c.data;
  const o = c.off;
  if (c.end - o < 4) return Layer.Done;
  const flags = u16(d, o);
  if ((flags & 7) !== 0 || (flags & GRE_R) !== 0) return Layer.Done;
  const proto = u16(d, o + 2);
  let p = o + 4;
  if (flags & GRE_C) p += 4; // checksum + reserved
  if (flags & GRE_K) p += 4;
  if (flags & GRE_S) p += 4;
  let next: Layer;
  if (proto === 0x88be) {
    // ERSPAN type II has the sequence bit and an 8-byte header; type I has neither.
    if (flags & GRE_S) p += 8;
    next = Layer.Ether;
  } else if (proto === 0x22eb) {
    // ERSPAN type III: 12 bytes, 8 more when the O bit asks for the platform subheader.
    if (c.end - p < 12) return Layer.Truncated;
    const frameType = (d[p + 10] >> 2) & 0x1f;
    const platform = d[p + 11] & 1;
    p += platform ? 20 : 12;
    if (frameType === 0) next = Layer.Ether;
    else if (frameType === 2) next = Layer.IpGuess;
    else return Layer.Done;
  } else {
    next = etherType(proto);
    if (next < 0) return Layer.Done;
  }
  if (p > c.end) return Layer.Truncated;
  pkt.tunnelDepth++;
  c.off = p;
  return next;
}

/** A UDP datagram to the VXLAN port with the I flag set carries an Ethernet frame after 8 bytes. */
export function vxlan(c: Cursor, pkt: Packet): Layer {
  if (pkt.dstPort !== VXLAN_PORT || pkt.tunnelDepth >= MAX_TUNNEL_DEPTH) return Layer.Done;
  const p = pkt.payloadOffset;
  if (pkt.payloadLength < 8 || (c.data[p] & 0x08) === 0) return Layer.Done;
  pkt.tunnelDepth++;
  c.off = p + 8;
  return Layer.Ether;
}

/** IPv4 (4) or IPv6 (41) directly inside IP: 6in4, 4in6, IP-in-IP. */
export function ipInIp(pkt: Packet, inner: Layer): Layer {
  if (pkt.tunnelDepth >= MAX_TUNNEL_DEPTH) return Layer.Done;
  pkt.tunnelDepth++;
  return inner;
}
