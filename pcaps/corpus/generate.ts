/**
 * Builds a broad corpus of capture files for robustness runs, the way a new
 * user's folder of captures from other projects looks: both pcap byte orders
 * and time resolutions, pcap 2.2/2.4, snap-length cuts, pcapng with several
 * sections, interfaces, time resolutions and block kinds, gzip, unordered
 * times, zero-length records, a dozen link types and tunnels, ordinary traffic
 * of many kinds, damaged files, and a few planted mining sessions so a scan of
 * the corpus is known not to be blind.
 *
 *   node dist/pcaps/corpus/generate.js [DIR] [--seed N]
 *
 * Same seed, same bytes. Writes DIR/.manifest.json describing what each file
 * must give (hidden, so a folder scan does not trip over it).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writePcap, writePcapng, type PcapngInterface, type PcapngSection, type Record } from '../../src/capture/writer';
import { ether, ethertypeOf, ipv4, udp } from '../../test/support/craft';
import { ciscoHdlc, erspan2, erspan3, gre, loopback, mpls, ppp, pppProtocolOf, pppoe, sll, sll2, vxlan } from '../../test/support/craft-links';
import { rng } from '../../test/support/craft-protocols';
import { MINER, MINER6, ORDINARY_SESSIONS, int, miningSession, pick, portScan, withExtensions, type Rand } from './traffic';

export type CorpusKind = 'ordinary' | 'damaged' | 'mining' | 'not-capture';

export interface CorpusFile {
  /** Path relative to the corpus folder. */
  name: string;
  kind: CorpusKind;
  note: string;
  /** Records a reader must deliver: all of them, or those before the damage. Absent when not predictable (random bytes). */
  packets?: number;
  /** Damaged: file offset (in decompressed data for gzip) of the record or block where reading must stop with a warning. */
  warningOffset?: number;
  /** Damaged, unpredictable: the warning must name one of these offsets (record boundaries), with `packets` = its index. */
  warningAtBoundary?: number[];
  /** Damaged, random: a warning somewhere at or after this offset, or a format error. */
  warningFrom?: number;
  /** Not a capture at all (or no usable header): the reader throws CaptureFormatError. */
  formatError?: boolean;
  /** Mining: the one finding the file must give. */
  finding?: { host: string; pool: string; poolPort: number };
}

// ---------------------------------------------------------------- link layers and tunnels

interface Link {
  name: string;
  linkType: number;
  wrap: (ipPacket: Buffer, r: Rand) => Buffer;
  v4only?: boolean;
  v6only?: boolean;
}

/** Ethernet as NICs deliver it: frames under 60 bytes padded with zeros. */
function eth(payload: Buffer, type = ethertypeOf(payload), vlans: number[] = []): Buffer {
  const f = ether(payload, type, vlans);
  return f.length >= 60 ? f : Buffer.concat([f, Buffer.alloc(60 - f.length)]);
}

const OUTER_A = '172.16.0.1';
const OUTER_B = '172.16.0.2';

function outer(proto: number, payload: Buffer): Buffer {
  return eth(ipv4(OUTER_A, OUTER_B, proto, payload));
}

/** Family numbers of BSD loopback headers: AF_INET is 2 everywhere, AF_INET6 is 24, 28 or 30 depending on the OS. */
function family(p: Buffer, r: Rand): number {
  return p[0] >> 4 === 6 ? pick(r, [24, 28, 30]) : 2;
}

const LINKS: Link[] = [
  { name: 'eth', linkType: 1, wrap: (p) => eth(p) },
  { name: 'vlan', linkType: 1, wrap: (p) => eth(p, ethertypeOf(p), [100]) },
  { name: 'qinq', linkType: 1, wrap: (p) => eth(p, ethertypeOf(p), [200, 100]) },
  { name: 'mpls', linkType: 1, wrap: (p) => eth(mpls(p, [16, 1001]), 0x8847) },
  { name: 'pppoe', linkType: 1, wrap: (p) => eth(pppoe(p), 0x8864) },
  { name: 'gre', linkType: 1, wrap: (p) => outer(47, gre(p, ethertypeOf(p), { key: 7 })) },
  { name: 'erspan2', linkType: 1, wrap: (p) => outer(47, erspan2(eth(p), 3, 10)) },
  { name: 'erspan3', linkType: 1, wrap: (p, r) => outer(47, erspan3(eth(p), { platform: r() < 0.5 })) },
  { name: 'vxlan', linkType: 1, wrap: (p) => outer(17, udp(OUTER_A, OUTER_B, 49999, 4789, vxlan(eth(p), 5001))) },
  { name: 'ip-in-ip', linkType: 1, wrap: (p) => outer(p[0] >> 4 === 6 ? 41 : 4, p) },
  // FCS present: upper bits of the link-type field say so, and each frame carries 4 more bytes.
  { name: 'eth-fcs', linkType: 0x14000001, wrap: (p) => Buffer.concat([eth(p), Buffer.from([0xde, 0xad, 0xbe, 0xef])]) },
  { name: 'sll', linkType: 113, wrap: (p, r) => sll(p, ethertypeOf(p), pick(r, [0, 4])) },
  { name: 'sll2', linkType: 276, wrap: (p, r) => sll2(p, ethertypeOf(p), int(r, 1, 9), pick(r, [0, 4])) },
  { name: 'raw', linkType: 101, wrap: (p) => p },
  { name: 'raw12', linkType: 12, wrap: (p) => p },
  { name: 'raw14', linkType: 14, wrap: (p) => p },
  { name: 'ipv4', linkType: 228, wrap: (p) => p, v4only: true },
  { name: 'ipv6', linkType: 229, wrap: (p) => p, v6only: true },
  { name: 'null-le', linkType: 0, wrap: (p, r) => loopback(p, family(p, r), false) },
  { name: 'null-be', linkType: 0, wrap: (p, r) => loopback(p, family(p, r), true) },
  { name: 'loop', linkType: 108, wrap: (p, r) => loopback(p, family(p, r), true) },
  { name: 'ppp', linkType: 9, wrap: (p, r) => ppp(p, pppProtocolOf(p), { hdlc: r() < 0.5 }) },
  { name: 'ppp-hdlc', linkType: 50, wrap: (p) => ppp(p, pppProtocolOf(p), { hdlc: true }) },
  { name: 'chdlc', linkType: 104, wrap: (p) => ciscoHdlc(p, ethertypeOf(p)) },
  // Link types poolwatch does not decode: read past, never misread.
  { name: 'user0', linkType: 147, wrap: (p) => eth(p) },
  { name: 'radiotap', linkType: 127, wrap: (p) => Buffer.concat([Buffer.from([0, 0, 8, 0, 0, 0, 0, 0]), eth(p)]) },
  { name: 'unknown-65000', linkType: 65000, wrap: (p) => p },
];

