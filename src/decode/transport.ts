/**
 * TCP and UDP headers, and the payload of any other IP protocol. Each ends the
 * walk (or hands a VXLAN datagram to tunnel.ts via the caller).
 */
import type { Packet } from './packet';
import { type Cursor, Layer, u16, u32 } from './cursor';

export function tcp(c: Cursor, pkt: Packet): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 20) return Layer.Truncated;
  const hl = (d[o + 12] >> 4) << 2;
  if (hl < 20) return Layer.Malformed;
  pkt.srcPort = u16(d, o);
  pkt.dstPort = u16(d, o + 2);
  pkt.seq = u32(d, o + 4);
  pkt.ack = u32(d, o + 8);
  pkt.tcpFlags = d[o + 13];
  // Options cut off by the snap length leave an empty payload at the capture end.
  let start = o + hl;
  if (start > c.end) start = c.end;
  pkt.payloadOffset = start;
  pkt.payloadLength = c.end - start;
  return Layer.Done;
}

export function udp(c: Cursor, pkt: Packet): Layer {
  const d = c.data;
  const o = c.off;
  if (c.end - o < 8) return Layer.Truncated;
  pkt.srcPort = u16(d, o);
  pkt.dstPort = u16(d, o + 2);
  // The UDP length can be shorter than the IP payload; 0 (jumbo) or too large is ignored.
  const len = u16(d, o + 4);
  if (len >= 8 && o + len < c.end) c.end = o + len;
  pkt.payloadOffset = o + 8;
  pkt.payloadLength = c.end - (o + 8);
  return Layer.Done;
}

/** Any other protocol: the payload is everything after the IP header(s). */
export function opaque(c: Cursor, pkt: Packet): Layer {
  pkt.payloadOffset = c.off;
  pkt.payloadLength = c.end > c.off ? c.end - c.off : 0;
  return Layer.Done;
}
