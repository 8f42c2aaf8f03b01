/**
 * Sends one IP packet of a frame as fragments, the way a small MTU or an
 * evasion would: IPv4 with MF and offsets, IPv6 with a Fragment header, in
 * order or not, with an overlap whose bytes differ (the first-wins rule), a
 * duplicate, or a piece left out. And one TCP payload made into a long line
 * sent as a run of MSS-sized segments, so line buffers fill across segments.
 */
import { int, pick, type Rand } from '../support/mutate';
import { fixIpv4Checksum, fixLengths, type IpAt } from './packet';

interface Piece {
  offset: number;
  bytes: Buffer;
  more: boolean;
}

/** The IP payload cut into two or three pieces at multiples of 8, maybe overlapping, maybe reordered. */
function pieces(r: Rand, payload: Buffer, ops: string[]): Piece[] | null {
  if (payload.length < 16) return null;
  const cuts = [8 * (1 + int(r, Math.floor((payload.length - 1) / 8)))];
  if (r() < 0.4 && cuts[0] + 8 < payload.length) cuts.push(cuts[0] + 8 * (1 + int(r, Math.floor((payload.length - cuts[0] - 1) / 8))));
  const bounds = [0, ...cuts, payload.length];
  let out: Piece[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) out.push({ offset: bounds[k], bytes: payload.subarray(bounds[k], bounds[k + 1]), more: k + 2 < bounds.length });
  const how = int(r, 6);
  if (how === 1) {
    out.reverse();
    ops.push(`fragments (${out.length}) in reverse order`);
  } else if (how === 2) {
    // A later piece that starts 8 bytes early with other bytes there: a reassembler must keep the first.
    const p = out[1];
    const early = Buffer.concat([Buffer.alloc(8, 0x58), p.bytes]);
    out[1] = { ...p, offset: p.offset - 8, bytes: early };
    ops.push('fragments overlap by 8 differing bytes');
  } else if (how === 3) {
    out.push({ ...out[0] });
    ops.push('first fragment sent twice');
  } else if (how === 4) {
    out = out.slice(0, -1);
    ops.push('last fragment missing');
  } else {
    ops.push(`fragments (${out.length}) in order at ${cuts.join(', ')}`);
  }
  return out;
}

function ipv4Fragments(r: Rand, frame: Buffer, h: IpAt, ops: string[]): Buffer[] | null {
  const ihl = (frame[h.ip] & 0x0f) * 4;
  const total = Math.min(frame.readUInt16BE(h.ip + 2), frame.length - h.ip);
  const ps = pieces(r, frame.subarray(h.ip + ihl, h.ip + total), ops);
  if (ps === null) return null;
  const id = int(r, 0x10000);
  return ps.map((p) => {
    const f = Buffer.concat([frame.subarray(0, h.ip + ihl), p.bytes]);
    f.writeUInt16BE(ihl + p.bytes.length, h.ip + 2);
    f.writeUInt16BE(id, h.ip + 4);
    f.writeUInt16BE((p.more ? 0x2000 : 0) | (p.offset / 8), h.ip + 6);
    fixIpv4Checksum(f, h.ip);
    return f;
  });
}

function ipv6Fragments(r: Rand, frame: Buffer, h: IpAt, ops: string[]): Buffer[] | null {
  const next = frame[h.ip + 6];
  if (next !== 6 && next !== 17) return null;
  const ps = pieces(r, frame.subarray(h.ip + 40), ops);
  if (ps === null) return null;
  const id = int(r, 2 ** 32);
  return ps.map((p) => {
    const fh = Buffer.alloc(8);
    fh[0] = next;
    fh.writeUInt16BE(p.offset | (p.more ? 1 : 0), 2); // offset in 8-byte units in the top 13 bits
    fh.writeUInt32BE(id >>> 0, 4);
    const f = Buffer.concat([frame.subarray(0, h.ip + 40), fh, p.bytes]);
    f[h.ip + 6] = 44;
    f.writeUInt16BE(8 + p.bytes.length, h.ip + 4);
    return f;
  });
}

/** The frames that carry `frame`'s IP packet `h` as fragments, or null when it is too short to split. */
export function fragmentFrame(r: Rand, frame: Buffer, h: IpAt, ops: string[]): Buffer[] | null {
  return h.version === 4 ? ipv4Fragments(r, frame, h, ops) : ipv6Fragments(r, frame, h, ops);
}

/** Line lengths around the caps the code states (inspect window, line buffers). */
const LINE_PADS = [8200, 16376, 16384, 16390, 16500, 32768, 65600] as const;

/**
 * The TCP segment `h` of `frame` with padding put into its payload (inside
 * the first string, or before the payload), cut into segments of one MSS
 * whose sequence numbers follow on. Null when the frame has no TCP payload.
 */
export function longLineSegments(r: Rand, frame: Buffer, h: IpAt, ops: string[]): Buffer[] | null {
  if (h.protocol !== 6 || h.payload < 0 || h.payload >= frame.length) return null;
  const payload = frame.subarray(h.payload);
  const pad = pick(r, LINE_PADS);
  const quote = payload.indexOf(0x22);
  const at = quote >= 0 && r() < 0.7 ? quote + 1 : 0;
  const fill = pick(r, ['A', ' ', '\r', '0']);
  const line = Buffer.concat([payload.subarray(0, at), Buffer.alloc(pad, fill), payload.subarray(at)]);
  const mss = pick(r, [536, 1448, 1460, 4096, 8960]);
  const seq = frame.readUInt32BE(h.transport + 4);
  const out: Buffer[] = [];
  for (let o = 0; o < line.length; o += mss) {
    const f = Buffer.concat([frame.subarray(0, h.payload), line.subarray(o, o + mss)]);
    f.writeUInt32BE((seq + o) >>> 0, h.transport + 4);
    fixLengths(f, h);
    out.push(f);
  }
  ops.push(`payload padded by ${pad} x ${JSON.stringify(fill)} @${at}, sent in ${out.length} segments of ${mss}`);
  return out;
}