// ---------------------------------------------------------------- containers

type Container =
  | 'pcap-le'
  | 'pcap-be'
  | 'pcap-ns-le'
  | 'pcap-ns-be'
  | 'pcap-2.2'
  | 'pcap-snap'
  | 'pcapng-le'
  | 'pcapng-be'
  | 'pcapng-ns'
  | 'pcapng-pow2'
  | 'pcapng-ms'
  | 'pcapng-spb'
  | 'pcapng-pb'
  | 'pcapng-sections'
  | 'pcapng-ifaces'
  | 'pcapng-blocks'
  | 'pcapng-options'
  | 'pcapng-late-idb';

const CONTAINERS: Container[] = [
  'pcap-le',
  'pcap-be',
  'pcap-ns-le',
  'pcap-ns-be',
  'pcap-2.2',
  'pcap-snap',
  'pcapng-le',
  'pcapng-be',
  'pcapng-ns',
  'pcapng-pow2',
  'pcapng-ms',
  'pcapng-spb',
  'pcapng-pb',
  'pcapng-sections',
  'pcapng-ifaces',
  'pcapng-blocks',
  'pcapng-options',
  'pcapng-late-idb',
];

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A raw pcapng block in either byte order (for blocks the project's writer does not make). */
function rawBlock(type: number, body: Buffer, be: boolean): Buffer {
  const total = 12 + pad4(body.length);
  const b = Buffer.alloc(total);
  const w = (v: number, o: number): number => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  w(type, 0);
  w(total, 4);
  body.copy(b, 8);
  w(total, total - 4);
  return b;
}

function u32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0);
  else b.writeUInt32LE(v >>> 0);
  return b;
}

function u16(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v);
  else b.writeUInt16LE(v);
  return b;
}

/** Blocks real files carry besides packets: name resolution, statistics, decryption secrets, custom, journal, unknown. */
function otherBlocks(be: boolean): Array<{ type: number; body: Buffer }> {
  const nrbName = Buffer.from('www.coindesk.com\0');
  const nrb = Buffer.concat([u16(1, be), u16(4 + nrbName.length, be), Buffer.from([198, 18, 0, 1]), nrbName, Buffer.alloc(pad4(4 + nrbName.length) - 4 - nrbName.length), u16(0, be), u16(0, be)]);
  const isb = Buffer.concat([u32(0, be), u32(0x5f5e1, be), u32(0x12345678, be), u16(4, be), u16(8, be), Buffer.alloc(8, 1), u16(0, be), u16(0, be)]);
  const keylog = Buffer.from('CLIENT_RANDOM 1111111111111111111111111111111111111111111111111111111111111111 ' + 'ab'.repeat(48) + '\n');
  const dsb = Buffer.concat([u32(0x544c534b, be), u32(keylog.length, be), keylog]);
  const custom = Buffer.concat([u32(32473, be), Buffer.from('pool party custom data')]);
  return [
    { type: 4, body: nrb },
    { type: 0x0a, body: dsb },
    { type: 0x00000bad, body: custom },
    { type: 0x40000bad, body: custom },
    { type: 9, body: Buffer.from('__CURSOR=s=1;i=2\nMESSAGE=hello\n\n') },
    { type: 0x7ead0001, body: Buffer.alloc(20, 0x55) },
    { type: 5, body: isb },
  ];
}

interface RawBlock {
  type: number;
  /** Where the block starts in the file. */
  offset: number;
  bytes: Buffer;
  be: boolean;
}

