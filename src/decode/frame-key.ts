/**
 * The flow key of a TCP segment read straight from the frame's bytes, with no
 * Packet filled: on a busy link nearly every segment belongs to a flow that
 * detection has already ruled out, and all such a segment needs is the key
 * to find that out (src/flow/ruled-out.ts).
 *
 * It accepts exactly the frames that decode/common.ts decodes as TCP
 * (untagged Ethernet, IPv4 that is not a fragment, first or later, or IPv6 without
 * extension headers, a whole TCP header), and its hashes are those of
 * `endpointHash` and `endpointCheck` on the decoded packet
 * (test/decode/frame-key.test.ts holds it to both). Anything else returns
 * false and takes the full decode.
 */
import type { Frame } from '../capture/frame';
import { pairCheck, pairHash, sideHash } from './endpoint-hash';
import { SYN, TCP } from './packet';
import { DNS_PORT } from './ports';

const ETHERNET = 1;

export class TcpFrameKey {
  hash = 0;
  check = 0;
  /** SYN set: the segment may open a new connection on ports a ruled-out flow used. */
  syn = false;
  /** To or from port 53 (DNS over TCP). */
  dnsPort = false;
  /** A DataView over the frame's buffer (a reader's chunk), made again only when the buffer changes. */
  private viewOf: Buffer | null = null;
  private dataView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /**
   * Whole words in one read each: V8 inlines DataView reads as single loads,
   * where an address read byte by byte is four loads and three shifts.
   */
  view(d: Buffer): DataView<ArrayBufferLike> {
    if (d !== this.viewOf) {
      this.viewOf = d;
      this.dataView = new DataView(d.buffer, d.byteOffset, d.length);
    }
    return this.dataView;
  }
}

/** Fills `key` and returns true for a TCP segment of the common kind; false leaves the frame to `decodeFrame`. */
export function tcpFrameKey(frame: Frame, key: TcpFrameKey): boolean {
  if (frame.linkType !== ETHERNET) return false;
  const d = frame.data;
  const o = frame.offset;
  let end = o + frame.capLength;
  if (end > d.length) end = d.length;
  if (o < 0 || end - o < 14) return false;
  const dv = key.view(d);
  const type = dv.getUint16(o + 12);
  const ip = o + 14;
  const avail = end - ip;
  let l4: number;
  let s: number;
  let t: number;
  if (type === 0x0800) {
    if (avail < 20 || d[ip] >> 4 !== 4 || d[ip + 9] !== TCP) return false;
    const hl = (d[ip] & 15) << 2;
    const total = dv.getUint16(ip + 2);
    if (hl < 20 || (total !== 0 && total < hl) || avail < hl || (dv.getUint16(ip + 6) & 0x3fff) !== 0) return false;
    if (total !== 0 && ip + total < end) end = ip + total;
    l4 = ip + hl;
    if (end - l4 < 20 || d[l4 + 12] >> 4 < 5) return false;
    s = sideHash(4, dv.getInt32(ip + 12), 0, 0, 0, dv.getUint16(l4));
    t = sideHash(4, dv.getInt32(ip + 16), 0, 0, 0, dv.getUint16(l4 + 2));
  } else if (type === 0x86dd) {
    if (avail < 40 || d[ip] >> 4 !== 6 || d[ip + 6] !== TCP) return false;
    const plen = dv.getUint16(ip + 4);
    if (plen !== 0 && ip + 40 + plen < end) end = ip + 40 + plen;
    l4 = ip + 40;
    if (end - l4 < 20 || d[l4 + 12] >> 4 < 5) return false;
    s = sideHash(6, dv.getInt32(ip + 8), dv.getInt32(ip + 12), dv.getInt32(ip + 16), dv.getInt32(ip + 20), dv.getUint16(l4));
    t = sideHash(6, dv.getInt32(ip + 24), dv.getInt32(ip + 28), dv.getInt32(ip + 32), dv.getInt32(ip + 36), dv.getUint16(l4 + 2));
  } else {
    return false;
  }
  key.hash = pairHash(s, t, TCP);
  key.check = pairCheck(s, t, TCP);
  key.syn = (d[l4 + 13] & SYN) !== 0;
  key.dnsPort = dv.getUint16(l4) === DNS_PORT || dv.getUint16(l4 + 2) === DNS_PORT;
  return true;
}
