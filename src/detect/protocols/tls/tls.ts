/**
 * TLS: the server name (SNI), ALPN list and offered version from a
 * ClientHello, and the names in a TLS 1.2 server certificate. Mining over TLS
 * hides its content, so these names are most of what is left to go on.
 *
 * Nothing here throws, and nothing reads outside [start, end). The bytes are
 * the start of one direction of a TCP stream; a hello may span several TCP
 * segments and several TLS records, so "not enough yet" is its own answer.
 */
import { escapedText } from '../../text';

/** The record or handshake message is incomplete: call again with more bytes. */
export const NEED_MORE = -1;
/** The bytes are not a TLS handshake (or are malformed). */
export const NOT_TLS = -2;
/** Well-formed TLS handshake records, but the first message is not the one asked for. */
export const WRONG_MESSAGE = -3;

export interface ClientHello {
  /** host_name from server_name, lower case, no trailing dot; null when absent. */
  sni: string | null;
  alpn: string[];
  /** Highest version offered: from supported_versions when present (0x0304 = TLS 1.3), else legacy_version. */
  version: number;
}

const RECORD_HEADER = 5;
const HANDSHAKE = 22;
const CLIENT_HELLO = 1;
const SERVER_HELLO = 2;
const CERTIFICATE = 11;
const SERVER_HELLO_DONE = 14;
/** 2^14 plaintext plus the 2048 bytes RFC 5246 allows for expansion. */
const MAX_RECORD = 16384 + 2048;
/** Post-quantum key shares push hellos near 2 KB; far beyond this is not a hello. */
const MAX_HELLO = 65536;
/** A server's first flight with a long certificate chain stays well under this. */
const MAX_SERVER_FLIGHT = 262144;
const MAX_ALPN = 16;
const MAX_NAMES = 64;

function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

function u24(b: Uint8Array, p: number): number {
  return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
}

/** RFC 8701 GREASE values (0x0a0a, 0x1a1a, ... 0xfafa) that clients sprinkle in to keep servers tolerant. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

function recordHeaderOk(buf: Uint8Array, p: number): boolean {
  const type = buf[p];
  const len = u16(buf, p + 3);
  return type >= 20 && type <= 24 && buf[p + 1] === 3 && buf[p + 2] <= 4 && len > 0 && len <= MAX_RECORD;
}

/** True when [start, end) begins with a plausible TLS record header (any content type, SSL 3.0 to TLS 1.3 framing). */
export function looksLikeTlsRecord(buf: Uint8Array, start: number, end: number): boolean {
  if (!(start >= 0) || !(end <= buf.length) || end - start < RECORD_HEADER) return false;
  return recordHeaderOk(buf, start);
}

/** Checks whatever part of a record header is present, for the NEED_MORE / NOT_TLS choice on a short buffer. */
function partialHandshakeHeader(buf: Uint8Array, start: number, end: number): number {
  if (end > start && buf[start] !== HANDSHAKE) return NOT_TLS;
  if (end > start + 1 && buf[start + 1] !== 3) return NOT_TLS;
  if (end > start + 2 && buf[start + 2] > 4) return NOT_TLS;
  return NEED_MORE;
}

interface Handshake {
  /** Bytes holding the handshake stream: `buf` itself when one record carries it, else a copy. */
  data: Uint8Array;
  start: number;
  end: number;
  /** The stream of handshake records ended before `end` of the input (another record type followed). */
  closed: boolean;
}

/**
 * Gathers the handshake-protocol bytes carried by the records at the start of
 * [start, end), up to `want` bytes. The common case (everything in the first
 * record) returns a view of `buf` without copying. Returns NOT_TLS or
 * NEED_MORE when the first record header is bad or incomplete.
 */
