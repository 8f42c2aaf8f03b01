/**
 * DNS message parsing (RFC 1035, with the AAAA type of RFC 3596), used to tie
 * an address seen in the traffic to the name a host asked for. Only A, AAAA
 * and CNAME answers are kept; everything else is walked over and dropped.
 *
 * Nothing here throws, and nothing reads outside [start, end): a DNS payload
 * is attacker-controlled, so every count, length and pointer is checked.
 */

import { ipv6BytesText } from '../../../flow/address';
import type { IntSet } from '../../int-set';

export interface DnsQuestion {
  name: string;
  type: number;
}

export interface DnsAnswer {
  name: string;
  type: number;
  ttl: number;
  /** A/AAAA: canonical address text (IPv6 per RFC 5952); CNAME: target name. */
  data: string;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsAnswer[];
}

export const TYPE_A = 1;
export const TYPE_CNAME = 5;
export const TYPE_AAAA = 28;
export const TYPE_OPT = 41;

const HEADER = 12;
/** RFC 1035 limit on a name in wire form (labels plus length bytes). */
const MAX_NAME_WIRE = 255;
/** Every pointer must go strictly backwards, but bound the hops anyway. */
const MAX_POINTERS = 32;
/** Real queries carry one question; a few more are tolerated, not hundreds. */
const MAX_QUESTIONS = 8;
/** Records walked per section: more is implausible over UDP and a cheap DoS. */
const MAX_RECORDS = 256;
const MAX_CHAIN = 16;

interface NameResult {
  name: string;
  /** Offset just past the name where it started (not where a pointer led). */
  next: number;
}

/**
 * Reads a possibly compressed name at `pos`. Pointers are offsets from the
 * message start and must point strictly before the label that holds them,
 * which alone rules out loops; the hop count bounds the work regardless.
 * Returns null on anything malformed.
 */
function readName(buf: Uint8Array, start: number, end: number, pos: number): NameResult | null {
  let name = '';
  let wire = 0;
  let hops = 0;
  let next = -1;
  let p = pos;
  for (;;) {
    if (p < start || p >= end) return null;
    const len = buf[p];
    if (len === 0) {
      if (next < 0) next = p + 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= end) return null;
      const target = start + (((len & 0x3f) << 8) | buf[p + 1]);
      if (target >= p || ++hops > MAX_POINTERS) return null;
      if (next < 0) next = p + 2;
      p = target;
      continue;
    }
    // 0x40 and 0x80 are the obsolete extended-label and reserved kinds.
    if (kind !== 0) return null;
    wire += len + 1;
    if (wire + 1 > MAX_NAME_WIRE || p + 1 + len > end) return null;
    if (name.length > 0) name += '.';
    name += plainLabel(buf, p + 1, p + 1 + len) ? latin1Slice.call(buf, p + 1, p + 1 + len).toLowerCase() : escapedLabel(buf, p + 1, p + 1 + len);
    p += len + 1;
  }
  return { name, next };
}

// Buffer's own latin1 decoder works on any Uint8Array and makes one string per label.
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, from: number, to: number) => string }).latin1Slice;

/** A label of letters, digits, '-' and '_' only (nearly all of them): decoded in one step. */
function plainLabel(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i] | 0x20;
    if (!((c >= 0x61 && c <= 0x7a) || (buf[i] >= 0x30 && buf[i] <= 0x39) || buf[i] === 0x2d || buf[i] === 0x5f)) return false;
  }
  return true;
}

function escapedLabel(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += labelChar(buf[i]);
  return s;
}

/**
 * Presentation form of one label byte, lower-cased. Dots and backslashes
 * inside a label and non-printable bytes are escaped as `dig` does, so an odd
 * label can never be mistaken for two labels of a pool domain.
 */
function labelChar(b: number): string {
  if (b >= 0x41 && b <= 0x5a) return String.fromCharCode(b + 32);
  if (b === 0x2e || b === 0x5c) return '\\' + String.fromCharCode(b);
  if (b > 0x20 && b < 0x7f) return String.fromCharCode(b);
  return '\\' + String(b).padStart(3, '0');
}

export function ipv4Text(buf: Uint8Array, p: number): string {
  return `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`;
}

/** RFC 5952 text of the 16 bytes at `p`, written exactly as the flow table writes addresses. */
export function ipv6Text(buf: Uint8Array, p: number): string {
  return ipv6BytesText(buf, p);
}

/**
 * Parses one DNS message occupying [start, end). Returns null when the header
 * or the question section is malformed, i.e. when the bytes are not a
 * plausible DNS message. A record cut off by the end of the buffer (a capture
 * snap length, a truncated UDP reply) ends parsing: the records before it are
 * kept. With `addresses` false, A and AAAA answers are walked but not
 * returned: enough to see whether any name in the message matters.
 */
