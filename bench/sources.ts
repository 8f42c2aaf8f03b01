/**
 * The project's own captures (pcaps/samples, pcaps/real) as material for the
 * benchmark captures: read into memory as Ethernet frames, with the addresses
 * of the hosts that open connections (the watched machines) found so each
 * embedded copy can give them new, distinct addresses. Server addresses stay
 * as they are, so DNS answers inside the captures keep pointing at the pools.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCapture } from '../src/capture/read';
import type { Frame } from '../src/capture/frame';
import { addressText } from '../src/flow/address';
import { foldChecksum, wordSum } from './common';

export interface SourceFrame {
  /** Capture time, whole microseconds since the epoch. */
  tsUs: number;
  /** Ethernet frame. */
  data: Buffer;
}

export interface Source {
  /** Path relative to the repository. */
  file: string;
  sha256: string;
  frames: SourceFrame[];
  /** Raw bytes (4 or 16) of every address that opened a flow, in order of first appearance. */
  clients: Buffer[];
  firstUs: number;
  lastUs: number;
}

export const SOURCE_DIRS = ['pcaps/samples', 'pcaps/real'];
const CAPTURE_NAME = /\.(pcap|pcapng|cap)(\.gz)?$/i;

/** Capture files in the source folders that exist, in a fixed order. */
export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  for (const dir of SOURCE_DIRS) {
    const abs = path.join(root, dir);
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs).sort()) {
      if (CAPTURE_NAME.test(name) && fs.statSync(path.join(abs, name)).isFile()) out.push(path.join(dir, name));
    }
  }
  return out;
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

function etherHeader(ethertype: number): Buffer {
  const h = Buffer.from([0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0, 0]);
  h.writeUInt16BE(ethertype, 12);
  return h;
}

/** The frame as Ethernet, or null for a link type this script does not convert. */
function toEthernet(linkType: number, b: Buffer): Buffer | null {
  switch (linkType) {
    case 1:
      return b;
    case 12:
    case 14:
    case 101: {
      const v = b.length > 0 ? b[0] >> 4 : 0;
      return Buffer.concat([etherHeader(v === 6 ? ETH_IPV6 : ETH_IPV4), b]);
    }
    case 228:
      return Buffer.concat([etherHeader(ETH_IPV4), b]);
    case 229:
      return Buffer.concat([etherHeader(ETH_IPV6), b]);
    case 113: // Linux cooked v1: protocol at 14
      return b.length < 16 ? null : Buffer.concat([etherHeader(b.readUInt16BE(14)), b.subarray(16)]);
    case 276: // Linux cooked v2: protocol at 0
      return b.length < 20 ? null : Buffer.concat([etherHeader(b.readUInt16BE(0)), b.subarray(20)]);
    case 0:
    case 108: {
      if (b.length < 4) return null;
      const fam = linkType === 0 ? Math.min(b.readUInt32LE(0), b.readUInt32BE(0)) : b.readUInt32BE(0);
      return Buffer.concat([etherHeader(fam === 2 ? ETH_IPV4 : ETH_IPV6), b.subarray(4)]);
    }
    default:
      return null;
  }
}

/** Where the IP and transport headers of an Ethernet frame are. */
export interface Located {
  ipOff: number;
  version: 4 | 6;
  /** Offset of the source address; the destination follows it. */
  addrOff: number;
  addrLen: 4 | 16;
  protocol: number;
  /** Transport header offset, or -1 for a later fragment or an unparsed chain. */
  l4Off: number;
  /** End of the IP packet (IP length, not the frame's, which may hold padding). */
  ipEnd: number;
}

