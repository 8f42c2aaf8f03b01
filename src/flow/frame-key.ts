/**
 * The flow key of a TCP segment read straight from the frame's bytes, with no
 * Packet filled: on a busy link nearly every segment belongs to a flow that
 * detection has already ruled out, and all such a segment needs is the key
 * to find that out (src/flow/ruled-out.ts).
 *
 * It accepts exactly the frames that decode/common.ts decodes as TCP
 * (untagged Ethernet, IPv4 that is not a later fragment or IPv6 without
 * extension headers, a whole TCP header), and its hashes are those of
 * `endpointHash` and `endpointCheck` on the decoded packet
 * (test/flow/frame-key.test.ts holds it to both). Anything else returns
 * false and takes the full decode.
 */
import type { Frame } from '../capture/frame';
import { SYN, TCP } from '../decode/packet';
import { pairCheck, pairHash, sideHash } from './table';

const ETHERNET = 1;
const DNS_PORT = 53;

export class TcpFrameKey {
  hash = 0;
  check = 0;
  /** SYN set: the segment may open a new connection on ports a ruled-out flow used. */
  syn = false;
  /** To or from port 53 (DNS over TCP). */
  dnsPort = false;
}

/** Fills `key` and returns true for a TCP segment of the common kind; false leaves the frame to `decodeFrame`. */
export function tcpFrameKey(frame: Frame, key: TcpFrameKey): boolean {
  if (frame.linkType !== ETHERNET) return false;
  const d = frame.data;
  const o = frame.offset;
  let end = o + frame.capLength;
  if (end > d.length) end = d.length;
  if (o < 0 || end - o < 14) return false;
  const type = (d[o + 12] << 8) | d[o + 13];
  const ip = o + 14;
  const avail = end - ip;
  let l4: number;
  let s: number;
  let t: number;
  if (type === 0x0800) {
    if (avail < 20 || d[ip] >> 4 !== 4 || d[ip + 9] !== TCP) return false;
    const hl = (d[ip] & 15) << 2;
    const total = (d[ip + 2] << 8) | d[ip + 3];
    if (hl < 20 || (total !== 0 && total < hl) || avail < hl || ((d[ip + 6] & 0x1f) | d[ip + 7]) !== 0) return false;
    if (total !== 0 && ip + total < end) end = ip + total;
    l4 = ip + hl;
    if (end - l4 < 20 || d[l4 + 12] >> 4 < 5) return false;
    s = sideHash(4, (d[ip + 12] << 24) | (d[ip + 13] << 16) | (d[ip + 14] << 8) | d[ip + 15], 0, 0, 0, (d[l4] << 8) | d[l4 + 1]);
    t = sideHash(4, (d[ip + 16] << 24) | (d[ip + 17] << 16) | (d[ip + 18] << 8) | d[ip + 19], 0, 0, 0, (d[l4 + 2] << 8) | d[l4 + 3]);
  } else if (type === 0x86dd) {
    if (avail < 40 || d[ip] >> 4 !== 6 || d[ip + 6] !== TCP) return false;
    const plen = (d[ip + 4] << 8) | d[ip + 5];
    if (plen !== 0 && ip + 40 + plen < end) end = ip + 40 + plen;
    l4 = ip + 40;
    if (end - l4 < 20 || d[l4 + 12] >> 4 < 5) return false;
    s = sideHash(
      6,
      (d[ip + 8] << 24) | (d[ip + 9] << 16) | (d[ip + 10] << 8) | d[ip + 11],
      (d[ip + 12] << 24) | (d[ip + 13] << 16) | (d[ip + 14] << 8) | d[ip + 15],
      (d[ip + 16] << 24) | (d[ip + 17] << 16) | (d[ip + 18] << 8) | d[ip + 19],
      (d[ip + 20] << 24) | (d[ip + 21] << 16) | (d[ip + 22] << 8) | d[ip + 23],
      (d[l4] << 8) | d[l4 + 1],
    );
    t = sideHash(
      6,
      (d[ip + 24] << 24) | (d[ip + 25] << 16) | (d[ip + 26] << 8) | d[ip + 27],
      (d[ip + 28] << 24) | (d[ip + 29] << 16) | (d[ip + 30] << 8) | d[ip + 31],
      (d[ip + 32] << 24) | (d[ip + 33] << 16) | (d[ip + 34] << 8) | d[ip + 35],
      (d[ip + 36] << 24) | (d[ip + 37] << 16) | (d[ip + 38] << 8) | d[ip + 39],
      (d[l4 + 2] << 8) | d[l4 + 3],
    );
  } else {
    return false;
  }
  key.hash = pairHash(s, t, TCP);
  key.check = pairCheck(s, t, TCP);
  key.syn = (d[l4 + 13] & SYN) !== 0;
  key.dnsPort = ((d[l4] << 8) | d[l4 + 1]) === DNS_PORT || ((d[l4 + 2] << 8) | d[l4 + 3]) === DNS_PORT;
  return true;
}