function handshakeBytes(buf: Uint8Array, start: number, end: number, want: number): Handshake | number {
  if (!(start >= 0) || !(end <= buf.length) || start > end) return NOT_TLS;
  if (end - start < RECORD_HEADER) return partialHandshakeHeader(buf, start, end);
  if (buf[start] !== HANDSHAKE || !recordHeaderOk(buf, start)) return NOT_TLS;
  const firstLen = u16(buf, start + 3);
  const firstEnd = start + RECORD_HEADER + firstLen;
  if (firstEnd >= start + RECORD_HEADER + want || firstEnd >= end) {
    return { data: buf, start: start + RECORD_HEADER, end: Math.min(firstEnd, end), closed: false };
  }
  // Several records: walk the headers first to size the copy.
  let total = 0;
  let p = start;
  let closed = false;
  while (p < end && total < want) {
    if (end - p < RECORD_HEADER) {
      if (partialHandshakeHeader(buf, p, end) === NOT_TLS) closed = true;
      break;
    }
    if (!recordHeaderOk(buf, p)) return total > 0 ? { ...copyRecords(buf, start, p, total), closed: true } : NOT_TLS;
    if (buf[p] !== HANDSHAKE) {
      closed = true;
      break;
    }
    const len = u16(buf, p + 3);
    total += Math.min(len, end - p - RECORD_HEADER);
    p += RECORD_HEADER + len;
  }
  // One handshake record and then another type (a TLS 1.3 ServerHello, then ChangeCipherSpec): no copy.
  if (closed && p === firstEnd) return { data: buf, start: start + RECORD_HEADER, end: firstEnd, closed };
  return { ...copyRecords(buf, start, Math.min(p, end), total), closed };
}

function copyRecords(buf: Uint8Array, start: number, stop: number, total: number): { data: Uint8Array; start: number; end: number } {
  const data = new Uint8Array(total);
  let at = 0;
  for (let p = start; p + RECORD_HEADER <= stop && at < total; ) {
    const len = u16(buf, p + 3);
    const from = p + RECORD_HEADER;
    const to = Math.min(from + len, stop);
    data.set(buf.subarray(from, to), at);
    at += to - from;
    p = from + len;
  }
  return { data, start: 0, end: at };
}

/**
 * Parses the ClientHello at the start of a client->server stream. Returns
 * NEED_MORE while the hello is incomplete, NOT_TLS when the bytes are not a
 * TLS handshake or the hello is malformed, WRONG_MESSAGE for a handshake
 * that opens with another message (e.g. the server's side).
 */
export function parseClientHello(buf: Uint8Array, start: number, end: number): ClientHello | number {
  // First only the 4-byte handshake header, to learn the hello's length.
  const head = handshakeBytes(buf, start, end, 4);
  if (typeof head === 'number') return head;
  if (head.end - head.start < 4) return head.closed ? NOT_TLS : NEED_MORE;
  if (head.data[head.start] !== CLIENT_HELLO) return WRONG_MESSAGE;
  const len = u24(head.data, head.start + 1);
  if (len < 38 || len > MAX_HELLO) return NOT_TLS;
  const hs = handshakeBytes(buf, start, end, 4 + len);
  if (typeof hs === 'number') return hs;
  if (hs.end - hs.start < 4 + len) return hs.closed ? NOT_TLS : NEED_MORE;
  return helloBody(hs.data, hs.start + 4, hs.start + 4 + len);
}

function helloBody(b: Uint8Array, p: number, end: number): ClientHello | number {
  const legacy = u16(b, p);
  if (b[p] !== 3) return NOT_TLS;
  p += 2 + 32;
  const sid = b[p];
  if (sid > 32) return NOT_TLS;
  p += 1 + sid;
  if (p + 2 > end) return NOT_TLS;
  const suites = u16(b, p);
  if (suites < 2 || suites & 1) return NOT_TLS;
  p += 2 + suites;
  if (p + 1 > end) return NOT_TLS;
  const comp = b[p];
  if (comp < 1) return NOT_TLS;
  p += 1 + comp;
  if (p > end) return NOT_TLS;
  const hello: ClientHello = { sni: null, alpn: [], version: legacy };
  if (p === end) return hello; // no extensions at all: an old client
  if (p + 2 > end) return NOT_TLS;
  const extEnd = p + 2 + u16(b, p);
  if (extEnd > end) return NOT_TLS;
  p += 2;
  while (p + 4 <= extEnd) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    const d = p + 4;
    const dEnd = d + len;
    if (dEnd > extEnd) return NOT_TLS;
    if (type === 0 && hello.sni === null) hello.sni = serverName(b, d, dEnd);
    else if (type === 16) alpnList(b, d, dEnd, hello.alpn);
    else if (type === 43 && len >= 1) {
      const listEnd = Math.min(d + 1 + b[d], dEnd);
      for (let q = d + 1; q + 2 <= listEnd; q += 2) {
        const v = u16(b, q);
        if (!isGrease(v) && b[q] === 3 && v > hello.version) hello.version = v;
      }
    }
    p = dEnd;
  }
  return hello;
}