export function parseDns(buf: Uint8Array, start: number, end: number, addresses = true): DnsMessage | null {
  if (!(start >= 0) || !(end <= buf.length) || end - start < HEADER) return null;
  const id = (buf[start] << 8) | buf[start + 1];
  const flags = (buf[start + 2] << 8) | buf[start + 3];
  const response = (flags & 0x8000) !== 0;
  const opcode = (flags >> 11) & 0xf;
  const rcode = flags & 0xf;
  const qd = (buf[start + 4] << 8) | buf[start + 5];
  const an = (buf[start + 6] << 8) | buf[start + 7];
  const ns = (buf[start + 8] << 8) | buf[start + 9];
  const ar = (buf[start + 10] << 8) | buf[start + 11];
  // Opcodes in use: QUERY, IQUERY, STATUS, NOTIFY, UPDATE, DSO.
  if (opcode === 3 || opcode > 6) return null;
  if (qd > MAX_QUESTIONS) return null;
  // A query asks something; only a response may come without a question.
  if (qd === 0 && (!response || an === 0)) return null;
  if (!response && (an > MAX_RECORDS || rcode !== 0)) return null;

  const questions: DnsQuestion[] = [];
  let p = start + HEADER;
  for (let i = 0; i < qd; i++) {
    const n = readName(buf, start, end, p);
    if (n === null || n.next + 4 > end) return null;
    p = n.next;
    const type = (buf[p] << 8) | buf[p + 1];
    p += 4;
    questions.push({ name: n.name, type });
  }

  const answers: DnsAnswer[] = [];
  const total = Math.min(an + ns + ar, MAX_RECORDS);
  for (let i = 0; i < total; i++) {
    const n = readName(buf, start, end, p);
    if (n === null || n.next + 10 > end) break;
    p = n.next;
    const type = (buf[p] << 8) | buf[p + 1];
    const cls = ((buf[p + 2] << 8) | buf[p + 3]) & 0x7fff; // top bit: mDNS cache-flush
    const ttl = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
    const rdlen = (buf[p + 8] << 8) | buf[p + 9];
    const rdata = p + 10;
    if (rdata + rdlen > end) break;
    p = rdata + rdlen;
    // Only the answer section ties names to addresses; authority and
    // additional records (EDNS OPT among them) are walked, not trusted.
    if (i >= an || cls !== 1) continue;
    // RFC 2181: a TTL with the top bit set is treated as zero.
    const t = ttl > 0x7fffffff ? 0 : ttl;
    if (!addresses && type !== TYPE_CNAME) continue;
    if (type === TYPE_A && rdlen === 4) {
      answers.push({ name: n.name, type, ttl: t, data: ipv4Text(buf, rdata) });
    } else if (type === TYPE_AAAA && rdlen === 16) {
      answers.push({ name: n.name, type, ttl: t, data: ipv6Text(buf, rdata) });
    } else if (type === TYPE_CNAME) {
      const target = readName(buf, start, end, rdata);
      if (target !== null && target.next <= rdata + rdlen) answers.push({ name: n.name, type, ttl: t, data: target.name });
    }
  }
  return { id, response, rcode, questions, answers };
}

/**
 * Splits a DNS-over-TCP byte stream (RFC 1035 4.2.2: each message preceded
 * by a 16-bit length) into the complete messages it holds. A message cut off
 * at the end is left out; a zero length, which no real message has, ends the
 * walk since the stream is then not DNS or not aligned.
 */
export function dnsOverTcpMessages(buf: Uint8Array, start: number, end: number): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  if (!(start >= 0) || !(end <= buf.length)) return out;
  let p = start;
  while (p + 2 <= end && out.length < 1024) {
    const len = (buf[p] << 8) | buf[p + 1];
    if (len < HEADER || p + 2 + len > end) break;
    out.push({ start: p + 2, end: p + 2 + len });
    p += 2 + len;
  }
  return out;
}