export function locate(b: Buffer): Located | null {
  let off = 12;
  if (b.length < 14) return null;
  let type = b.readUInt16BE(off);
  while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && off + 6 <= b.length) {
    off += 4;
    type = b.readUInt16BE(off);
  }
  const ip = off + 2;
  if (type === ETH_IPV4 && ip + 20 <= b.length && b[ip] >> 4 === 4) {
    const hl = (b[ip] & 15) * 4;
    const ipEnd = Math.min(b.length, ip + b.readUInt16BE(ip + 2));
    const laterFragment = (b.readUInt16BE(ip + 6) & 0x1fff) !== 0;
    return { ipOff: ip, version: 4, addrOff: ip + 12, addrLen: 4, protocol: b[ip + 9], l4Off: laterFragment ? -1 : ip + hl, ipEnd };
  }
  if (type === ETH_IPV6 && ip + 40 <= b.length && b[ip] >> 4 === 6) {
    const ipEnd = Math.min(b.length, ip + 40 + b.readUInt16BE(ip + 4));
    let next = b[ip + 6];
    let p = ip + 40;
    for (;;) {
      if (next === 0 || next === 43 || next === 60) {
        if (p + 2 > ipEnd) return { ipOff: ip, version: 6, addrOff: ip + 8, addrLen: 16, protocol: next, l4Off: -1, ipEnd };
        const n = b[p];
        p += (b[p + 1] + 1) * 8;
        next = n;
      } else if (next === 44) {
        if (p + 8 > ipEnd) return { ipOff: ip, version: 6, addrOff: ip + 8, addrLen: 16, protocol: next, l4Off: -1, ipEnd };
        const later = (b.readUInt16BE(p + 2) & 0xfff8) !== 0;
        const n = b[p];
        p += 8;
        next = n;
        if (later) return { ipOff: ip, version: 6, addrOff: ip + 8, addrLen: 16, protocol: next, l4Off: -1, ipEnd };
      } else break;
    }
    return { ipOff: ip, version: 6, addrOff: ip + 8, addrLen: 16, protocol: next, l4Off: p, ipEnd };
  }
  return null;
}

/** Canonical text of raw address bytes, as poolwatch prints it. */
export function addressOf(bytes: Uint8Array): string {
  const w = (i: number) => ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  return bytes.length === 4 ? addressText(4, w(0), 0, 0, 0) : addressText(6, w(0), w(4), w(8), w(12));
}

/**
 * The side that opened each TCP/UDP conversation, decided on its first packet
 * the way the flow table does: the SYN sender, the receiver of a SYN-ACK,
 * otherwise the side on the higher port.
 */