/** Splits pcapng bytes into blocks, each with the byte order of its section. */
function blocks(b: Buffer): RawBlock[] {
  const out: RawBlock[] = [];
  let be = false;
  let o = 0;
  while (o + 12 <= b.length) {
    if (b.readUInt32LE(o) === 0x0a0d0d0a) be = b.readUInt32BE(o + 8) === 0x1a2b3c4d;
    const type = be ? b.readUInt32BE(o) : b.readUInt32LE(o);
    const len = be ? b.readUInt32BE(o + 4) : b.readUInt32LE(o + 4);
    out.push({ type, offset: o, bytes: b.subarray(o, o + len), be });
    o += len;
  }
  return out;
}

function opt(code: number, value: Buffer, be: boolean): Buffer {
  return Buffer.concat([u16(code, be), u16(value.length, be), value, Buffer.alloc(pad4(value.length) - value.length)]);
}

function i64(v: bigint, be: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (be) b.writeBigInt64BE(v);
  else b.writeBigInt64LE(v);
  return b;
}

/** Splits an options area into [code, value] pairs (up to opt_endofopt). */
function parseOptions(b: Buffer, be: boolean): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let o = 0;
  while (o + 4 <= b.length) {
    const code = be ? b.readUInt16BE(o) : b.readUInt16LE(o);
    const len = be ? b.readUInt16BE(o + 2) : b.readUInt16LE(o + 2);
    if (code === 0) break;
    out.push([code, b.subarray(o + 4, o + 4 + len)]);
    o += 4 + pad4(len);
  }
  return out;
}

/**
 * Gives every block the options real tools write (and a few they rarely do):
 * SHB hardware/OS/application and a real section length, IDB description,
 * filter, OS, FCS length, if_tsoffset, custom and unknown options, EPB flags,
 * hash, drop count, packet id, verdict and comments.
 * Returns the rewritten bytes and the if_tsoffset given to each interface, per section.
 */
function decorate(b: Buffer, r: Rand, tsOffset: bigint): Buffer {
  const out: Buffer[] = [];
  let sectionStart = -1;
  let length = 0;
  const fix = (): void => {
    // A real section length in the SHB that opened the section (bytes after the SHB).
    if (sectionStart < 0) return;
    const shb = out[sectionStart];
    const be = shb.readUInt32BE(8) === 0x1a2b3c4d;
    const sectionLength = BigInt(length - shb.length);
    if (be) shb.writeBigInt64BE(sectionLength, 16);
    else shb.writeBigInt64LE(sectionLength, 16);
  };
  for (const blk of blocks(b)) {
    const be = blk.be;
    const body = blk.bytes.subarray(8, blk.bytes.length - 4);
    let rebuilt: Buffer;
    if (blk.type === 0x0a0d0d0a) {
      fix();
      const opts = [opt(2, Buffer.from('Intel(R) Xeon(R) CPU E5-2680 v4'), be), opt(3, Buffer.from('Linux 6.1.0-18-amd64'), be), opt(4, Buffer.from('Dumpcap (Wireshark) 4.0.17'), be), opt(1, Buffer.from('pool pump controller uplink, coin-op laundry VLAN'), be), opt(0, Buffer.alloc(0), be)];
      rebuilt = rawBlock(blk.type, Buffer.concat([body.subarray(0, 16), ...opts]), be);
      sectionStart = out.length;
      length = 0;
    } else if (blk.type === 1) {
      const kept = parseOptions(body.subarray(8), be).filter(([code]) => code === 2 || code === 9);
      const opts = [
        ...kept.map(([code, v]) => opt(code, v, be)),
        opt(3, Buffer.from('Uplink to the pool house'), be),
        opt(11, Buffer.concat([Buffer.from([0]), Buffer.from('not port 22')]), be),
        opt(12, Buffer.from('Linux 6.1.0-18-amd64'), be),
        opt(13, Buffer.from([0]), be),
        opt(14, i64(tsOffset, be), be),
        opt(15, Buffer.from('Intel Corporation I350 Gigabit'), be),
        opt(2988, Buffer.concat([u32(32473, be), Buffer.from('custom string')]), be),
        opt(0x7123, Buffer.alloc(int(r, 0, 9), 0x42), be),
        opt(0, Buffer.alloc(0), be),
      ];
      rebuilt = rawBlock(1, Buffer.concat([body.subarray(0, 8), ...opts]), be);
    } else if (blk.type === 6) {
      const capLength = be ? body.readUInt32BE(12) : body.readUInt32LE(12);
      const head = body.subarray(0, 20 + pad4(capLength));
      const opts = [opt(2, u32(r() < 0.5 ? 1 : 2, be), be), opt(3, Buffer.concat([Buffer.from([2]), Buffer.alloc(4, 0x5a)]), be), opt(4, i64(BigInt(int(r, 0, 3)), be), be), opt(5, i64(BigInt(int(r, 1, 1e6)), be), be), opt(7, Buffer.from([0, 1]), be)];
      if (r() < 0.3) opts.push(opt(1, Buffer.from('retransmission? ask the pool guy'), be));
      opts.push(opt(0, Buffer.alloc(0), be));
      rebuilt = rawBlock(6, Buffer.concat([head, ...opts]), be);
    } else {
      rebuilt = Buffer.from(blk.bytes);
    }
    out.push(rebuilt);
    length += rebuilt.length;
  }
  fix();
  return Buffer.concat(out);
}

