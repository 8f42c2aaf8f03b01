/**
 * The floor any analyzer in JavaScript is measured against: a plain loop that
 * reads the capture in 64 MiB chunks and walks record, Ethernet (VLAN), IPv4 /
 * IPv6 and TCP/UDP headers, doing nothing with them but counting.
 *
 *   node dist/bench/baseline.js FILE        prints one JSON line of counts and the walk's CPU seconds
 *
 * Classic pcap (either byte order, us or ns) and pcapng (EPB, SPB) are read.
 */
import * as fs from 'node:fs';

const CHUNK = 64 * 1024 * 1024;

export interface WalkCounts {
  packets: number;
  /** Captured bytes of all frames. */
  bytes: number;
  ipv4: number;
  ipv6: number;
  tcp: number;
  udp: number;
  /** TCP/UDP payload bytes found. */
  payloadBytes: number;
  /** Sum of ports, only so that the header reads cannot be optimized away. */
  portSum: number;
}

/** Walks one frame's headers (Ethernet link type only) and adds to `c`. */
function frame(b: Buffer, off: number, len: number, c: WalkCounts): void {
  const end = off + len;
  let p = off + 12;
  if (p + 2 > end) return;
  let type = (b[p] << 8) | b[p + 1];
  while ((type === 0x8100 || type === 0x88a8) && p + 6 <= end) {
    p += 4;
    type = (b[p] << 8) | b[p + 1];
  }
  p += 2;
  let proto: number;
  let l4: number;
  let ipEnd: number;
  if (type === 0x0800 && p + 20 <= end) {
    c.ipv4++;
    proto = b[p + 9];
    ipEnd = p + ((b[p + 2] << 8) | b[p + 3]);
    if (((b[p + 6] & 0x1f) | b[p + 7]) !== 0) return; // later fragment
    l4 = p + (b[p] & 15) * 4;
  } else if (type === 0x86dd && p + 40 <= end) {
    c.ipv6++;
    proto = b[p + 6];
    ipEnd = p + 40 + ((b[p + 4] << 8) | b[p + 5]);
    l4 = p + 40;
  } else return;
  if (ipEnd > end) ipEnd = end;
  if (proto === 6 && l4 + 20 <= ipEnd) {
    c.tcp++;
    c.portSum += ((b[l4] << 8) | b[l4 + 1]) + ((b[l4 + 2] << 8) | b[l4 + 3]);
    c.payloadBytes += ipEnd - l4 - (b[l4 + 12] >> 4) * 4;
  } else if (proto === 17 && l4 + 8 <= ipEnd) {
    c.udp++;
    c.portSum += ((b[l4] << 8) | b[l4 + 1]) + ((b[l4 + 2] << 8) | b[l4 + 3]);
    c.payloadBytes += ipEnd - l4 - 8;
  }
}

/** Reads `file` chunk by chunk; `parse` consumes whole records from buf[pos, end) and returns where it stopped. */
function chunks(file: string, first: Buffer, parse: (buf: Buffer, pos: number, end: number) => number): void {
  const fd = fs.openSync(file, 'r');
  let buf = first;
  let end = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, end, buf.length - end, null);
      end += n;
      const pos = parse(buf, 0, end);
      if (n === 0) break;
      // Keep the partial record at the front; grow only for a record larger than a chunk.
      buf.copy(buf, 0, pos, end);
      end -= pos;
      if (end === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, end);
        buf = grown;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Walks every record of `file`; `buf` (64 MiB unless given) is the chunk it reads into. */
export function walk(file: string, buf: Buffer = Buffer.allocUnsafe(CHUNK)): WalkCounts {
  const c: WalkCounts = { packets: 0, bytes: 0, ipv4: 0, ipv6: 0, tcp: 0, udp: 0, payloadBytes: 0, portSum: 0 };
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  const magic = head.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) {
    walkPcapng(file, buf, c);
    return c;
  }
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`${file}: not a pcap or pcapng file`);
  let headerDone = false;
  let linkType = 1;
  chunks(file, buf, (b, pos, end) => {
    if (!headerDone) {
      if (end - pos < 24) return pos;
      linkType = le ? b.readUInt32LE(pos + 20) : b.readUInt32BE(pos + 20);
      pos += 24;
      headerDone = true;
    }
    while (pos + 16 <= end) {
      const cap = le ? b[pos + 8] | (b[pos + 9] << 8) | (b[pos + 10] << 16) | (b[pos + 11] << 24) : (b[pos + 8] << 24) | (b[pos + 9] << 16) | (b[pos + 10] << 8) | b[pos + 11];
      if (pos + 16 + cap > end) break;
      c.packets++;
      c.bytes += cap;
      if (linkType === 1) frame(b, pos + 16, cap, c);
      pos += 16 + cap;
    }
    return pos;
  });
  return c;
}

function walkPcapng(file: string, buf: Buffer, c: WalkCounts): void {
  let le = true;
  const links: number[] = [];
  chunks(file, buf, (b, pos, end) => {
    while (pos + 12 <= end) {
      let type = le ? b.readUInt32LE(pos) : b.readUInt32BE(pos);
      if (type === 0x0a0d0d0a) {
        le = b.readUInt32LE(pos + 8) === 0x1a2b3c4d;
        type = 0x0a0d0d0a;
        links.length = 0;
      }
      const total = le ? b.readUInt32LE(pos + 4) : b.readUInt32BE(pos + 4);
      if (total < 12) throw new Error(`${file}: bad pcapng block length ${total}`);
      if (pos + total > end) break;
      const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
      if (type === 1) links.push(le ? b.readUInt16LE(pos + 8) : b.readUInt16BE(pos + 8));
      else if (type === 6) {
        const cap = u32(pos + 20);
        c.packets++;
        c.bytes += cap;
        if (links[u32(pos + 8)] === 1) frame(b, pos + 28, cap, c);
      } else if (type === 3) {
        const cap = Math.min(u32(pos + 8), total - 16);
        c.packets++;
        c.bytes += cap;
        if (links[0] === 1) frame(b, pos + 12, cap, c);
      }
      pos += total;
    }
    return pos;
  });
}

if (require.main === module) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: node dist/bench/baseline.js FILE');
    process.exit(2);
  }
  // Zero-filled, so its pages are mapped before the clock starts, like Node's own start-up.
  const buf = Buffer.alloc(CHUNK);
  const before = process.cpuUsage();
  const counts = walk(file, buf);
  const used = process.cpuUsage(before);
  // The walk's own CPU time, without Node's start-up: what the quick run compares on small captures.
  process.stdout.write(`${JSON.stringify({ ...counts, cpuS: (used.user + used.system) / 1e6 })}\n`);
}
