/**
 * Writers for classic pcap and pcapng. The project generates its own test
 * captures with these, and `scan --export` (later) writes flagged flows as
 * evidence an analyst can open in Wireshark.
 */

export interface Record {
  /** Capture time in nanoseconds since the epoch (bigint keeps full precision). */
  tsNs: bigint;
  data: Buffer;
  /** Wire length when the record was truncated by a snap length. */
  origLength?: number;
  /** pcapng only: which interface (index into `interfaces`). */
  interfaceId?: number;
}

export interface PcapOptions {
  linkType: number;
  nanos?: boolean;
  bigEndian?: boolean;
  snapLength?: number;
  versionMinor?: number;
}

export function writePcap(records: Record[], opts: PcapOptions): Buffer {
  const be = opts.bigEndian === true;
  const header = Buffer.alloc(24);
  const u32 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  const u16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
  u32(header, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, opts.versionMinor ?? 4, 6);
  u32(header, opts.snapLength ?? 262144, 16);
  u32(header, opts.linkType, 20);
  const parts: Buffer[] = [header];
  const unit = opts.nanos ? 1n : 1000n;
  for (const r of records) {
    const h = Buffer.alloc(16);
    const sec = r.tsNs / 1_000_000_000n;
    const frac = (r.tsNs % 1_000_000_000n) / unit;
    u32(h, Number(sec), 0);
    u32(h, Number(frac), 4);
    // Before version 2.3 the wire length came first (libpcap reads such files that way).
    const swapped = (opts.versionMinor ?? 4) < 3;
    u32(h, swapped ? (r.origLength ?? r.data.length) : r.data.length, 8);
    u32(h, swapped ? r.data.length : (r.origLength ?? r.data.length), 12);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

export interface PcapngInterface {
  linkType: number;
  snapLength?: number;
  /** if_tsresol option byte: 6 = microseconds (the default), 9 = ns, 0x80|n = 2^-n. */
  tsresol?: number;
  name?: string;
}

export interface PcapngSection {
  interfaces: PcapngInterface[];
  records: Record[];
  bigEndian?: boolean;
  /** Write records as Simple Packet Blocks (only valid with one interface). */
  simple?: boolean;
  /** Write records as obsolete Packet Blocks (type 2). */
  obsolete?: boolean;
  /** Extra raw blocks (type, body) inserted after the interfaces, e.g. unknown types to skip. */
  extraBlocks?: Array<{ type: number; body: Buffer }>;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function option(code: number, value: Buffer, be: boolean): Buffer {
  const b = Buffer.alloc(4 + pad4(value.length));
  if (be) {
    b.writeUInt16BE(code, 0);
    b.writeUInt16BE(value.length, 2);
  } else {
    b.writeUInt16LE(code, 0);
    b.writeUInt16LE(value.length, 2);
  }
  value.copy(b, 4);
  return b;
}

function block(type: number, body: Buffer, be: boolean): Buffer {
  const total = 12 + pad4(body.length);
  const b = Buffer.alloc(total);
  const u32 = (v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
  u32(type, 0);
  u32(total, 4);
  body.copy(b, 8);
  u32(total, total - 4);
  return b;
}

/** Units per second for an if_tsresol byte. */
export function tsresolUnits(tsresol: number): bigint {
  return tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
}

export function writePcapng(sections: PcapngSection[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of sections) {
    const be = s.bigEndian === true;
    const u32 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt32BE(v >>> 0, o) : b.writeUInt32LE(v >>> 0, o));
    const u16 = (b: Buffer, v: number, o: number) => (be ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o));
    const shb = Buffer.alloc(16);
    u32(shb, 0x1a2b3c4d, 0);
    u16(shb, 1, 4);
    u16(shb, 0, 6);
    shb.writeInt32LE(-1, 8);
    shb.writeInt32LE(-1, 12);
    parts.push(block(0x0a0d0d0a, shb, be));
    for (const itf of s.interfaces) {
      const fixed = Buffer.alloc(8);
      u16(fixed, itf.linkType, 0);
      u32(fixed, itf.snapLength ?? 0, 4);
      const opts: Buffer[] = [fixed];
      if (itf.name) opts.push(option(2, Buffer.from(itf.name), be));
      if (itf.tsresol !== undefined) opts.push(option(9, Buffer.from([itf.tsresol]), be));
      if (opts.length > 1) opts.push(option(0, Buffer.alloc(0), be));
      parts.push(block(1, Buffer.concat(opts), be));
    }
    for (const extra of s.extraBlocks ?? []) parts.push(block(extra.type, extra.body, be));
    for (const r of s.records) {
      const ifId = r.interfaceId ?? 0;
      if (s.simple) {
        const body = Buffer.alloc(4 + pad4(r.data.length));
        u32(body, r.origLength ?? r.data.length, 0);
        r.data.copy(body, 4);
        parts.push(block(3, body, be));
        continue;
      }
      const units = tsresolUnits(s.interfaces[ifId]?.tsresol ?? 6);
      const ts = (r.tsNs * units) / 1_000_000_000n;
      const body = Buffer.alloc(20 + pad4(r.data.length));
      if (s.obsolete) {
        u16(body, ifId, 0);
        u16(body, 0, 2);
      } else {
        u32(body, ifId, 0);
      }
      u32(body, Number(ts >> 32n), 4);
      u32(body, Number(ts & 0xffffffffn), 8);
      u32(body, r.data.length, 12);
      u32(body, r.origLength ?? r.data.length, 16);
      r.data.copy(body, 20);
      parts.push(block(s.obsolete ? 2 : 6, body, be));
    }
  }
  return Buffer.concat(parts);
}
