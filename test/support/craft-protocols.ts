/**
 * Builds application-protocol bytes (DNS messages, TLS ClientHellos and
 * certificates, Stratum V2 frames, node peer-to-peer headers) for tests and
 * for the project's generated captures. Nothing here is used by poolwatch
 * itself. Byte layouts follow the RFCs and specifications cited per builder.
 */
import { createHash } from 'node:crypto';
import { ipBytes } from './craft';

// ---------------------------------------------------------------- DNS (RFC 1035)

export interface DnsRecordSpec {
  name: string;
  /** 1 A, 5 CNAME, 28 AAAA, anything else with `raw`. */
  type: number;
  ttl?: number;
  /** A/AAAA: address text; CNAME: target name. */
  data?: string;
  /** Record data as given (for other types). */
  raw?: Buffer;
  cls?: number;
}

export interface DnsSpec {
  id?: number;
  response?: boolean;
  rcode?: number;
  /** Recursion desired/available and the like, or-ed into the flags word. */
  flags?: number;
  questions?: Array<{ name: string; type?: number }>;
  answers?: DnsRecordSpec[];
  authority?: DnsRecordSpec[];
  additional?: DnsRecordSpec[];
  /** Append an EDNS(0) OPT record (RFC 6891) to the additional section. */
  edns?: boolean;
  /** Use name compression (RFC 1035 4.1.4), as every real server does. Default true. */
  compress?: boolean;
}

/** Writes names with compression against the suffixes already written. */
class NameWriter {
  parts: Buffer[] = [];
  length = 0;
  private seen = new Map<string, number>();
  constructor(private compress: boolean) {}

  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }

  name(name: string): void {
    const labels = name.replace(/\.$/, '').split('.').filter((l) => l.length > 0);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.seen.get(suffix);
      if (this.compress && at !== undefined) {
        this.push(Buffer.from([0xc0 | (at >> 8), at & 0xff]));
        return;
      }
      if (this.length < 0x3fff) this.seen.set(suffix, this.length);
      const l = Buffer.from(labels[i], 'latin1');
      this.push(Buffer.concat([Buffer.from([l.length]), l]));
    }
    this.push(Buffer.from([0]));
  }
}

function rrData(w: NameWriter, r: DnsRecordSpec): void {
  const head = Buffer.alloc(10);
  head.writeUInt16BE(r.type, 0);
  head.writeUInt16BE(r.cls ?? 1, 2);
  head.writeUInt32BE((r.ttl ?? 300) >>> 0, 4);
  w.push(head);
  const lenAt = w.length - 2;
  const before = w.length;
  if (r.raw !== undefined) w.push(r.raw);
  else if (r.type === 5) w.name(r.data ?? '');
  else w.push(ipBytes(r.data ?? '0.0.0.0'));
  // Patch RDLENGTH now that the (possibly compressed) data is written.
  const all = Buffer.concat(w.parts);
  all.writeUInt16BE(w.length - before, lenAt);
  w.parts = [all];
}

/** A DNS message as a resolver or client would send it (over UDP, or inside dnsTcp framing). */
export function dnsMessage(s: DnsSpec): Buffer {
  const w = new NameWriter(s.compress ?? true);
  const answers = s.answers ?? [];
  const authority = s.authority ?? [];
  const additional = [...(s.additional ?? [])];
  if (s.edns) additional.push({ name: '', type: 41, cls: 1232, ttl: 0, raw: Buffer.alloc(0) });
  const questions = s.questions ?? [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(s.id ?? 0x1234, 0);
  h.writeUInt16BE((s.response ? 0x8000 : 0) | (s.flags ?? 0x0100) | (s.rcode ?? 0), 2);
  h.writeUInt16BE(questions.length, 4);
  h.writeUInt16BE(answers.length, 6);
  h.writeUInt16BE(authority.length, 8);
  h.writeUInt16BE(additional.length, 10);
  w.push(h);
  for (const q of questions) {
    w.name(q.name);
    const t = Buffer.alloc(4);
    t.writeUInt16BE(q.type ?? 1, 0);
    t.writeUInt16BE(1, 2);
    w.push(t);
  }
  for (const r of [...answers, ...authority, ...additional]) {
    w.name(r.name);
    rrData(w, r);
  }
  return Buffer.concat(w.parts);
}

/** DNS over TCP framing (RFC 1035 4.2.2): each message behind a 16-bit length. */
export function dnsTcp(...messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.map((m) => {
      const l = Buffer.alloc(2);
      l.writeUInt16BE(m.length);
      return Buffer.concat([l, m]);
    }),
  );
}

