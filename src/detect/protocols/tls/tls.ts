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
export const SERVER_HELLO = 2;
export const CERTIFICATE = 11;
export const SERVER_HELLO_DONE = 14;
/** 2^14 plaintext plus the 2048 bytes RFC 5246 allows for expansion. */
const MAX_RECORD = 16384 + 2048;
/** Post-quantum key shares push hellos near 2 KB; far beyond this is not a hello. */
const MAX_HELLO = 65536;
/** A server's first flight with a long certificate chain stays well under this. */
export const MAX_SERVER_FLIGHT = 262144;
const MAX_ALPN = 16;
export const MAX_NAMES = 64;

export function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

export function u24(b: Uint8Array, p: number): number {
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
export function handshakeBytes(buf: Uint8Array, start: number, end: number, want: number): Handshake | number {
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
