/**
 * Names in a TLS 1.2 (or older) server certificate, read from the server's
 * first flight: the leaf's subject common names and DNS subject-alternative
 * names, by a minimal DER walk.
 */
import { CERTIFICATE, MAX_NAMES, MAX_SERVER_FLIGHT, NEED_MORE, NOT_TLS, SERVER_HELLO, SERVER_HELLO_DONE, WRONG_MESSAGE, handshakeBytes, u16, u24 } from './tls';
import { escapedText } from '../../text';

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