// ---------------------------------------------------------------- TLS (RFC 8446, 5246, 6066, 7301, 8701)

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

function vec16(b: Buffer): Buffer {
  return Buffer.concat([u16(b.length), b]);
}

function ext(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

export interface ClientHelloSpec {
  sni?: string;
  alpn?: string[];
  /** Put GREASE values in suites, extensions, groups and versions, as Chrome does. */
  grease?: boolean;
  /** Offer TLS 1.3 through supported_versions (legacy_version stays 0x0303). */
  tls13?: boolean;
  /** Pad the handshake message to this many bytes with the padding extension (RFC 7685). */
  padTo?: number;
  /** Bytes of legacy_session_id (TLS 1.3 clients send 32 for middlebox compatibility). */
  sessionIdLength?: number;
  /** A key_share with this many bytes of key (1216 for a hybrid ML-KEM share makes a ~1.8 KB hello). */
  keyShareBytes?: number;
}

/** ClientHello handshake message (type, 24-bit length, body) without the record layer. */
export function clientHelloMessage(s: ClientHelloSpec = {}): Buffer {
  const grease = 0x2a2a;
  const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0x009c, 0x002f];
  if (s.grease) suites.unshift(grease);
  const exts: Buffer[] = [];
  if (s.grease) exts.push(ext(0x0a0a, Buffer.alloc(0)));
  if (s.sni !== undefined) {
    const host = Buffer.from(s.sni, 'latin1');
    exts.push(ext(0, vec16(Buffer.concat([Buffer.from([0]), vec16(host)]))));
  }
  exts.push(ext(23, Buffer.alloc(0))); // extended_master_secret
  exts.push(ext(0xff01, Buffer.from([0]))); // renegotiation_info
  const groups = [0x001d, 0x0017, 0x0018];
  if (s.grease) groups.unshift(0x3a3a);
  exts.push(ext(10, vec16(Buffer.concat(groups.map(u16)))));
  exts.push(ext(11, Buffer.from([1, 0]))); // ec_point_formats: uncompressed
  exts.push(ext(35, Buffer.alloc(0))); // session_ticket
  if (s.alpn !== undefined) {
    exts.push(ext(16, vec16(Buffer.concat(s.alpn.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')]))))));
  }
  exts.push(ext(13, vec16(Buffer.concat([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601].map(u16)))));
  if (s.tls13) {
    const share = Buffer.alloc(s.keyShareBytes ?? 32, 0x5a);
    const entries = [Buffer.concat([u16(0x001d), vec16(share)])];
    if (s.grease) entries.unshift(Buffer.concat([u16(0x3a3a), vec16(Buffer.from([0]))]));
    exts.push(ext(51, vec16(Buffer.concat(entries))));
    exts.push(ext(45, Buffer.from([1, 1]))); // psk_key_exchange_modes
    const versions = [0x0304, 0x0303];
    if (s.grease) versions.unshift(0x8a8a);
    const v = Buffer.concat(versions.map(u16));
    exts.push(ext(43, Buffer.concat([Buffer.from([v.length]), v])));
  }
  if (s.grease) exts.push(ext(0x1a1a, Buffer.from([0])));
  const sid = Buffer.alloc(s.sessionIdLength ?? (s.tls13 ? 32 : 0), 0x33);
  const fixed = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 0x11), // random
    Buffer.from([sid.length]),
    sid,
    vec16(Buffer.concat(suites.map(u16))),
    Buffer.from([1, 0]), // compression: null
  ]);
  let extBytes = Buffer.concat(exts);
  const size = (): number => 4 + fixed.length + 2 + extBytes.length;
  if (s.padTo !== undefined && size() + 4 <= s.padTo) {
    extBytes = Buffer.concat([extBytes, ext(21, Buffer.alloc(s.padTo - size() - 4))]);
  }
  const body = Buffer.concat([fixed, vec16(extBytes)]);
  return Buffer.concat([Buffer.from([1]), u24(body.length), body]);
}

/** Wraps handshake bytes in TLS records of at most `maxFragment` bytes each (record version 0x0301 as clients use on the first flight). */
export function tlsRecords(handshake: Buffer, maxFragment = 16384, contentType = 22, version = 0x0301): Buffer {
  const out: Buffer[] = [];
  for (let p = 0; p < handshake.length; p += maxFragment) {
    const frag = handshake.subarray(p, Math.min(p + maxFragment, handshake.length));
    out.push(Buffer.from([contentType]), u16(version), u16(frag.length), frag);
  }
  return Buffer.concat(out);
}

export function clientHello(s: ClientHelloSpec = {}): Buffer {
  return tlsRecords(clientHelloMessage(s));
}

/** ServerHello handshake message; `tls13` adds supported_versions = 0x0304. */
export function serverHelloMessage(tls13 = false): Buffer {
  const exts = tls13 ? Buffer.concat([ext(43, u16(0x0304)), ext(51, Buffer.concat([u16(0x001d), vec16(Buffer.alloc(32, 7))]))]) : ext(0xff01, Buffer.from([0]));
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 0x22), Buffer.from([32]), Buffer.alloc(32, 0x44), u16(tls13 ? 0x1301 : 0xc02f), Buffer.from([0]), vec16(exts)]);
  return Buffer.concat([Buffer.from([2]), u24(body.length), body]);
}