/** RFC 6066 server_name: the first host_name entry. */
function serverName(b: Uint8Array, p: number, end: number): string | null {
  if (p + 2 > end) return null;
  const listEnd = Math.min(p + 2 + u16(b, p), end);
  for (let q = p + 2; q + 3 <= listEnd; ) {
    const nameType = b[q];
    const len = u16(b, q + 1);
    const n = q + 3;
    if (n + len > listEnd) return null;
    if (nameType === 0 && len > 0) {
      let nEnd = n + len;
      if (b[nEnd - 1] === 0x2e) nEnd--;
      return escapedText(b, n, nEnd, true);
    }
    q = n + len;
  }
  return null;
}

/** RFC 7301 protocol_name_list. */
function alpnList(b: Uint8Array, p: number, end: number, out: string[]): void {
  if (p + 2 > end) return;
  const listEnd = Math.min(p + 2 + u16(b, p), end);
  for (let q = p + 2; q + 1 <= listEnd && out.length < MAX_ALPN; ) {
    const len = b[q];
    if (len === 0 || q + 1 + len > listEnd) return;
    out.push(escapedText(b, q + 1, q + 1 + len, false));
    q += 1 + len;
  }
}

/**
 * Names in the server's certificate, read from the server->client stream of a
 * TLS 1.2 (or older) handshake: the leaf certificate's subject common name(s)
 * and DNS subject-alternative names, lower case, de-duplicated (wildcards kept
 * as written, e.g. "*.example.org"). TLS 1.3 encrypts the certificate, so a
 * 1.3 ServerHello yields []. NEED_MORE while the Certificate message is
 * incomplete; NOT_TLS when the stream is not a TLS server handshake.
 */
export function parseServerCertificateNames(buf: Uint8Array, start: number, end: number): string[] | number {
  const hs = handshakeBytes(buf, start, end, MAX_SERVER_FLIGHT);
  if (typeof hs === 'number') return hs;
  const b = hs.data;
  let p = hs.start;
  let first = true;
  while (p < hs.end) {
    if (hs.end - p < 4) return hs.closed ? [] : NEED_MORE;
    const type = b[p];
    const len = u24(b, p + 1);
    if (first && type !== SERVER_HELLO) return WRONG_MESSAGE;
    if (len > MAX_SERVER_FLIGHT) return NOT_TLS;
    const body = p + 4;
    if (body + len > hs.end) return hs.closed ? [] : NEED_MORE;
    if (type === SERVER_HELLO) {
      const v = serverHelloVersion(b, body, body + len);
      if (v < 0) return NOT_TLS;
      if (v >= 0x0304) return [];
    } else if (type === CERTIFICATE) {
      return leafNames(b, body, body + len);
    } else if (type === SERVER_HELLO_DONE) {
      return [];
    }
    first = false;
    p = body + len;
  }
  return hs.closed ? [] : NEED_MORE;
}

/** The negotiated version: supported_versions when present (TLS 1.3), else legacy_version; -1 when malformed. */
function serverHelloVersion(b: Uint8Array, p: number, end: number): number {
  if (p + 35 > end || b[p] !== 3) return -1;
  let v = u16(b, p);
  p += 34;
  p += 1 + b[p];
  p += 2 + 1; // cipher suite, compression method
  if (p + 2 > end) return v;
  const extEnd = Math.min(p + 2 + u16(b, p), end);
  for (p += 2; p + 4 <= extEnd; ) {
    const type = u16(b, p);
    const len = u16(b, p + 2);
    if (type === 43 && len === 2 && p + 6 <= extEnd) v = u16(b, p + 4);
    p += 4 + len;
  }
  return v;
}

function leafNames(b: Uint8Array, p: number, end: number): string[] | number {
  if (p + 3 > end) return NOT_TLS;
  const listEnd = p + 3 + u24(b, p);
  if (listEnd > end) return NOT_TLS;
  p += 3;
  if (p + 3 > listEnd) return [];
  const certEnd = p + 3 + u24(b, p);
  if (certEnd > listEnd) return NOT_TLS;
  const names: string[] = [];
  certificateNames(b, p + 3, certEnd, names);
  return names;
}

// Minimal DER walking: just enough of X.509 to find subject CN and SAN dNSName.

/** Content start and end of the TLV last read by readTlv. */
const tlv = { v: 0, end: 0 };

/**
 * Reads the TLV at p, leaving its content range in the shared `tlv`, and
 * returns its tag; -1 if it does not fit in [p, end) or uses forms X.509
 * never needs (high tag numbers, indefinite or over-long lengths).
 */
