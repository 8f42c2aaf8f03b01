/**
 * The frames nearly all traffic is made of, decoded in one straight pass:
 * Ethernet II without tags, then IPv4 (not a fragment) or IPv6 without
 * extension headers, then TCP or UDP (not VXLAN). The general walk in
 * decode.ts handles everything else, and fills `Packet` exactly as this does
 * for these frames (test/decode/common.test.ts compares the two on every
 * committed capture and on corrupted frames); here there is no layer loop, no
 * cursor and no field written twice.
 */
import type { Frame } from '../capture/frame';
import { type Packet, TCP, UDP } from './packet';
import { VXLAN_PORT } from './tunnel';

/** True when the frame was one of the common kind and `pkt` is filled; false leaves it for the general walk. */
export function decodeCommon(frame: Frame, pkt: Packet): boolean {
  const d = frame.data;
  const o = frame.offset;
  let end = o + frame.capLength;
  if (end > d.length) end = d.length;
  if (o < 0 || end - o < 14) return false;
  const type = (d[o + 12] << 8) | d[o + 13];
  const ip = o + 14;
  const avail = end - ip;
  const missing = frame.origLength > frame.capLength ? frame.origLength - frame.capLength : 0;
  let l4: number;
  let protocol: number;
  if (type === 0x0800) {
    if (avail < 20 || d[ip] >> 4 !== 4) return false;
    const hl = (d[ip] & 15) << 2;
    const total = (d[ip + 2] << 8) | d[ip + 3];
    if (hl < 20 || (total !== 0 && total < hl) || avail < hl || ((d[ip + 6] & 0x3f) | d[ip + 7]) !== 0) return false;
    protocol = d[ip + 9];
    if (protocol !== TCP && protocol !== UDP) return false;
    pkt.ipVersion = 4;
    pkt.src0 = ((d[ip + 12] << 24) | (d[ip + 13] << 16) | (d[ip + 14] << 8) | d[ip + 15]) >>> 0;
    pkt.dst0 = ((d[ip + 16] << 24) | (d[ip + 17] << 16) | (d[ip + 18] << 8) | d[ip + 19]) >>> 0;
    pkt.src1 = pkt.src2 = pkt.src3 = 0;
    pkt.dst1 = pkt.dst2 = pkt.dst3 = 0;
    if (total === 0) {
      pkt.ipLength = avail + missing;
    } else {
      pkt.ipLength = total;
      if (ip + total < end) end = ip + total;
    }
    l4 = ip + hl;
  } else if (type === 0x86dd) {
    if (avail < 40 || d[ip] >> 4 !== 6) return false;
    protocol = d[ip + 6];
    if (protocol !== TCP && protocol !== UDP) return false;
    const plen = (d[ip + 4] << 8) | d[ip + 5];
    pkt.ipVersion = 6;
    pkt.src0 = ((d[ip + 8] << 24) | (d[ip + 9] << 16) | (d[ip + 10] << 8) | d[ip + 11]) >>> 0;
    pkt.src1 = ((d[ip + 12] << 24) | (d[ip + 13] << 16) | (d[ip + 14] << 8) | d[ip + 15]) >>> 0;
    pkt.src2 = ((d[ip + 16] << 24) | (d[ip + 17] << 16) | (d[ip + 18] << 8) | d[ip + 19]) >>> 0;
    pkt.src3 = ((d[ip + 20] << 24) | (d[ip + 21] << 16) | (d[ip + 22] << 8) | d[ip + 23]) >>> 0;
    pkt.dst0 = ((d[ip + 24] << 24) | (d[ip + 25] << 16) | (d[ip + 26] << 8) | d[ip + 27]) >>> 0;
    pkt.dst1 = ((d[ip + 28] << 24) | (d[ip + 29] << 16) | (d[ip + 30] << 8) | d[ip + 31]) >>> 0;
    pkt.dst2 = ((d[ip + 32] << 24) | (d[ip + 33] << 16) | (d[ip + 34] << 8) | d[ip + 35]) >>> 0;
    pkt.dst3 = ((d[ip + 36] << 24) | (d[ip + 37] << 16) | (d[ip + 38] << 8) | d[ip + 39]) >>> 0;
    if (plen === 0) {
      pkt.ipLength = avail + missing;
    } else {
      pkt.ipLength = 40 + plen;
      if (ip + 40 + plen < end) end = ip + 40 + plen;
    }
    l4 = ip + 40;
  } else {
    return false;
  }
  if (protocol === TCP) {
    if (end - l4 < 20) return false;
    const hl = (d[l4 + 12] >> 4) << 2;
    if (hl < 20) return false;
    pkt.srcPort = (d[l4] << 8) | d[l4 + 1];
    pkt.dstPort = (d[l4 + 2] << 8) | d[l4 + 3];
    pkt.seq = ((d[l4 + 4] << 24) | (d[l4 + 5] << 16) | (d[l4 + 6] << 8) | d[l4 + 7]) >>> 0;
    pkt.ack = ((d[l4 + 8] << 24) | (d[l4 + 9] << 16) | (d[l4 + 10] << 8) | d[l4 + 11]) >>> 0;
    pkt.tcpFlags = d[l4 + 13];
    let start = l4 + hl;
    if (start > end) start = end;
    pkt.payloadOffset = start;
    pkt.payloadLength = end - start;
  } else {
    if (end - l4 < 8) return false;
    const dstPort = (d[l4 + 2] << 8) | d[l4 + 3];
    if (dstPort === VXLAN_PORT) return false;
    pkt.srcPort = (d[l4] << 8) | d[l4 + 1];
    pkt.dstPort = dstPort;
    pkt.seq = pkt.ack = 0;
    pkt.tcpFlags = 0;
    const len = (d[l4 + 4] << 8) | d[l4 + 5];
    if (len >= 8 && l4 + len < end) end = l4 + len;
    pkt.payloadOffset = l4 + 8;
    pkt.payloadLength = end - (l4 + 8);
  }
  pkt.protocol = protocol;
  pkt.data = d;
  pkt.fragment = false;
  pkt.laterFragment = false;
  pkt.tunnelDepth = 0;
  pkt.vlanId = -1;
  return true;
}