/** Certificate handshake message carrying the given DER certificates, leaf first. */
export function certificateMessage(...ders: Buffer[]): Buffer {
  const list = Buffer.concat(ders.map((d) => Buffer.concat([u24(d.length), d])));
  const body = Buffer.concat([u24(list.length), list]);
  return Buffer.concat([Buffer.from([11]), u24(body.length), body]);
}

export function serverHelloDoneMessage(): Buffer {
  return Buffer.from([14, 0, 0, 0]);
}

// ---------------------------------------------------------------- Stratum V2 (stratum-mining/sv2-spec)

function str0255(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/** SV2 frame: extension_type u16 LE, msg_type u8, msg_length u24 LE, payload. */
export function sv2Frame(extensionType: number, msgType: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h.writeUInt16LE(extensionType, 0);
  h[2] = msgType;
  h.writeUIntLE(payload.length, 3, 3);
  return Buffer.concat([h, payload]);
}

export interface SetupConnectionSpec {
  protocol?: number;
  minVersion?: number;
  maxVersion?: number;
  flags?: number;
  endpointHost: string;
  endpointPort: number;
  vendor: string;
  hardwareVersion?: string;
  firmware?: string;
  deviceId?: string;
}

/** SetupConnection (msg_type 0x00) framed, fields in spec order, integers little-endian. */
export function sv2SetupConnection(s: SetupConnectionSpec): Buffer {
  const ints = Buffer.alloc(9);
  ints[0] = s.protocol ?? 0;
  ints.writeUInt16LE(s.minVersion ?? 2, 1);
  ints.writeUInt16LE(s.maxVersion ?? 2, 3);
  ints.writeUInt32LE((s.flags ?? 0) >>> 0, 5);
  const port = Buffer.alloc(2);
  port.writeUInt16LE(s.endpointPort);
  const payload = Buffer.concat([ints, str0255(s.endpointHost), port, str0255(s.vendor), str0255(s.hardwareVersion ?? ''), str0255(s.firmware ?? ''), str0255(s.deviceId ?? '')]);
  return sv2Frame(0, 0x00, payload);
}

/** SetupConnection.Success (0x01): used_version u16, flags u32. */
export function sv2SetupConnectionSuccess(usedVersion: number, flags: number): Buffer {
  const p = Buffer.alloc(6);
  p.writeUInt16LE(usedVersion, 0);
  p.writeUInt32LE(flags >>> 0, 2);
  return sv2Frame(0, 0x01, p);
}

/** SetupConnection.Error (0x02): flags u32, error_code STR0_255. */
export function sv2SetupConnectionError(flags: number, code: string): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32LE(flags >>> 0, 0);
  return sv2Frame(0, 0x02, Buffer.concat([p, str0255(code)]));
}

// ---------------------------------------------------------------- node peer-to-peer