/** Moves every interface after the first to just before the first packet that uses it (the spec allows IDBs anywhere in a section). */
function lateInterfaces(b: Buffer): Buffer {
  const list = blocks(b);
  const idbs = list.filter((x) => x.type === 1);
  const rest = list.filter((x) => x.type !== 1 || x === idbs[0]);
  const out: RawBlock[] = [];
  let declared = 1;
  for (const blk of rest) {
    if (blk.type === 6) {
      const ifId = blk.be ? blk.bytes.readUInt32BE(8) : blk.bytes.readUInt32LE(8);
      // Interfaces are numbered in order of their IDBs, so declare them in order up to the one needed.
      while (declared <= ifId) out.push(idbs[declared++]);
    }
    out.push(blk);
  }
  while (declared < idbs.length) out.push(idbs[declared++]);
  return Buffer.concat(out.map((x) => x.bytes));
}

interface Frames {
  /** Frames per link (pcapng interfaces); classic pcap gets one. */
  links: Link[];
  records: Array<Record & { interfaceId: number }>;
}

interface Built {
  bytes: Buffer;
  packets: number;
  /** File offsets of each record or packet block, then the end of the file. */
  boundaries: number[];
}

function pcapBoundaries(records: Record[]): number[] {
  const out: number[] = [];
  let o = 24;
  for (const r of records) {
    out.push(o);
    o += 16 + r.data.length;
  }
  out.push(o);
  return out;
}

/** Offsets of the packet blocks (types 2, 3, 6) in pcapng bytes, then the end. */
export function pcapngBoundaries(b: Buffer): number[] {
  const packets = blocks(b).filter((blk) => blk.type === 2 || blk.type === 3 || blk.type === 6);
  return [...packets.map((blk) => blk.offset), b.length];
}

function build(container: Container, f: Frames, r: Rand, keepWhole = false): Built {
  const recs = f.records;
  if (container.startsWith('pcap-')) {
    const link = f.links[0];
    let records: Record[] = recs;
    let snapLength: number | undefined;
    if (container === 'pcap-snap' || (container === 'pcap-2.2' && !keepWhole && r() < 0.5)) {
      snapLength = pick(r, [64, 68, 96, 128, 200, 1514]);
      records = recs.map((x) => (x.data.length > snapLength! ? { tsNs: x.tsNs, data: x.data.subarray(0, snapLength), origLength: x.origLength ?? x.data.length } : x));
    }
    const bytes = writePcap(records, {
      linkType: link.linkType,
      nanos: container.includes('-ns-'),
      bigEndian: container.endsWith('-be'),
      versionMinor: container === 'pcap-2.2' ? 2 : 4,
      snapLength,
    });
    // (For 2.2 the writer puts the wire length first, as files before 2.3 did.)
    return { bytes, packets: records.length, boundaries: pcapBoundaries(records) };
  }
  const be = container === 'pcapng-be' || (container !== 'pcapng-le' && r() < 0.3);
  const ifaces = (tsresol: number | undefined): PcapngInterface[] => f.links.map((l, i) => ({ linkType: l.linkType & 0xffff, tsresol, name: i === 0 ? 'eth0' : `if${i}`, snapLength: 262144 }));
  let sections: PcapngSection[];
  let tail: Buffer = Buffer.alloc(0);
  switch (container) {
    case 'pcapng-ns':
      sections = [{ interfaces: ifaces(9), records: recs, bigEndian: be }];
      break;
    case 'pcapng-pow2':
      sections = [{ interfaces: ifaces(0x80 | pick(r, [20, 24, 30, 32])), records: recs, bigEndian: be }];
      break;
    case 'pcapng-ms':
      sections = [{ interfaces: ifaces(3), records: recs, bigEndian: be }];
      break;
    case 'pcapng-spb':
      sections = [{ interfaces: ifaces(undefined).slice(0, 1), records: recs.map((x) => ({ ...x, interfaceId: 0 })), bigEndian: be, simple: true }];
      break;
    case 'pcapng-pb':
      sections = [{ interfaces: ifaces(undefined), records: recs, bigEndian: be, obsolete: true }];
      break;
    case 'pcapng-sections': {
      // Each section renumbers interfaces and may switch byte order.
      const cut1 = Math.floor(recs.length / 3);
      const cut2 = Math.floor((2 * recs.length) / 3);
      sections = [recs.slice(0, cut1), recs.slice(cut1, cut2), recs.slice(cut2)].map((part, i) => ({
        interfaces: i === 1 ? [...ifaces(9)].reverse() : ifaces(i === 2 ? 0x80 | 20 : undefined),
        records: i === 1 ? part.map((x) => ({ ...x, interfaceId: f.links.length - 1 - x.interfaceId })) : part,
        bigEndian: i === 1 ? !be : be,
        extraBlocks: i === 2 ? otherBlocks(be) : undefined,
      }));
      break;
    }
    case 'pcapng-ifaces':
      sections = [{ interfaces: f.links.map((l, i) => ({ linkType: l.linkType & 0xffff, tsresol: [6, 9, 0x80 | 16, 5][i % 4], name: `if${i}` })), records: recs, bigEndian: be }];
      break;
    case 'pcapng-blocks':
      sections = [{ interfaces: ifaces(6), records: recs, bigEndian: be, extraBlocks: otherBlocks(be) }];
      tail = Buffer.concat(otherBlocks(be).map((x) => rawBlock(x.type, x.body, be)));
      break;
    case 'pcapng-options':
    case 'pcapng-late-idb':
      sections = [{ interfaces: ifaces(pick(r, [undefined, 9, 0x80 | 20])), records: recs, bigEndian: be }];
      break;
    default:
      sections = [{ interfaces: ifaces(undefined), records: recs, bigEndian: be }];
  }
  let bytes: Buffer = Buffer.concat([writePcapng(sections), tail]);
  if (container === 'pcapng-options') bytes = decorate(bytes, r, BigInt(pick(r, [0, 3600, -86400, 1_000_000])));
  if (container === 'pcapng-late-idb') bytes = lateInterfaces(bytes);
  return { bytes, packets: recs.length, boundaries: pcapngBoundaries(bytes) };
}