function readTlv(b: Uint8Array, p: number, end: number): number {
  if (p + 2 > end) return -1;
  const tag = b[p];
  if ((tag & 0x1f) === 0x1f) return -1;
  let len = b[p + 1];
  let v = p + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || v + n > end) return -1;
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[v + i];
    v += n;
  }
  if (v + len > end) return -1;
  tlv.v = v;
  tlv.end = v + len;
  return tag;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
// 2.5.4.3 commonName, 2.5.29.17 subjectAltName (content bytes of the OID).
const OID_CN = [0x55, 0x04, 0x03];
const OID_SAN = [0x55, 0x1d, 0x11];

function oidIs(b: Uint8Array, v: number, end: number, oid: number[]): boolean {
  if (end - v !== oid.length) return false;
  for (let i = 0; i < oid.length; i++) if (b[v + i] !== oid[i]) return false;
  return true;
}

function addName(names: string[], name: string): void {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n.length > 0 && names.length < MAX_NAMES && !names.includes(n)) names.push(n);
}

function certificateNames(b: Uint8Array, p: number, end: number, names: string[]): void {
  if (readTlv(b, p, end) !== SEQUENCE) return;
  if (readTlv(b, tlv.v, tlv.end) !== SEQUENCE) return; // tbsCertificate
  const tbsEnd = tlv.end;
  let q = tlv.v;
  // Fields in order: [0] version (optional), serial, signature, issuer, validity, subject, spki, then optional [1] [2] [3].
  let field = 0;
  for (;;) {
    const tag = q < tbsEnd ? readTlv(b, q, tbsEnd) : -1;
    if (tag < 0) break;
    const { v, end: e } = tlv;
    if (tag === 0xa0 && field === 0) {
      q = e;
      continue;
    }
    if (field === 4 && tag === SEQUENCE) subjectCommonNames(b, v, e, names);
    if (tag === 0xa3) extensionNames(b, v, e, names);
    field++;
    q = e;
  }
}

/** Name ::= SEQUENCE OF SET OF AttributeTypeAndValue { type OID, value ANY }. */
function subjectCommonNames(b: Uint8Array, p: number, end: number, names: string[]): void {
  while (p < end) {
    const setTag = readTlv(b, p, end);
    if (setTag < 0) return;
    const setEnd = tlv.end;
    let q = tlv.v;
    while (setTag === SET && q < setEnd) {
      const atvTag = readTlv(b, q, setEnd);
      if (atvTag < 0) break;
      const atvEnd = tlv.end;
      if (atvTag === SEQUENCE && readTlv(b, tlv.v, atvEnd) === OID && oidIs(b, tlv.v, tlv.end, OID_CN)) {
        const valueTag = readTlv(b, tlv.end, atvEnd);
        const s = valueTag < 0 ? null : derString(b, valueTag, tlv.v, tlv.end);
        if (s !== null) addName(names, s);
      }
      q = atvEnd;
    }
    p = setEnd;
  }
}

/** Directory string types seen in CNs: UTF8, Printable, T61, IA5, BMP. */
function derString(b: Uint8Array, tag: number, v: number, end: number): string | null {
  if (tag === 0x1e) {
    let s = '';
    for (let i = v; i + 1 < end; i += 2) s += String.fromCharCode(u16(b, i));
    return s;
  }
  if (tag !== 0x0c && tag !== 0x13 && tag !== 0x14 && tag !== 0x16) return null;
  return escapedText(b, v, end, false);
}

/** [3] EXPLICIT Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extensionNames(b: Uint8Array, p: number, end: number, names: string[]): void {
  if (readTlv(b, p, end) !== SEQUENCE) return;
  const listEnd = tlv.end;
  let q = tlv.v;
  while (q < listEnd) {
    const extTag = readTlv(b, q, listEnd);
    if (extTag < 0) return;
    const extEnd = tlv.end;
    if (extTag === SEQUENCE && readTlv(b, tlv.v, extEnd) === OID && oidIs(b, tlv.v, tlv.end, OID_SAN)) {
      let r = tlv.end;
      if (readTlv(b, r, extEnd) === 0x01) r = tlv.end; // critical flag
      if (readTlv(b, r, extEnd) === 0x04 && readTlv(b, tlv.v, tlv.end) === SEQUENCE) {
        const gnEnd = tlv.end;
        let g = tlv.v;
        while (g < gnEnd) {
          const gTag = readTlv(b, g, gnEnd);
          if (gTag < 0) break;
          if (gTag === 0x82) addName(names, escapedText(b, tlv.v, tlv.end, true)); // [2] dNSName
          g = tlv.end;
        }
      }
    }
    q = extEnd;
  }
}
