/**
 * A small walker over pcap and pcapng framing for the structure-aware fuzzer:
 * a capture becomes a list of records whose packet bytes can be changed, grown
 * or cut, and is written back with every length field made to agree again, so
 * the mutation reaches the decoders instead of stopping at the reader.
 * Written independently of src/capture so a bug there is not copied here.
 */

export const PCAP = -1;
export const SHB = 0x0a0d0d0a;
export const IDB = 1;
export const PB = 2;
export const SPB = 3;
export const EPB = 6;

export interface Rec {
  /** PCAP for a classic record, else the pcapng block type. */
  type: number;
  /** Byte order of this record's fields (the section's, for pcapng). */
  le: boolean;
  /**
   * pcap: the record header (16 or 24 bytes). pcapng packet blocks: the fixed
   * fields before the packet (20 bytes, 4 for SPB). Other blocks: the whole body.
   */
  head: Buffer;
  /** Captured packet bytes (empty for blocks that carry none). */
  data: Buffer;
  /** Wire length to write; null means "equal to data.length". */
  orig: number | null;
  /** pcapng packet blocks: the options after the padded packet. */
  tail: Buffer;
}

export interface Capture {
  format: 'pcap' | 'pcapng';
  /** pcap: the 24-byte file header; pcapng: empty (sections are records). */
  fileHeader: Buffer;
  le: boolean;
  /** pcap before 2.3: wire length written before captured length. */
  swapped: boolean;
  records: Rec[];
  /** Bytes after the last whole record (a cut file), kept as they are. */
  trailing: Buffer;
}

const pad4 = (n: number): number => (n + 3) & ~3;

function u32(b: Buffer, o: number, le: boolean): number {
  return le ? b.readUInt32LE(o) : b.readUInt32BE(o);
}

export function putU32(b: Buffer, o: number, v: number, le: boolean): void {
  if (le) b.writeUInt32LE(v >>> 0, o);
  else b.writeUInt32BE(v >>> 0, o);
}

export function putU16(b: Buffer, o: number, v: number, le: boolean): void {
  if (le) b.writeUInt16LE(v & 0xffff, o);
  else b.writeUInt16BE(v & 0xffff, o);
}

export function getU32(b: Buffer, o: number, le: boolean): number {
  return u32(b, o, le);
}

export function getU16(b: Buffer, o: number, le: boolean): number {
  return le ? b.readUInt16LE(o) : b.readUInt16BE(o);
}

const PCAP_MAGICS = [0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34];

/** The capture's records, or null when the bytes are neither format (or too damaged to walk). */
export function parseCapture(b: Buffer): Capture | null {
  if (b.length >= 24 && (PCAP_MAGICS.includes(b.readUInt32LE(0)) || PCAP_MAGICS.includes(b.readUInt32BE(0)))) return parsePcap(b);
  if (b.length >= 28 && b.readUInt32LE(0) === SHB) return parsePcapng(b);
  return null;
}

function parsePcap(b: Buffer): Capture {
  const le = PCAP_MAGICS.includes(b.readUInt32LE(0));
  const magic = u32(b, 0, le);
  const hdr = magic === 0xa1b2cd34 ? 24 : 16;
  const minor = le ? b.readUInt16LE(6) : b.readUInt16BE(6);
  const swapped = minor < 3;
  const records: Rec[] = [];
  let pos = 24;
  while (b.length - pos >= hdr) {
    let cap = u32(b, pos + 8, le);
    let orig = u32(b, pos + 12, le);
    if (swapped || (minor === 3 && cap > orig)) [cap, orig] = [orig, cap];
    if (b.length - pos - hdr < cap) break;
    const data = Buffer.from(b.subarray(pos + hdr, pos + hdr + cap));
    records.push({ type: PCAP, le, head: Buffer.from(b.subarray(pos, pos + hdr)), data, orig: orig === cap ? null : orig, tail: Buffer.alloc(0) });
    pos += hdr + cap;
  }
  return { format: 'pcap', fileHeader: Buffer.from(b.subarray(0, 24)), le, swapped, records, trailing: Buffer.from(b.subarray(pos)) };
}

