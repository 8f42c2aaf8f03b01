/**
 * HTTP/1.x request and response heads: enough to read the Host a client asked
 * for (including the host:port of a CONNECT through a proxy), the
 * User-Agent, and the headers getwork miners and their pools use
 * (X-Mining-Extensions, X-Long-Polling, X-Stratum, ...).
 *
 * Nothing here throws, and nothing reads outside [start, end). Rejection is
 * cheap: a binary stream fails on its first byte or two.
 */
import { latin1 } from '../../text';

/** The head is incomplete: call again with more bytes. */
export const NEED_MORE = -1;
/** Not an HTTP/1.x head (or one too large or too malformed to be a real one). */
export const NOT_HTTP = -2;

/** Default cap on a head: one larger is not HTTP we read (callers pass the configured line cap). */
export const MAX_HEAD = 16384;
/** Headers kept in the map; more are walked over, except Host and User-Agent, which padding must not hide. */
export const MAX_HEADERS = 64;
const MAX_METHOD = 24;

export interface HttpRequestHead {
  method: string;
  target: string;
  /** Host name from the absolute-form or CONNECT target, else the Host header: lower case, without port or IPv6 brackets. */
  host: string | null;
  userAgent: string | null;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Map<string, string>;
  /** Offset just past the blank line that ends the head (where a body starts). */
  headerEnd: number;
}

export interface HttpResponseHead {
  /** "HTTP/1.1" and the like. */
  version: string;
  status: number;
  reason: string;
  headers: Map<string, string>;
  headerEnd: number;
}

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const HTAB = 0x09;

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

/** RFC 9110 tchar. */
function isTchar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  return c === 0x21 || (c >= 0x23 && c <= 0x27) || c === 0x2a || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e;
}

/** Where the current line ends (index of LF, or of CR in CRLF), or -1 when not yet within [p, limit). */
function lineEnd(b: Uint8Array, p: number, limit: number): number {
  for (let i = p; i < limit; i++) if (b[i] === LF) return i > p && b[i - 1] === CR ? i - 1 : i;
  return -1;
}

function afterLine(b: Uint8Array, e: number): number {
  return b[e] === CR ? e + 2 : e + 1;
}

/** Limit of bytes to look at, and the answer to give if the head does not end before it. */
function window(start: number, end: number, maxHead: number): { limit: number; short: number } {
  return end - start > maxHead ? { limit: start + maxHead, short: NOT_HTTP } : { limit: end, short: NEED_MORE };
}

/**
 * Reads header lines from p until the blank line. Returns the offset past the
 * blank line, NEED_MORE / NOT_HTTP, filling `headers`.
 */
function readHeaders(b: Uint8Array, p: number, limit: number, short: number, headers: Map<string, string>): number {
  let last: string | null = null;
  let count = 0;
  for (;;) {
    const e = lineEnd(b, p, limit);
    if (e < 0) return short;
    if (e === p) return afterLine(b, e);
    const first = b[p];
    if (first === SP || first === HTAB) {
      // obs-fold: a continuation of the previous header's value.
      if (last === null) return NOT_HTTP;
      const v = value(b, p, e);
      if (v === null) return NOT_HTTP;
      const prev = headers.get(last);
      if (prev !== undefined) headers.set(last, prev + ' ' + v);
      p = afterLine(b, e);
      continue;
    }
    let c = p;
    while (c < e && isTchar(b[c])) c++;
    if (c === p || c >= e || b[c] !== 0x3a) return NOT_HTTP;
    const name = latin1(b, p, c).toLowerCase();
    const v = value(b, c + 1, e);
    if (v === null) return NOT_HTTP;
    const prev = headers.get(name);
    if (prev !== undefined) {
      if (prev.length + v.length < MAX_HEAD) headers.set(name, prev + ', ' + v);
      last = name;
    } else if (count < MAX_HEADERS || name === 'host' || name === 'user-agent') {
      headers.set(name, v);
      count++;
      last = name;
    } else {
      last = null;
    }
    p = afterLine(b, e);
  }
}

/** Header value with surrounding whitespace removed; null on control bytes, which no text header carries. */
function value(b: Uint8Array, from: number, to: number): string | null {
  while (from < to && (b[from] === SP || b[from] === HTAB)) from++;
  while (to > from && (b[to - 1] === SP || b[to - 1] === HTAB)) to--;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) return null;
  }
  return latin1(b, from, to);
}

/** Host part of an authority ("Pool.Example:3333", "[2001:db8::1]:80", "user@host"), lower case, or null if empty. */
export function authorityHost(authority: string): string | null {
  let a = authority.trim();
  const at = a.lastIndexOf('@');
  if (at >= 0) a = a.slice(at + 1);
  let host: string;
  if (a.startsWith('[')) {
    const close = a.indexOf(']');
    host = close > 0 ? a.slice(1, close) : a.slice(1);
  } else {
    const colon = a.indexOf(':');
    host = colon >= 0 ? a.slice(0, colon) : a;
  }
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.length > 0 ? host : null;
}