// ---------------------------------------------------------------- traffic into records

const BASE_MS = Date.UTC(2025, 5, 1, 8, 0, 0);

function compatible(link: Link, v6: boolean): boolean {
  return !(link.v4only && v6) && !(link.v6only && !v6);
}

interface Mix {
  /** Session names included. */
  sessions: string[];
  frames: Frames;
}

/**
 * Ordinary sessions spread over the links of a file (one link for classic
 * pcap), merged in time order. `must` names a session that has to be in the mix.
 */
function ordinaryMix(r: Rand, links: Link[], t0: number, must: number, count: number): Mix {
  const chosen = [must];
  for (let i = 1; i < count; i++) chosen.push(int(r, 0, ORDINARY_SESSIONS.length - 1));
  const records: Array<Record & { interfaceId: number }> = [];
  const names: string[] = [];
  for (const idx of chosen) {
    const [name, session] = ORDINARY_SESSIONS[idx];
    const ifId = int(r, 0, links.length - 1);
    const link = links[ifId];
    let v6 = r() < 0.3;
    if (!compatible(link, v6)) v6 = !v6;
    const frames = session(r, t0 + int(r, 0, 20_000), v6);
    names.push(name + (v6 ? '/v6' : ''));
    for (const fr of frames) {
      // IPv6 packets sometimes carry extension headers before the transport.
      const p = fr.data[0] >> 4 === 6 && r() < 0.2 ? withExtensions(fr.data) : fr.data;
      records.push({ tsNs: fr.tsNs, data: link.wrap(p, r), interfaceId: ifId });
    }
  }
  records.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
  return { sessions: names, frames: { links, records } };
}

/** Captures glued together out of order (mergecap -a of files in the wrong order) plus local swaps. */
function unorder(r: Rand, records: Record[]): void {
  const half = Math.floor(records.length / 2);
  const moved = records.splice(half);
  records.unshift(...moved);
  for (let k = 0; k < 5 && records.length > 2; k++) {
    const i = int(r, 0, records.length - 2);
    const t = records[i].tsNs;
    records[i].tsNs = records[i + 1].tsNs;
    records[i + 1].tsNs = t + 1_000_000_000n * BigInt(int(r, -3, 3));
    if (records[i + 1].tsNs < 0n) records[i + 1].tsNs = 0n;
  }
}

/** Records with nothing captured (and a few cut inside the link header), as some drivers and filters produce. */
function addEmpty(r: Rand, records: Array<Record & { interfaceId: number }>): void {
  for (let k = 0; k < int(r, 1, 4); k++) {
    const i = int(r, 0, records.length);
    const near = records[Math.min(i, records.length - 1)];
    const src = near?.data ?? Buffer.alloc(0);
    const len = pick(r, [0, 0, 1, 3, 13]);
    records.splice(i, 0, { tsNs: near?.tsNs ?? 0n, data: Buffer.from(src.subarray(0, Math.min(len, src.length))), origLength: int(r, 60, 1514), interfaceId: near?.interfaceId ?? 0 });
  }
}

/** Bit errors inside packet bytes (not the capture framing), as editcap -E makes. */
function corrupt(r: Rand, records: Record[]): void {
  for (let k = 0; k < int(r, 3, 12); k++) {
    const rec = records[int(r, 0, records.length - 1)];
    if (rec.data.length === 0) continue;
    const data = Buffer.from(rec.data);
    data[int(r, 0, data.length - 1)] ^= 1 << int(r, 0, 7);
    rec.data = data;
  }
}

// ---------------------------------------------------------------- damaged files

interface Plain {
  bytes: Buffer;
  boundaries: number[];
  pcapng: boolean;
}