function openers(frames: SourceFrame[]): Buffer[] {
  const seen = new Set<string>();
  const clients = new Map<string, Buffer>();
  for (const f of frames) {
    const l = locate(f.data);
    if (l === null || l.l4Off < 0 || (l.protocol !== 6 && l.protocol !== 17) || l.l4Off + 4 > f.data.length) continue;
    const b = f.data;
    const src = b.subarray(l.addrOff, l.addrOff + l.addrLen);
    const dst = b.subarray(l.addrOff + l.addrLen, l.addrOff + 2 * l.addrLen);
    const sport = b.readUInt16BE(l.l4Off);
    const dport = b.readUInt16BE(l.l4Off + 2);
    const a = `${src.toString('hex')}:${sport}`;
    const z = `${dst.toString('hex')}:${dport}`;
    const key = `${l.protocol}|${a < z ? a + z : z + a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let srcOpened = sport >= dport;
    if (l.protocol === 6 && l.l4Off + 14 <= b.length) {
      const flags = b[l.l4Off + 13] & 0x12;
      if (flags === 0x02) srcOpened = true;
      else if (flags === 0x12) srcOpened = false;
    }
    const opener = srcOpened ? src : dst;
    const hex = opener.toString('hex');
    if (!clients.has(hex)) clients.set(hex, Buffer.from(opener));
  }
  return [...clients.values()];
}

export async function loadSource(root: string, file: string): Promise<Source> {
  const frames: SourceFrame[] = [];
  const problems: string[] = [];
  const sink = {
    frame(f: Frame): void {
      const raw = Buffer.from(f.data.subarray(f.offset, f.offset + f.capLength));
      const eth = toEthernet(f.linkType, raw);
      if (eth === null) {
        problems.push(`link type ${f.linkType}`);
        return;
      }
      frames.push({ tsUs: f.tsSec * 1e6 + Math.floor(f.tsNsec / 1000), data: eth === raw ? raw : Buffer.from(eth) });
    },
  };
  const abs = path.join(root, file);
  await readCapture(abs, sink, (w) => problems.push(`${w.message} at ${w.offset}`));
  if (problems.length > 0) throw new Error(`${file}: cannot embed (${[...new Set(problems)].slice(0, 3).join('; ')})`);
  if (frames.length === 0) throw new Error(`${file}: no frames`);
  frames.sort((x, y) => x.tsUs - y.tsUs);
  return {
    file,
    sha256: sha256(abs),
    frames,
    clients: openers(frames),
    firstUs: frames[0].tsUs,
    lastUs: frames[frames.length - 1].tsUs,
  };
}

/** RFC 1624 incremental update of a checksum field for bytes changed from `old` to `now`. */
function adjust(field: number, old: Uint8Array, now: Uint8Array): number {
  let sum = ~field & 0xffff;
  for (let i = 0; i < old.length; i += 2) {
    sum += ~((old[i] << 8) | old[i + 1]) & 0xffff;
    sum += (now[i] << 8) | now[i + 1];
  }
  return foldChecksum(sum);
}

/**
 * A copy of the frame with addresses replaced per `map` (hex of old bytes to
 * new bytes of the same length). Checksums are adjusted, not recomputed, so a
 * frame whose checksum was left to offload stays exactly as wrong as it was.
 */
export function rewrite(frame: Buffer, map: Map<string, Buffer>): Buffer {
  const l = locate(frame);
  if (l === null) return frame;
  const b = Buffer.from(frame);
  const n = l.addrLen;
  const oldAddrs = Buffer.from(b.subarray(l.addrOff, l.addrOff + 2 * n));
  let changed = false;
  for (const at of [l.addrOff, l.addrOff + n]) {
    const repl = map.get(b.subarray(at, at + n).toString('hex'));
    if (repl !== undefined) {
      repl.copy(b, at);
      changed = true;
    }
  }
  if (!changed) return frame;
  const newAddrs = b.subarray(l.addrOff, l.addrOff + 2 * n);
  if (l.version === 4) b.writeUInt16BE(adjust(b.readUInt16BE(l.ipOff + 10), oldAddrs, newAddrs), l.ipOff + 10);
  if (l.l4Off >= 0) {
    const at = l.protocol === 6 ? l.l4Off + 16 : l.protocol === 17 ? l.l4Off + 6 : -1;
    if (at >= 0 && at + 2 <= b.length) {
      const cs = b.readUInt16BE(at);
      // IPv4 UDP may go without a checksum (0); a computed 0 is sent as 0xffff.
      if (!(l.protocol === 17 && cs === 0)) {
        let next = adjust(cs, oldAddrs, newAddrs);
        if (l.protocol === 17 && next === 0) next = 0xffff;
        b.writeUInt16BE(next, at);
      }
    }
  }
  return b;
}

function pseudoSum(b: Buffer, l: Located, length: number): number {
  return wordSum(b, l.addrOff, l.addrOff + 2 * l.addrLen) + l.protocol + length;
}

/**
 * Splits a TCP segment so that no frame is longer than `maxFrame` (the
 * small-packet capture): same headers, sequence numbers advanced per piece,
 * checksums computed for each piece. Anything else comes back as it is.
 */
export function resegment(frame: Buffer, maxFrame: number): Buffer[] {
  if (frame.length <= maxFrame) return [frame];
  const l = locate(frame);
  if (l === null || l.protocol !== 6 || l.l4Off < 0 || l.l4Off + 20 > frame.length) return [frame];
  const flags = frame[l.l4Off + 13];
  if (flags & 0x02) return [frame];
  const head = l.l4Off + (frame[l.l4Off + 12] >> 4) * 4;
  const payload = l.ipEnd - head;
  const room = maxFrame - head;
  if (room < 1 || payload <= room || l.ipEnd > frame.length) return [frame];
  const seq = frame.readUInt32BE(l.l4Off + 4);
  const out: Buffer[] = [];
  for (let at = 0; at < payload; at += room) {
    const len = Math.min(room, payload - at);
    const last = at + len >= payload;
    const b = Buffer.alloc(head + len);
    frame.copy(b, 0, 0, head);
    frame.copy(b, head, head + at, head + at + len);
    if (l.version === 4) {
      b.writeUInt16BE(head - l.ipOff + len, l.ipOff + 2);
      b.writeUInt16BE(0, l.ipOff + 10);
      b.writeUInt16BE(foldChecksum(wordSum(b, l.ipOff, l.ipOff + (b[l.ipOff] & 15) * 4)), l.ipOff + 10);
    } else {
      b.writeUInt16BE(head - l.ipOff - 40 + len, l.ipOff + 4);
    }
    b.writeUInt32BE((seq + at) >>> 0, l.l4Off + 4);
    // FIN and PSH belong to the end of the original segment.
    if (!last) b[l.l4Off + 13] = flags & ~0x09;
    b.writeUInt16BE(0, l.l4Off + 16);
    const segLen = head - l.l4Off + len;
    const pl: Located = { ...l, ipEnd: head + len };
    b.writeUInt16BE(foldChecksum(pseudoSum(b, pl, segLen) + wordSum(b, l.l4Off, head + len)), l.l4Off + 16);
    out.push(b);
  }
  return out;
}
