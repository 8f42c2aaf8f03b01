/**
 * Link layers: the capture's link type, Ethernet and what rides directly on it
 * (VLAN tags, PPPoE, MPLS). Each function reads at `c.off`, moves it past the
 * header and says which layer follows.
 */
import type { Packet } from './packet';
import { type Cursor, Layer, u16, u32 } from './cursor';

/** Decides the first layer from the capture's LINKTYPE_* value. */
export function linkLayer(c: Cursor, linkType: number): Layer {
  const d = c.data;
  const o = c.off;
  const n = c.end - o;
  switch (linkType) {
    case 1: // Ethernet
      return Layer.Ether;
    case 113: // Linux cooked v1: protocol is the last field of a 16-byte header
      if (n < 16) return Layer.Truncated;
      c.off = o + 16;
      return etherType(u16(d, o + 14));
    case 276: // Linux cooked v2: protocol first, 20-byte header
      if (n < 20) return Layer.Truncated;
      c.off = o + 20;
      return etherType(u16(d, o));
    case 12: // DLT_RAW as written by some platforms
    case 14:
    case 101:
      return Layer.IpGuess;
    case 228:
      return Layer.Ipv4;
    case 229:
      return Layer.Ipv6;
    case 0: {
      // BSD loopback: the family is in the byte order of the host that wrote it;
      // families are small, so a value above 16 bits means the other order.
      if (n < 4) return Layer.Truncated;
      let family = (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
      if (family > 0xffff) family = u32(d, o);
      c.off = o + 4;
      return loopFamily(family);
    }
    case 108: // OpenBSD loopback: family in network order
      if (n < 4) return Layer.Truncated;
      c.off = o + 4;
      return loopFamily(u32(d, o));
    case 9: // PPP, with or without the HDLC address/control bytes
      if (n >= 2 && d[o] === 0xff && d[o + 1] === 0x03) c.off = o + 2;
      return ppp(c);
    case 50: // PPP in HDLC-like framing, or Cisco HDLC
      if (n < 2) return Layer.Truncated;
      if (d[o] === 0xff && d[o + 1] === 0x03) {
        c.off = o + 2;
        return ppp(c);
      }
      return ciscoHdlc(c);
    case 104: // Cisco HDLC
      return ciscoHdlc(c);
    default:
      return Layer.UnsupportedLink;
  }
}

function loopFamily(family: number): Layer {
  if (family === 2) return Layer.Ipv4;
  // AF_INET6 differs between BSDs: 24 NetBSD/OpenBSD, 28 FreeBSD, 30 macOS.
  if (family === 24 || family === 28 || family === 30) return Layer.Ipv6;
  return Layer.NotIp;
}

/** PPP protocol field (1 byte when compressed: an odd first byte). */
function ppp(c: Cursor): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 1) return Layer.Truncated;
  if (d[o] & 1) {
    c.off = o + 1;
    return pppProtocol(d[o]);
  }
  if (c.end - o < 2) return Layer.Truncated;
  c.off = o + 2;
  return pppProtocol(u16(d, o));
}

function pppProtocol(p: number): Layer {
  if (p === 0x0021) return Layer.Ipv4;
  if (p === 0x0057) return Layer.Ipv6;
  return Layer.NotIp;
}

function ciscoHdlc(c: Cursor): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 4) return Layer.Truncated;
  if (d[o] !== 0x0f && d[o] !== 0x8f) return Layer.NotIp;
  c.off = o + 4;
  return etherType(u16(d, o + 2));
}

/** The layer an ethertype (also used by GRE, SLL and Cisco HDLC) announces. */
export function etherType(t: number): Layer {
  switch (t) {
    case 0x0800:
      return Layer.Ipv4;
    case 0x86dd:
      return Layer.Ipv6;
    case 0x8100: // 802.1Q
    case 0x88a8: // 802.1ad service tag
    case 0x9100: // pre-standard QinQ
    case 0x9200:
      return Layer.Vlan;
    case 0x8864:
      return Layer.PppoeSession;
    case 0x8847:
    case 0x8848:
      return Layer.Mpls;
    case 0x6558: // transparent Ethernet bridging (GRE)
      return Layer.Ether;
    default:
      return Layer.NotIp;
  }
}

export function ethernet(c: Cursor): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 14) return Layer.Truncated;
  const t = u16(d, o + 12);
  if (t <= 1500) {
    // 802.3 length field: only LLC/SNAP can carry an ethertype.
    if (c.end - o < 22) return Layer.NotIp;
    if (d[o + 14] !== 0xaa || d[o + 15] !== 0xaa || d[o + 16] !== 0x03) return Layer.NotIp;
    c.off = o + 22;
    return etherType(u16(d, o + 20));
  }
  c.off = o + 14;
  return etherType(t);
}

/** One VLAN tag (the TPID has been read): TCI then the next ethertype. */
export function vlan(c: Cursor, pkt: Packet): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 4) return Layer.Truncated;
  // Tags are met outermost first, so only the first one is kept.
  if (pkt.vlanId < 0) pkt.vlanId = u16(d, o) & 0xfff;
  c.off = o + 4;
  return etherType(u16(d, o + 2));
}

/** PPPoE session header (6 bytes) and the PPP protocol after it. */
export function pppoeSession(c: Cursor): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 8) return Layer.Truncated;
  if (d[o] !== 0x11 || d[o + 1] !== 0x00) return Layer.Malformed;
  // The PPPoE length counts the PPP protocol and payload; it cuts Ethernet padding.
  const end = o + 6 + u16(d, o + 4);
  if (end < c.end) c.end = end;
  c.off = o + 8;
  return pppProtocol(u16(d, o + 6));
}

/** An MPLS label stack; what follows the bottom label is guessed from its first nibble. */
export function mpls(c: Cursor): Layer {
  const d = c.data;
  let o = c.off;
  for (;;) {
    if (c.end - o < 4) return Layer.Truncated;
    const bottom = d[o + 2] & 1;
    o += 4;
    if (bottom) break;
  }
  if (c.end - o < 1) return Layer.Truncated;
  const nibble = d[o] >> 4;
  c.off = o;
  if (nibble === 4) return Layer.Ipv4;
  if (nibble === 6) return Layer.Ipv6;
  if (nibble === 0) {
    // Ethernet pseudowire with the control word (RFC 4448): 4 bytes, first nibble 0.
    if (c.end - o < 4) return Layer.Truncated;
    c.off = o + 4;
    return Layer.Ether;
  }
  return Layer.NotIp;
}

/** Raw IP: the version nibble says which. */
export function ipGuess(c: Cursor): Layer {
  if (c.end - c.off < 1) return Layer.Truncated;
  const v = c.data[c.off] >> 4;
  if (v === 4) return Layer.Ipv4;
  if (v === 6) return Layer.Ipv6;
  return Layer.NotIp;
}