function damaged(r: Rand, base: Plain, i: number): { bytes: Buffer; entry: Omit<CorpusFile, 'name' | 'kind'> } {
  const b = base.bytes;
  const bounds = base.boundaries;
  const nRec = bounds.length - 1;
  const k = int(r, 1, nRec - 1); // a record in the middle
  const at = bounds[k];
  // End of record k itself (in pcapng another section's header blocks may follow it).
  const next = base.pcapng ? at + (pcapngIsBigEndianAt(b, at) ? b.readUInt32BE(at + 4) : b.readUInt32LE(at + 4)) : bounds[k + 1];
  const fmt = base.pcapng ? 'pcapng' : 'pcap';
  switch (i % 10) {
    case 0: {
      const cut = int(r, at + 1, next - 1);
      return { bytes: b.subarray(0, cut), entry: { note: `${fmt} cut inside record ${k}`, packets: k, warningOffset: at } };
    }
    case 1: {
      const cut = at + int(r, 1, base.pcapng ? 11 : 15);
      return { bytes: b.subarray(0, cut), entry: { note: `${fmt} cut inside the header of record ${k}`, packets: k, warningOffset: at } };
    }
    case 2: {
      const cut = int(r, 1, base.pcapng ? 27 : 23);
      return { bytes: b.subarray(0, cut), entry: { note: `${fmt} cut inside the file header`, formatError: true } };
    }
    case 3: {
      // Garbage after the last record whose first length field is absurd.
      const g = Buffer.alloc(int(r, 16, 300));
      for (let j = 0; j < g.length; j++) g[j] = int(r, 0, 255);
      g.fill(0xff, 4, 12);
      return { bytes: Buffer.concat([b, g]), entry: { note: `${fmt} with garbage after the last record`, packets: nRec, warningOffset: b.length } };
    }
    case 4: {
      const g = Buffer.alloc(int(r, 1, 3000));
      for (let j = 0; j < g.length; j++) g[j] = int(r, 0, 255);
      return { bytes: Buffer.concat([b, g]), entry: { note: `${fmt} with random bytes after the last record`, warningFrom: b.length } };
    }
    case 5: {
      const c = Buffer.from(b);
      if (base.pcapng) {
        const be = pcapngIsBigEndianAt(c, at);
        if (be) c.writeUInt32BE(0xfffffff0, at + 4);
        else c.writeUInt32LE(0xfffffff0, at + 4);
      } else {
        const be = c.readUInt32BE(0) === 0xa1b2c3d4 || c.readUInt32BE(0) === 0xa1b23c4d;
        if (be) c.writeUInt32BE(0x7ffffff0, at + 8);
        else c.writeUInt32LE(0x7ffffff0, at + 8);
      }
      return { bytes: c, entry: { note: `${fmt} record ${k} with an absurd length`, packets: k, warningOffset: at } };
    }
    case 6: {
      // A valid file header, then noise.
      const head = base.pcapng ? bounds[0] : 24;
      const g = Buffer.alloc(int(r, 100, 4000));
      for (let j = 0; j < g.length; j++) g[j] = int(r, 0, 255);
      return { bytes: Buffer.concat([b.subarray(0, head), g]), entry: { note: `${fmt} header then random bytes`, warningFrom: head } };
    }
    case 7: {
      // Only the magic is right.
      const g = Buffer.alloc(int(r, 30, 3000));
      for (let j = 0; j < g.length; j++) g[j] = int(r, 0, 255);
      b.copy(g, 0, 0, 4);
      return { bytes: g, entry: { note: `${fmt} magic then random bytes`, warningFrom: 0 } };
    }
    case 8: {
      // A gzip file cut short: how much inflates before the cut is up to zlib, but it must end on a record boundary.
      const z = gzipSync(b);
      return { bytes: z.subarray(0, int(r, Math.floor(z.length / 3), z.length - 1)), entry: { note: `gzip of ${fmt} cut short`, warningAtBoundary: bounds } };
    }
    default: {
      // Record flagged longer than its block / record length lie in the middle (pcapng trailer mismatch, pcap caplen past snaplen).
      const c = Buffer.from(b);
      if (base.pcapng) {
        const be = pcapngIsBigEndianAt(c, at);
        const len = be ? c.readUInt32BE(at + 4) : c.readUInt32LE(at + 4);
        if (be) c.writeUInt32BE(len + 4, at + len - 4);
        else c.writeUInt32LE(len + 4, at + len - 4);
        return { bytes: c, entry: { note: `pcapng block ${k} whose trailing length disagrees`, packets: k, warningOffset: at } };
      }
      return damaged(r, base, 0);
    }
  }
}

function pcapngIsBigEndianAt(b: Buffer, offset: number): boolean {
  let be = false;
  let o = 0;
  while (o < offset) {
    if (b.readUInt32LE(o) === 0x0a0d0d0a) be = b.readUInt32BE(o + 8) === 0x1a2b3c4d;
    o += be ? b.readUInt32BE(o + 4) : b.readUInt32LE(o + 4);
  }
  return be;
}

// ---------------------------------------------------------------- the corpus

export interface CorpusOptions {
  seed?: number;
  /** Ordinary files (default 240). */
  ordinary?: number;
  /** Damaged files (default 40). */
  damaged?: number;
}