/** Bitcoin-family P2P message: magic, 12-byte NUL-padded command, payload length LE, checksum (first 4 bytes of double SHA-256). */
export function bitcoinMessage(magic: string, command: string, payload: Buffer): Buffer {
  const h = Buffer.alloc(24);
  Buffer.from(magic, 'hex').copy(h, 0);
  Buffer.from(command, 'ascii').copy(h, 4);
  h.writeUInt32LE(payload.length, 16);
  const sum = createHash('sha256').update(createHash('sha256').update(payload).digest()).digest();
  sum.copy(h, 20, 0, 4);
  return Buffer.concat([h, payload]);
}

/** Levin (Monero/CryptoNote P2P) header: signature 0x0101010101012101 LE, body size, return-data flag, command, return code, flags, version. */
export function levinMessage(command: number, body: Buffer, expectResponse = true, flags = 1): Buffer {
  const h = Buffer.alloc(33);
  h.writeBigUInt64LE(0x0101010101012101n, 0);
  h.writeBigUInt64LE(BigInt(body.length), 8);
  h[16] = expectResponse ? 1 : 0;
  h.writeUInt32LE(command, 17);
  h.writeInt32LE(0, 21);
  h.writeUInt32LE(flags, 25);
  h.writeUInt32LE(1, 29);
  return Buffer.concat([h, body]);
}

// ---------------------------------------------------------------- robustness helpers

import { rng } from './random';

export { rng };

/**
 * Mutated copies of valid inputs: bit flips, byte overwrites with the
 * values parsers branch on (0, 0xff, 0xc0, lengths), truncation, duplicated
 * and deleted spans, plus pure random buffers.
 */
export function mutations(seed: number, bases: Buffer[], count: number): Buffer[] {
  const r = rng(seed);
  const pick = (n: number): number => Math.floor(r() * n);
  const out: Buffer[] = [];
  const special = [0, 1, 0x7f, 0x80, 0xc0, 0xc1, 0xff, 0x3f, 0x16, 0x03, 0x20, 0x0a, 0x0d];
  for (let i = 0; i < count; i++) {
    const base = bases[pick(bases.length)];
    let b = Buffer.from(base);
    const kind = pick(6);
    if (kind === 0 && b.length > 0) {
      for (let k = 0; k < 1 + pick(4); k++) b[pick(b.length)] ^= 1 << pick(8);
    } else if (kind === 1 && b.length > 0) {
      for (let k = 0; k < 1 + pick(4); k++) b[pick(b.length)] = special[pick(special.length)];
    } else if (kind === 2) {
      b = b.subarray(0, pick(b.length + 1));
    } else if (kind === 3 && b.length > 2) {
      const s = pick(b.length);
      const e = s + pick(b.length - s);
      b = Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]);
    } else if (kind === 4 && b.length > 2) {
      const s = pick(b.length);
      b = Buffer.concat([b.subarray(0, s), b.subarray(s + 1 + pick(8))]);
    } else {
      b = Buffer.alloc(pick(600));
      for (let k = 0; k < b.length; k++) b[k] = pick(256);
    }
    out.push(b);
  }
  return out;
}

/**
 * Runs `parse` on `input` placed inside two larger buffers whose bytes
 * outside [start, end) differ (all 0x00 / all 0xff plus a length field-like
 * pattern). Returns both results: a parser that stays inside its range
 * gives equal results, one that reads past `end` or before `start` shows it.
 */
export function parseEmbedded<T>(input: Buffer, parse: (buf: Uint8Array, start: number, end: number) => T): [T, T] {
  const pad = 64;
  const a = Buffer.alloc(input.length + 2 * pad, 0x00);
  const b = Buffer.alloc(input.length + 2 * pad, 0xff);
  for (let i = 0; i < pad; i += 4) b.writeUInt32BE(0x16030140 + i, i);
  input.copy(a, pad);
  input.copy(b, pad);
  return [parse(a, pad, pad + input.length), parse(b, pad, pad + input.length)];
}

/** Cheap deep equality for parser results (Maps included), for loops too long for expect().toEqual per case. */
export function sameResult(a: unknown, b: unknown): boolean {
  const replacer = (_k: string, v: unknown): unknown => (v instanceof Map ? [...v.entries()] : v);
  return JSON.stringify(a, replacer) === JSON.stringify(b, replacer);
}