function parsePcapng(b: Buffer): Capture {
  const records: Rec[] = [];
  let le = true;
  let pos = 0;
  while (b.length - pos >= 12) {
    const typeLe = b.readUInt32LE(pos);
    if (typeLe === SHB) {
      if (b.readUInt32LE(pos + 8) === 0x1a2b3c4d) le = true;
      else if (b.readUInt32BE(pos + 8) === 0x1a2b3c4d) le = false;
      else break;
    }
    const type = u32(b, pos, le);
    const len = u32(b, pos + 4, le);
    if (len < 12 || (len & 3) !== 0 || b.length - pos < len) break;
    const body = b.subarray(pos + 8, pos + len - 4);
    if ((type === EPB || type === PB) && body.length >= 20) {
      const cap = u32(body, 12, le);
      const orig = u32(body, 16, le);
      if (20 + cap > body.length) break;
      records.push({ type, le, head: Buffer.from(body.subarray(0, 20)), data: Buffer.from(body.subarray(20, 20 + cap)), orig: orig === cap ? null : orig, tail: Buffer.from(body.subarray(20 + pad4(cap))) });
    } else if (type === SPB && body.length >= 4) {
      const orig = u32(body, 0, le);
      const cap = Math.min(orig, body.length - 4);
      records.push({ type, le, head: Buffer.from(body.subarray(0, 4)), data: Buffer.from(body.subarray(4, 4 + cap)), orig: orig === cap ? null : orig, tail: Buffer.alloc(0) });
    } else {
      records.push({ type, le, head: Buffer.from(body), data: Buffer.alloc(0), orig: null, tail: Buffer.alloc(0) });
    }
    pos += len;
  }
  return { format: 'pcapng', fileHeader: Buffer.alloc(0), le: records[0]?.le ?? true, swapped: false, records, trailing: Buffer.from(b.subarray(pos)) };
}

export function isPacket(r: Rec): boolean {
  return r.type === PCAP || r.type === EPB || r.type === PB || r.type === SPB;
}

/** The capture as bytes, every length field recomputed from the record it frames. */
export function writeCapture(c: Capture): Buffer {
  const parts: Buffer[] = [c.fileHeader];
  for (const r of c.records) parts.push(c.format === 'pcap' ? pcapRecord(c, r) : block(r));
  parts.push(c.trailing);
  return Buffer.concat(parts);
}

function pcapRecord(c: Capture, r: Rec): Buffer {
  const h = Buffer.from(r.head);
  const cap = r.data.length;
  const orig = r.orig ?? cap;
  putU32(h, c.swapped ? 12 : 8, cap, r.le);
  putU32(h, c.swapped ? 8 : 12, orig, r.le);
  return Buffer.concat([h, r.data]);
}

function block(r: Rec): Buffer {
  let body: Buffer;
  if (r.type === EPB || r.type === PB) {
    const head = Buffer.from(r.head);
    putU32(head, 12, r.data.length, r.le);
    putU32(head, 16, r.orig ?? r.data.length, r.le);
    body = Buffer.concat([head, r.data, Buffer.alloc(pad4(r.data.length) - r.data.length), r.tail]);
  } else if (r.type === SPB) {
    const head = Buffer.from(r.head);
    putU32(head, 0, r.orig ?? r.data.length, r.le);
    body = Buffer.concat([head, r.data, Buffer.alloc(pad4(r.data.length) - r.data.length)]);
  } else {
    body = Buffer.concat([r.head, Buffer.alloc(pad4(r.head.length) - r.head.length)]);
  }
  const out = Buffer.alloc(12 + body.length);
  // An SHB's type reads the same in both orders; its length follows the section's order.
  putU32(out, 0, r.type, r.le);
  putU32(out, 4, out.length, r.le);
  body.copy(out, 8);
  putU32(out, out.length - 4, out.length, r.le);
  return out;
}

/** pcapng interface options (code, value) of an IDB body, up to the end marker. */
export function idbOptions(r: Rec): Array<{ code: number; value: Buffer }> {
  const out: Array<{ code: number; value: Buffer }> = [];
  let o = 8;
  while (r.head.length - o >= 4) {
    const code = getU16(r.head, o, r.le);
    const len = getU16(r.head, o + 2, r.le);
    if (code === 0 || o + 4 + len > r.head.length) break;
    out.push({ code, value: Buffer.from(r.head.subarray(o + 4, o + 4 + len)) });
    o += 4 + pad4(len);
  }
  return out;
}

/** Rewrites an IDB body with these options (and an end marker). */
export function setIdbOptions(r: Rec, opts: Array<{ code: number; value: Buffer }>): void {
  const parts: Buffer[] = [r.head.subarray(0, 8)];
  for (const op of opts) {
    const h = Buffer.alloc(4);
    putU16(h, 0, op.code, r.le);
    putU16(h, 2, op.value.length, r.le);
    parts.push(h, op.value, Buffer.alloc(pad4(op.value.length) - op.value.length));
  }
  parts.push(Buffer.alloc(4));
  r.head = Buffer.concat(parts);
}