/** Writes the corpus into `dir` (created if missing) and returns what each file must give. */
export function generateCorpus(dir: string, o: CorpusOptions = {}): CorpusFile[] {
  const seed = o.seed ?? 1;
  const nOrdinary = o.ordinary ?? 240;
  const nDamaged = o.damaged ?? 40;
  const files: CorpusFile[] = [];
  for (const sub of ['ordinary', 'damaged', 'mining']) mkdirSync(join(dir, sub), { recursive: true });
  const put = (name: string, bytes: Buffer, entry: Omit<CorpusFile, 'name'>): void => {
    writeFileSync(join(dir, name), bytes);
    files.push({ name, ...entry });
  };

  for (let i = 0; i < nOrdinary; i++) {
    const r = rng(seed * 1_000_003 + i);
    const container = CONTAINERS[i % CONTAINERS.length];
    // Walk the links at a different stride from the containers so the pairs vary.
    const link = LINKS[(i * 7 + Math.floor(i / CONTAINERS.length)) % LINKS.length];
    const many = container === 'pcapng-ifaces' || container === 'pcapng-late-idb' || (container.startsWith('pcapng') && container !== 'pcapng-spb' && r() < 0.3);
    const links = many ? [link, pick(r, LINKS), pick(r, LINKS)] : [link];
    const mix = ordinaryMix(r, links, BASE_MS + i * 3_600_000, i % ORDINARY_SESSIONS.length, int(r, 2, 6));
    const mods: string[] = [];
    if (r() < 0.2) {
      unorder(r, mix.frames.records);
      mods.push('unordered');
    }
    if (container !== 'pcapng-spb' && r() < 0.15) {
      addEmpty(r, mix.frames.records);
      mods.push('empty-records');
    }
    if (r() < 0.1) {
      corrupt(r, mix.frames.records);
      mods.push('bit-errors');
    }
    const built = build(container, mix.frames, r);
    const gz = r() < 0.12;
    const ext = container.startsWith('pcapng') ? 'pcapng' : 'pcap';
    const name = `ordinary/${String(i).padStart(3, '0')}-${container}-${links.map((l) => l.name).join('+')}.${ext}${gz ? '.gz' : ''}`;
    put(name, gz ? gzipSync(built.bytes) : built.bytes, {
      kind: 'ordinary',
      note: `${mix.sessions.join(', ')}${mods.length ? ` [${mods.join(', ')}]` : ''}`,
      packets: built.packets,
    });
  }

  for (let i = 0; i < nDamaged; i++) {
    const r = rng(seed * 7_000_003 + i);
    const pcapng = i % 20 >= 10;
    const container: Container = pcapng ? pick(r, ['pcapng-le', 'pcapng-be', 'pcapng-sections', 'pcapng-blocks', 'pcapng-ns'] as const) : pick(r, ['pcap-le', 'pcap-be', 'pcap-ns-le', 'pcap-ns-be'] as const);
    const link = pick(r, LINKS.slice(0, 14));
    const mix = ordinaryMix(r, [link], BASE_MS + i * 60_000, int(r, 0, ORDINARY_SESSIONS.length - 1), int(r, 2, 4));
    const built = build(container, mix.frames, r);
    const d = damaged(r, { bytes: built.bytes, boundaries: built.boundaries, pcapng }, i);
    const gz = d.entry.warningAtBoundary !== undefined;
    put(`damaged/${String(i).padStart(3, '0')}-${container}-${link.name}.${pcapng ? 'pcapng' : 'pcap'}${gz ? '.gz' : ''}`, d.bytes, { kind: 'damaged', ...d.entry });
  }
  put('damaged/empty.pcap', Buffer.alloc(0), { kind: 'damaged', note: 'an empty file', formatError: true });
  // A capture whose file was preallocated or zero-filled after a crash: a tail of zero bytes.
  {
    const r = rng(seed * 11_000_003);
    const mix = ordinaryMix(r, [LINKS[0]], BASE_MS, 0, 3);
    const pcap = build('pcap-le', mix.frames, r);
    const zeros = 4096;
    // Zero record headers are valid empty records at time 0: read them all, warn about nothing.
    put('damaged/zero-tail.pcap', Buffer.concat([pcap.bytes, Buffer.alloc(zeros)]), { kind: 'damaged', note: 'pcap with 4 KiB of zeros after the last record', packets: pcap.packets + zeros / 16 });
    const ng = build('pcapng-le', mix.frames, r);
    put('damaged/zero-tail.pcapng', Buffer.concat([ng.bytes, Buffer.alloc(zeros)]), { kind: 'damaged', note: 'pcapng with 4 KiB of zeros after the last block', packets: ng.packets, warningOffset: ng.bytes.length });
  }

  // Stress: many tiny flows, a capture spanning days (flows time out between sessions), odd times.
  mkdirSync(join(dir, 'stress'), { recursive: true });
  {
    const r = rng(seed * 13_000_003);
    const scan = portScan(r, BASE_MS, 12_000).map((f) => ({ tsNs: f.tsNs, data: LINKS[0].wrap(f.data, r), interfaceId: 0 }));
    const built = build('pcapng-le', { links: [LINKS[0]], records: scan }, r);
    put('stress/port-scan-12000.pcapng', built.bytes, { kind: 'ordinary', note: 'SYN scan of 12000 ports: 12000 flows', packets: built.packets });

    const days: Array<Record & { interfaceId: number }> = [];
    for (let k = 0; k < 24; k++) days.push(...ordinaryMix(r, [LINKS[12]], BASE_MS + k * 7_200_000, k % ORDINARY_SESSIONS.length, 2).frames.records);
    const long = build('pcap-ns-le', { links: [LINKS[12]], records: days }, r);
    put('stress/two-days-sll2.pcap', long.bytes, { kind: 'ordinary', note: '24 bursts of ordinary traffic two hours apart', packets: long.packets });

    // Times at the edges: the epoch, the last second a 32-bit pcap field holds, and a jump back between them.
    const edge = ordinaryMix(r, [LINKS[0]], BASE_MS, 1, 4).frames.records;
    edge.forEach((x, j) => {
      x.tsNs = j % 3 === 0 ? BigInt(j) * 1000n : j % 3 === 1 ? 4294967295n * 1_000_000_000n + BigInt(j) * 1000n : x.tsNs;
    });
    const e1 = build('pcap-le', { links: [LINKS[0]], records: edge }, r);
    put('stress/edge-times.pcap', e1.bytes, { kind: 'ordinary', note: 'timestamps at 1970, 2106 and 2025 interleaved', packets: e1.packets });
    const e2 = build('pcapng-ns', { links: [LINKS[0]], records: edge }, r);
    put('stress/edge-times.pcapng', e2.bytes, { kind: 'ordinary', note: 'timestamps at 1970, 2106 and 2025 interleaved, ns units', packets: e2.packets });
  }
  put('damaged/notes.txt', Buffer.from('Captures from the pool-pump controller, see ticket 4411.\n'), { kind: 'not-capture', note: 'a text file among the captures', formatError: true });

  // Planted miners in unusual wrappings, each among ordinary traffic: exactly one finding each.
  const plantings: Array<{ container: Container; link: string; v6: boolean; gz?: boolean }> = [
    { container: 'pcap-be', link: 'qinq', v6: false },
    { container: 'pcap-ns-be', link: 'mpls', v6: false },
    { container: 'pcap-2.2', link: 'pppoe', v6: false, gz: true },
    { container: 'pcapng-be', link: 'erspan3', v6: false },
    { container: 'pcapng-sections', link: 'vxlan', v6: false },
    { container: 'pcapng-pow2', link: 'sll2', v6: true },
    { container: 'pcapng-spb', link: 'null-be', v6: false },
    { container: 'pcapng-pb', link: 'loop', v6: true },
    { container: 'pcapng-blocks', link: 'ppp-hdlc', v6: false, gz: true },
    { container: 'pcapng-ifaces', link: 'gre', v6: true },
    { container: 'pcap-ns-le', link: 'ipv6', v6: true },
    { container: 'pcapng-ms', link: 'erspan2', v6: false },
  ];
  plantings.forEach((p, i) => {
    const r = rng(seed * 9_000_011 + i);
    const link = LINKS.find((l) => l.name === p.link) as Link;
    const links = p.container === 'pcapng-ifaces' ? [LINKS[0], link, LINKS[12]] : [link];
    const t0 = BASE_MS + 400 * 86_400_000 + i * 3_600_000;
    const mix = ordinaryMix(r, links, t0, int(r, 0, ORDINARY_SESSIONS.length - 1), 4);
    const ifId = links.indexOf(link);
    for (const fr of miningSession(r, t0 + 5000, p.v6)) {
      const data = p.v6 && r() < 0.5 ? withExtensions(fr.data) : fr.data;
      mix.frames.records.push({ tsNs: fr.tsNs, data: link.wrap(data, r), interfaceId: ifId });
    }
    mix.frames.records.sort((a, b) => (a.tsNs < b.tsNs ? -1 : a.tsNs > b.tsNs ? 1 : 0));
    const built = build(p.container, mix.frames, r, true);
    const ext = p.container.startsWith('pcapng') ? 'pcapng' : 'pcap';
    put(`mining/${String(i).padStart(2, '0')}-${p.container}-${p.link}${p.v6 ? '-v6' : ''}.${ext}${p.gz ? '.gz' : ''}`, p.gz ? gzipSync(built.bytes) : built.bytes, {
      kind: 'mining',
      note: `xmrig stratum login over ${p.link} among ${mix.sessions.join(', ')}`,
      packets: built.packets,
      finding: p.v6 ? MINER6 : MINER,
    });
  });

  writeFileSync(join(dir, '.manifest.json'), JSON.stringify(files, null, 1));
  return files;
}

function main(argv: string[]): void {
  let dir: string | undefined;
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') seed = Number(argv[++i]);
    else dir = argv[i];
  }
  dir ??= mkdtempSync(join(tmpdir(), 'pw-corpus-'));
  const files = generateCorpus(dir, { seed });
  const kinds = new Map<string, number>();
  for (const f of files) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  process.stdout.write(`${dir}: ${files.length} files (${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')})\n`);
}

if (require.main === module) main(process.argv.slice(2));