function normalName(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * Addresses the answer section gives for each question name, following CNAME
 * chains (at most MAX_CHAIN links, loops cut) so that an A record for a CDN
 * target is tied to the name the host asked for. The TTL is the smallest
 * along the chain, since the tie lapses when any link does. Names compare
 * case-insensitively (readName already lower-cases).
 */
export function addressesByName(msg: DnsMessage): Array<{ name: string; address: string; ttl: number; chain: string[] }> {
  const out: Array<{ name: string; address: string; ttl: number; chain: string[] }> = [];
  if (!msg.response || msg.rcode !== 0) return out;
  const seenQ = new Set<string>();
  for (const q of msg.questions) {
    const qname = normalName(q.name.toLowerCase());
    if (seenQ.has(qname)) continue;
    seenQ.add(qname);
    let current = qname;
    let ttl = 0xffffffff;
    const chain: string[] = [];
    const visited = new Set<string>([qname]);
    for (let hop = 0; hop <= MAX_CHAIN; hop++) {
      let cname: DnsAnswer | null = null;
      for (const a of msg.answers) {
        if (normalName(a.name) !== current) continue;
        if (a.type === TYPE_A || a.type === TYPE_AAAA) {
          out.push({ name: qname, address: a.data, ttl: Math.min(ttl, a.ttl), chain: chain.slice() });
        } else if (a.type === TYPE_CNAME && cname === null) {
          cname = a;
        }
      }
      if (cname === null) break;
      const target = normalName(cname.data);
      if (visited.has(target)) break;
      visited.add(target);
      chain.push(target);
      ttl = Math.min(ttl, cname.ttl);
      current = target;
    }
  }
  return out;
}

/**
 * Hashes of name suffixes, label by label from the right ("org", then
 * "nanopool.org", ...), case-folded, over the wire bytes. A set of these for
 * the pool list lets a DNS message be ruled out without building one string:
 * most DNS traffic names no pool, and parsing it was the largest allocation
 * on a busy link. A hash collision only sends a message to the full parser.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function foldByte(h: number, b: number): number {
  return Math.imul(h ^ (b >= 0x41 && b <= 0x5a ? b + 32 : b), FNV_PRIME);
}

/** The suffix hash of a whole presentation-form name ("xmr-eu1.nanopool.org"), as suffixHashesOf would give for it. */
export function nameSuffixHash(name: string): number {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.');
  let h = FNV_OFFSET;
  for (let i = labels.length - 1; i >= 0; i--) {
    for (let j = 0; j < labels[i].length; j++) h = foldByte(h, labels[i].charCodeAt(j));
    h = foldByte(h, 0x2e);
  }
  return h;
}

const labelAt = new Int32Array(128);
const labelLen = new Int32Array(128);

/** True when some suffix of the (possibly compressed) name at `pos` hashes into `wanted`; false for a malformed name. */
function nameHits(buf: Uint8Array, start: number, end: number, pos: number, wanted: IntSet): boolean {
  let n = 0;
  let hops = 0;
  let p = pos;
  for (;;) {
    if (p < start || p >= end) return false;
    const len = buf[p];
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      if (p + 1 >= end) return false;
      const target = start + (((len & 0x3f) << 8) | buf[p + 1]);
      if (target >= p || ++hops > MAX_POINTERS) return false;
      p = target;
      continue;
    }
    if ((len & 0xc0) !== 0 || p + 1 + len > end || n === labelAt.length) return false;
    labelAt[n] = p + 1;
    labelLen[n] = len;
    n++;
    p += len + 1;
  }
  let h = FNV_OFFSET;
  for (let i = n - 1; i >= 0; i--) {
    const from = labelAt[i];
    for (let j = 0; j < labelLen[i]; j++) h = foldByte(h, buf[from + j]);
    h = foldByte(h, 0x2e);
    if (wanted.has(h)) return true;
  }
  return false;
}

/** Offset just past the (possibly compressed) name at `pos`, or -1. */
function skipName(buf: Uint8Array, end: number, pos: number): number {
  let p = pos;
  while (p < end) {
    const len = buf[p];
    if (len === 0) return p + 1;
    if ((len & 0xc0) === 0xc0) return p + 2 <= end ? p + 2 : -1;
    p += len + 1;
  }
  return -1;
}

/**
 * Whether a DNS message may name one of the suffixes in `wanted`: in a
 * question, or as the target of a CNAME answer. Allocates nothing. A false
 * answer is final; a true one still goes through parseDns and the signatures.
 */
export function mayNameSuffix(buf: Uint8Array, start: number, end: number, wanted: IntSet): boolean {
  if (!(start >= 0) || !(end <= buf.length) || end - start < HEADER) return false;
  const qd = (buf[start + 4] << 8) | buf[start + 5];
  const an = (buf[start + 6] << 8) | buf[start + 7];
  if (qd > MAX_QUESTIONS) return false;
  let p = start + HEADER;
  for (let i = 0; i < qd; i++) {
    if (nameHits(buf, start, end, p, wanted)) return true;
    p = skipName(buf, end, p);
    if (p < 0 || p + 4 > end) return false;
    p += 4;
  }
  const records = Math.min(an, MAX_RECORDS);
  for (let i = 0; i < records; i++) {
    p = skipName(buf, end, p);
    if (p < 0 || p + 10 > end) return false;
    const type = (buf[p] << 8) | buf[p + 1];
    const rdlen = (buf[p + 8] << 8) | buf[p + 9];
    const rdata = p + 10;
    if (rdata + rdlen > end) return false;
    if (type === TYPE_CNAME && nameHits(buf, start, end, rdata, wanted)) return true;
    p = rdata + rdlen;
  }
  return false;
}
