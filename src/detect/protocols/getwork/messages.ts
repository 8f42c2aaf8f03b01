/**
 * Pieces of HTTP/1.x messages the getwork session needs: where a start line
 * or a head ends in text gathered so far, the head itself, a JSON body, and
 * the shapes of a work answer.
 */
import { parseHttpRequestHead, parseHttpResponseHead } from '../http/http';

export interface Message {
  request: boolean;
  headers: Map<string, string>;
}

export type Json = { [key: string]: unknown };

// Bodies rarely end with a newline, so the next start line may follow a '}' directly.
const START = /(?:POST|GET|PUT) \S+ HTTP\/1\.[01]\r?\n|HTTP\/1\.[01] \d{3}[^\n]*\n/;
const STARTS = ['POST ', 'GET ', 'PUT ', 'HTTP/1.'];

/** The bytes at i begin (or could begin, if cut short) an HTTP start line. */
export function couldStart(b: Uint8Array, i: number, end: number): boolean {
  return STARTS.some((p) => {
    const n = Math.min(p.length, end - i);
    for (let k = 0; k < n; k++) if (b[i + k] !== p.charCodeAt(k)) return false;
    return n > 0;
  });
}

/** Offset of the first HTTP start line in text, or -1. */
export function findStart(text: string): number {
  const m = START.exec(text);
  return m ? m.index : -1;
}

/**
 * A work answer: getwork {data, target}, a Bitcoin block template (keys only
 * getblocktemplate has: getblock also has previousblockhash), or monerod's template.
 */
export function isWork(r: Json): boolean {
  if (typeof r.blocktemplate_blob === 'string') return true;
  if (typeof r.previousblockhash === 'string' && (r.coinbasevalue !== undefined || r.noncerange !== undefined)) return true;
  return typeof r.data === 'string' && /^[0-9a-f]{160,}$/i.test(r.data) && typeof r.target === 'string' && /^[0-9a-f]{64}$/i.test(r.target);
}

export function headEnd(text: string): number {
  const a = text.indexOf('\r\n\r\n');
  const b = text.indexOf('\n\n');
  if (a < 0 && b < 0) return -1;
  if (a >= 0 && (b < 0 || a < b)) return a + 4;
  return b + 2;
}

/** A request or response head (start line, headers, blank line), read by the one HTTP head parser (protocols/http). */
export function parseHead(text: string): Message | null {
  const b = Buffer.from(text, 'latin1');
  if (b[0] === 0x48) {
    const res = parseHttpResponseHead(b, 0, b.length, b.length + 1);
    return typeof res === 'number' ? null : { request: false, headers: res.headers };
  }
  const req = parseHttpRequestHead(b, 0, b.length, b.length + 1);
  return typeof req === 'number' ? null : { request: true, headers: req.headers };
}

export function parseJson(text: string): Json | null {
  const t = text.trimStart();
  if (!t.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}
