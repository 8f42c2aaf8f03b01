/**
 * Line-delimited JSON-RPC mining detection for one TCP flow: splits each
 * direction into lines, parses the ones that can be JSON objects, and lets the
 * dialect modules recognise their messages. See README.md for the dialects.
 */
import { DEFAULT_MAX_LINE_BYTES, VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED, type StreamClassifier } from '../classifier';
import type { Direction, Evidence } from '../evidence';
import { LEVEL_MEDIUM } from '../evidence';
import type { Signatures } from '../signatures';
import { lineDialects } from '../registry';
import { hasControl } from '../text';
import { Ctx, LineDialect, Msg } from './context';


/** A line buffer larger than this is let go once its line is read, so a flow keeps a big one only while a big line is open. */
const KEEP_BUFFER = 4096;
/** Without any mining message, give up on a direction after this many lines or bytes. */
const LINE_BUDGET = 8;
const BYTE_BUDGET = 4096;

const LF = 0x0a;
const QUOTE = 0x22;
const BRACE = 0x7b;
/** 'e': base64 of '{' and a quote or space starts with it (XMRig forks that wrap lines). */
const BASE64_LEAD = 0x65;

const decoder = new TextDecoder('utf-8');

/** Per-direction line state; created on the first bytes of that direction. */
class Side {
  buf: Uint8Array | null = null;
  len = 0;
  /** Dropping bytes until the next newline (after a gap, or an over-long line). */
  skip = false;
  lines = 0;
  bytes = 0;
  not = false;
  started = false;
  /** First byte other than whitespace of the open line; 0 while there is none. */
  lead = 0;
  /** Bytes of blank lines since the last line with content: padding is read through up to the line cap. */
  blank = 0;
}

export class JsonRpcSession implements StreamClassifier {
  private readonly c: Ctx;
  private s0: Side | null = null;
  private s1: Side | null = null;

  /**
   * `maxLine`: longest line read whole (bytes before its newline); a longer one is dropped.
   * `dialects`: tried in order on each message (the registry's order).
   */
  constructor(
    sigs: Signatures,
    private readonly maxLine = DEFAULT_MAX_LINE_BYTES,
    private readonly dialects: readonly LineDialect[] = lineDialects(),
  ) {
    this.c = new Ctx(sigs);
  }

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    const c = this.c;
    c.ev = ev;
    const s = this.side(dir);
    if (s.not && !c.found) return VERDICT_NOT_THIS;
    if (!c.found && end > start) {
      if (!s.started && foreignStart(data, start, end)) return this.reject(s);
      if (hasControl(data, start, end)) return this.reject(s);
    }
    if (end > start) s.started = true;
    let i = start;
    while (i < end) {
      let nl = data.indexOf(LF, i);
      if (nl < 0 || nl >= end) nl = -1;
      const stop = nl < 0 ? end : nl;
      if (s.skip) {
        if (nl >= 0) s.skip = false;
      } else if (s.len + (stop - i) > this.maxLine) {
        // Over-long line, whether or not its newline is here: no mining message is this big.
        // The buffer never grows past the cap, so the line is dropped, not kept; resync at the next newline.
        s.len = 0;
        s.lead = 0;
        if (nl < 0) s.skip = true;
        if (!c.found) return this.reject(s);
      } else if (nl < 0) {
        if (s.lead === 0) s.lead = firstContent(data, i, stop);
        append(s, data, i, stop, this.maxLine);
      } else if (s.len > 0) {
        append(s, data, i, stop, this.maxLine);
        const buf = s.buf as Uint8Array;
        const n = s.len;
        s.len = 0;
        s.lead = 0;
        if (buf.length > KEEP_BUFFER) s.buf = null;
        if (!this.line(dir, s, buf, 0, n) && !c.found) return this.reject(s);
      } else if (!this.line(dir, s, data, i, stop) && !c.found) {
        return this.reject(s);
      }
      i = nl < 0 ? end : nl + 1;
    }
    if (c.found && ev.level >= LEVEL_MEDIUM) return VERDICT_MINING;
    return s.not ? VERDICT_NOT_THIS : VERDICT_UNDECIDED;
  }

  gap(dir: Direction): void {
    const s = this.side(dir);
    s.len = 0;
    s.lead = 0;
    s.skip = true;
  }

  /** A line that began like JSON (or base64 of it), or a run of blank lines, is open and under the cap. */
  open(dir: Direction): boolean {
    const s = dir === 0 ? this.s0 : this.s1;
    if (s === null || s.not || s.skip || s.len + s.blank > this.maxLine) return false;
    if (s.len === 0) return s.blank > 0;
    return s.lead === 0 || s.lead === BRACE || s.lead === BASE64_LEAD;
  }

  private side(dir: Direction): Side {
    if (dir === 0) return (this.s0 ??= new Side());
    return (this.s1 ??= new Side());
  }

  private reject(s: Side): number {
    s.not = true;
    s.len = 0;
    s.lead = 0;
    // If the other direction later shows mining we are fed again: start at a line boundary.
    s.skip = true;
    s.buf = null;
    return VERDICT_NOT_THIS;
  }

  /** One complete line (newline excluded). Returns false when the direction is clearly not line JSON. */
  private line(dir: Direction, s: Side, b: Uint8Array, from: number, to: number): boolean {
    const c = this.c;
    let a = from;
    while (a < to && (b[a] === 0x20 || b[a] === 0x09 || b[a] === 0x0d)) a++;
    let z = to;
    while (z > a && (b[z - 1] === 0x20 || b[z - 1] === 0x09 || b[z - 1] === 0x0d)) z--;
    if (a === z) {
      s.blank += to - from + 1;
      return true;
    }
    s.blank = 0;
    const first = s.lines === 0;
    s.lines++;
    let msg: Msg | null = null;
    let wrapped = false;
    if (b[a] === BRACE && b.indexOf(QUOTE, a) >= 0 && b.indexOf(QUOTE, a) < z) {
      msg = parse(decoder.decode(b.subarray(a, z)));
    } else if (isBase64(b, a, z)) {
      const text = Buffer.from(decoder.decode(b.subarray(a, z)), 'base64').toString('utf8');
      if (text.charCodeAt(0) === BRACE && text.includes('"')) msg = parse(text);
      wrapped = msg !== null;
    }
    if (msg !== null && this.dispatch(dir, msg) && wrapped) c.ev.note('lines were base64-wrapped (an XMRig fork hiding its JSON)');
    if (c.found) return true;
    s.bytes += z - a;
    if (msg === null && !first) return false; // the first line may be the tail of one cut by the capture start
    if (s.lines >= LINE_BUDGET || s.bytes >= BYTE_BUDGET) s.not = true;
    return !s.not;
  }

  /** Hands a message to the dialects; true when one recognised it as mining. */
  private dispatch(dir: Direction, m: Msg): boolean {
    const c = this.c;
    const method = typeof m.method === 'string' ? m.method : null;
    // Grin repeats "method" in its answers, so an answer is anything with result/error and no params.
    const isAnswer = ('result' in m || 'error' in m) && !('params' in m);
    if (method !== null && !isAnswer) {
      for (const d of this.dialects) if (d.request(c, dir, method, m)) return true;
      return false;
    }
    if (!isAnswer) {
      // EIP-1571 answers success with the id alone ({"id":31}): only a pending request makes that an answer.
      if (method !== null || !('id' in m) || 'params' in m) return false;
      const asked = c.answered(dir, m.id);
      if (asked === undefined) return false;
      const ok = { ...m, result: true };
      for (const d of this.dialects) if (d.response(c, dir, asked, ok)) return true;
      return false;
    }
    const asked = c.answered(dir, m.id);
    if (asked !== undefined) {
      for (const d of this.dialects) if (d.response(c, dir, asked, m)) return true;
      return false;
    }
    for (const d of this.dialects) if (d.orphan(c, dir, m)) return true;
    return false;
  }
}