/** End of the first line's content so far: the line end, or the limit less a CR that may start the CRLF. */
function lineSoFar(b: Uint8Array, e: number, limit: number): number {
  if (e >= 0) return e;
  return limit > 0 && b[limit - 1] === CR ? limit - 1 : limit;
}

/** Checks "HTTP/d.d" at p. */
function isVersion(b: Uint8Array, p: number, to: number): boolean {
  return to - p === 8 && b[p] === 0x48 && b[p + 1] === 0x54 && b[p + 2] === 0x54 && b[p + 3] === 0x50 && b[p + 4] === 0x2f && b[p + 5] >= 0x30 && b[p + 5] <= 0x39 && b[p + 6] === 0x2e && b[p + 7] >= 0x30 && b[p + 7] <= 0x39;
}

/**
 * Parses an HTTP/1.x request head at the start of [start, end): NEED_MORE
 * while it may still be one and is incomplete, NOT_HTTP as soon as it cannot
 * be (the method must be an upper-case token followed by a space).
 */
export function parseHttpRequestHead(buf: Uint8Array, start: number, end: number, maxHead = MAX_HEAD): HttpRequestHead | number {
  if (!(start >= 0) || !(end <= buf.length) || start > end) return NOT_HTTP;
  const { limit, short } = window(start, end, maxHead);
  let p = start;
  while (p < limit && p - start <= MAX_METHOD && (isUpper(buf[p]) || buf[p] === 0x2d || buf[p] === 0x5f)) p++;
  if (p === limit) return p - start <= MAX_METHOD ? short : NOT_HTTP;
  if (p === start || !isUpper(buf[start]) || buf[p] !== SP || p - start > MAX_METHOD) return NOT_HTTP;
  const method = latin1(buf, start, p);
  const e = lineEnd(buf, p, limit);
  // The request line so far must be printable: a binary stream stops here.
  const scanTo = lineSoFar(buf, e, limit);
  for (let i = p; i < scanTo; i++) if (buf[i] < 0x20 || buf[i] >= 0x7f) return NOT_HTTP;
  if (e < 0) return short;
  const t = p + 1;
  let te = t;
  while (te < e && buf[te] !== SP) te++;
  if (te === t || te >= e || !isVersion(buf, te + 1, e)) return NOT_HTTP;
  const target = latin1(buf, t, te);
  const headers = new Map<string, string>();
  const headerEnd = readHeaders(buf, afterLine(buf, e), limit, short, headers);
  if (headerEnd < 0) return headerEnd;

  let host: string | null = null;
  if (method === 'CONNECT') host = authorityHost(target);
  else {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
    if (m !== null) host = authorityHost(m[1]);
  }
  if (host === null) {
    const h = headers.get('host');
    // Repeated Host headers were joined: trust only the first.
    if (h !== undefined) {
      const comma = h.indexOf(',');
      host = authorityHost(comma < 0 ? h : h.slice(0, comma));
    }
  }
  return { method, target, host, userAgent: headers.get('user-agent') ?? null, headers, headerEnd };
}

/** Parses an HTTP/1.x response head ("HTTP/1.1 200 OK" + headers) at the start of [start, end). */
export function parseHttpResponseHead(buf: Uint8Array, start: number, end: number, maxHead = MAX_HEAD): HttpResponseHead | number {
  if (!(start >= 0) || !(end <= buf.length) || start > end) return NOT_HTTP;
  const { limit, short } = window(start, end, maxHead);
  const prefix = 'HTTP/';
  for (let i = 0; i < prefix.length; i++) {
    if (start + i >= limit) return short;
    if (buf[start + i] !== prefix.charCodeAt(i)) return NOT_HTTP;
  }
  const e = lineEnd(buf, start, limit);
  const scanTo = lineSoFar(buf, e, limit);
  for (let i = start; i < scanTo; i++) if ((buf[i] < 0x20 && buf[i] !== HTAB) || buf[i] === 0x7f) return NOT_HTTP;
  if (e < 0) return short;
  // "HTTP/d.d SP ddd [SP reason]"
  if (e - start < 12 || !isVersion(buf, start, start + 8) || buf[start + 8] !== SP) return NOT_HTTP;
  let status = 0;
  for (let i = start + 9; i < start + 12; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) return NOT_HTTP;
    status = status * 10 + (c - 0x30);
  }
  if (status < 100 || (e > start + 12 && buf[start + 12] !== SP)) return NOT_HTTP;
  const reason = e > start + 13 ? latin1(buf, start + 13, e) : '';
  const headers = new Map<string, string>();
  const headerEnd = readHeaders(buf, afterLine(buf, e), limit, short, headers);
  if (headerEnd < 0) return headerEnd;
  return { version: latin1(buf, start, start + 8), status, reason, headers, headerEnd };
}
