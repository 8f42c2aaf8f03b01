/**
 * IPv4 and IPv6 headers. On success the cursor sits at the transport header,
 * `c.end` is cut to the IP packet's own length (dropping Ethernet padding) and
 * the packet's address, protocol and length fields describe this header.
 */
import type { Packet } from './packet';
import { type Cursor, Layer, u16, u32 } from './cursor';

/** Transport fields belong to the packet being decoded; an outer tunnel's ports must not leak in. */
function clearTransport(c: Cursor, pkt: Packet): void {
  pkt.srcPort = 0;
  pkt.dstPort = 0;
  pkt.tcpFlags = 0;
  pkt.seq = 0;
  pkt.ack = 0;
  pkt.payloadOffset = c.off;
  pkt.payloadLength = 0;
}

export function ipv4(c: Cursor, pkt: Packet): Layer {
  const d = c.data;
  const o = c.off;
  const avail = c.end - o;
  if (avail < 20) return Layer.Truncated;
  if (d[o] >> 4 !== 4) return Layer.Malformed;
  const hl = (d[o] & 15) << 2;
  if (hl < 20) return Layer.Malformed;
  const total = u16(d, o + 2);
  if (total !== 0 && total < hl) return Layer.Malformed;
  if (avail < hl) return Layer.Truncated;
  pkt.ipVersion = 4;
  pkt.src0 = u32(d, o + 12);
  pkt.src1 = pkt.src2 = pkt.src3 = 0;
  pkt.dst0 = u32(d, o + 16);
  pkt.dst1 = pkt.dst2 = pkt.dst3 = 0;
  pkt.protocol = d[o + 9];
  if (total === 0) {
    // Segmentation offload on the capturing host leaves the length 0: take what is there.
    pkt.ipLength = avail + c.missing;
  } else {
    pkt.ipLength = total;
    if (o + total < c.end) c.end = o + total;
  }
  c.off = o + hl;
  clearTransport(c, pkt);
  const frag = u16(d, o + 6);
  if ((frag & 0x3fff) !== 0) {
    // Even the first fragment ends the walk here: its transport header and data are only part of
    // the datagram, which src/flow/defrag.ts puts together and decodes whole.
    fragmentAt(c, pkt, o, hl, u16(d, o + 4), (frag & 0x1fff) << 3, (frag & 0x2000) !== 0);
    return Layer.Done;
  }
  pkt.fragment = false;
  pkt.laterFragment = false;
  return Layer.Transport;
}

export function ipv6(c: Cursor, pkt: Packet): Layer {
  const d = c.data;
  const o = c.off;
  const avail = c.end - o;
  if (avail < 40) return Layer.Truncated;
  if (d[o] >> 4 !== 6) return Layer.Malformed;
  const plen = u16(d, o + 4);
  pkt.ipVersion = 6;
  pkt.src0 = u32(d, o + 8);
  pkt.src1 = u32(d, o + 12);
  pkt.src2 = u32(d, o + 16);
  pkt.src3 = u32(d, o + 20);
  pkt.dst0 = u32(d, o + 24);
  pkt.dst1 = u32(d, o + 28);
  pkt.dst2 = u32(d, o + 32);
  pkt.dst3 = u32(d, o + 36);
  if (plen === 0) {
    // Jumbogram or segmentation offload: no usable length, take what is there.
    pkt.ipLength = avail + c.missing;
  } else {
    pkt.ipLength = 40 + plen;
    if (o + 40 + plen < c.end) c.end = o + 40 + plen;
  }
  pkt.fragment = false;
  pkt.laterFragment = false;
  let nh = d[o + 6];
  let p = o + 40;
  // Every extension header is at least 8 bytes, so the walk ends with the bytes.
  for (;;) {
    if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 139 || nh === 140) {
      // Hop-by-hop, routing, destination options, mobility, HIP, shim6: length in 8-byte units past the first 8.
      if (c.end - p < 8) return Layer.Truncated;
      nh = d[p];
      p += (d[p + 1] + 1) << 3;
    } else if (nh === 44) {
      if (c.end - p < 8) return Layer.Truncated;
      const field = u16(d, p + 2);
      nh = d[p];
      p += 8;
      // Offset 0 without more fragments is an atomic fragment (RFC 6946): the whole datagram.
      if ((field & 0xfff9) !== 0) {
        pkt.protocol = nh;
        c.off = p;
        clearTransport(c, pkt);
        fragmentAt(c, pkt, o, 40, u32(d, p - 4), field & 0xfff8, (field & 1) !== 0);
        return Layer.Done;
      }
    } else if (nh === 51) {
      // AH: length in 4-byte units past the first 8.
      if (c.end - p < 8) return Layer.Truncated;
      nh = d[p];
      p += (d[p + 1] + 2) << 2;
    } else {
      // Transport, ESP (50), No Next Header (59) or unknown: the walk ends.
      break;
    }
  }
  if (p > c.end) return Layer.Truncated;
  pkt.protocol = nh;
  c.off = p;
  clearTransport(c, pkt);
  return Layer.Transport;
}

/** Marks the packet a fragment whose data is what follows the cursor. */
function fragmentAt(c: Cursor, pkt: Packet, ipOffset: number, headerLength: number, id: number, offset: number, more: boolean): void {
  pkt.fragment = true;
  pkt.laterFragment = offset !== 0;
  pkt.fragId = id;
  pkt.fragOffset = offset;
  pkt.fragMore = more;
  pkt.ipOffset = ipOffset;
  pkt.ipHeaderLength = headerLength;
  pkt.payloadLength = c.end > c.off ? c.end - c.off : 0;
}