function parse(text: string): Msg | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Msg) : null;
  } catch {
    return null;
  }
}

/** First byte of [from, to) other than space, tab or CR, or 0 when there is none. */
function firstContent(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const x = b[i];
    if (x !== 0x20 && x !== 0x09 && x !== 0x0d) return x;
  }
  return 0;
}

/** Appends to the open line; the caller has checked that it stays within the cap. */
function append(s: Side, data: Uint8Array, from: number, to: number, cap: number): void {
  const n = to - from;
  if (n <= 0) return;
  let buf = s.buf;
  if (buf === null || buf.length < s.len + n) {
    let size = buf === null ? 512 : buf.length;
    while (size < s.len + n) size *= 2;
    const grown = new Uint8Array(Math.min(size, cap));
    if (buf !== null) grown.set(buf.subarray(0, s.len));
    buf = s.buf = grown;
  }
  buf.set(data.subarray(from, to), s.len);
  s.len += n;
}

const FOREIGN = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'HTTP/', 'SSH-', 'CONNECT ', 'OPTIONS ', 'PRI * '];

/** The first bytes of a direction belong to another protocol (HTTP, SSH); TLS is caught as control bytes. */
function foreignStart(b: Uint8Array, from: number, to: number): boolean {
  for (const p of FOREIGN) {
    if (to - from < p.length) continue;
    let k = 0;
    while (k < p.length && b[from + k] === p.charCodeAt(k)) k++;
    if (k === p.length) return true;
  }
  return false;
}

/** A line of base64 characters long enough to hold a JSON object. */
function isBase64(b: Uint8Array, from: number, to: number): boolean {
  if (to - from < 16) return false;
  // Base64 of "{" followed by a quote or space starts with "ey" / "e3" / "eyJ"; cheap first check.
  if (b[from] !== 0x65) return false;
  for (let i = from; i < to; i++) {
    const x = b[i];
    const ok =
      (x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a) || (x >= 0x30 && x <= 0x39) || x === 0x2b || x === 0x2f || x === 0x3d;
    if (!ok) return false;
  }
  return true;
}
