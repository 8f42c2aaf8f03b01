/**
 * Mutations of application payload text, aimed at the JSON-RPC, HTTP and DNS
 * parsers: method names swapped, numbers made huge, values nested deep or made
 * long, invalid UTF-8, control characters and bidi overrides put into the
 * strings that end up in the report (login, agent, worker, host names).
 */
import { int, pick, type Rand } from '../support/mutate';

/** Method names of every dialect (signatures/methods.txt), and a few near misses. */
export const METHODS = [
  'mining.subscribe', 'mining.authorize', 'mining.submit', 'mining.notify', 'mining.set_difficulty', 'mining.configure',
  'mining.extranonce.subscribe', 'mining.set_target', 'login', 'getjob', 'submit', 'job', 'keepalived', 'eth_submitLogin',
  'eth_getWork', 'eth_submitWork', 'eth_submitHashrate', 'getblocktemplate', 'getwork', 'get_block_template', 'status',
  'mining.', '', 'MINING.SUBSCRIBE', 'login\u0000', 'mining.subscribe\u001b[2J',
] as const;

export const HUGE_NUMBERS = [
  '1e999', '-1e999', '99999999999999999999999999999999', '-0', '0.0000000000000000000001', '18446744073709551616',
  '9007199254740993', 'NaN', 'Infinity', '1' + '0'.repeat(400), '0x7fffffff', '-2147483649', '1e-400',
] as const;

/** What an attacker puts in a login or agent so the analyst's terminal obeys it. */
export const HOSTILE_TEXT = [
  '\u001b[2J\u001b[H', '\u001b]52;c;ZXZpbA==\u0007', '\u001b]0;pwned\u0007', '\u0007', '\r\nHIGH   10.6.6.6 -> 6.6.6.6:3333  stratum-v1',
  '\u009b31m', '\u2028', '\u2029', '\u202e', '\u2066', '\u0000', '\u007f', '=cmd|\'/c calc\'!A1', '\u00a0=1+1', '\uff1d1+1',
  '\\u001b[2J', '\\u009b', '\\u202e', '\\ud800', '\\udfff\\ud800', '\\u0000', '\\r\\nHIGH ',
] as const;

/** Byte sequences that are not UTF-8: lone continuation, overlong, surrogate, truncated, 0xff. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xc3, 0x28]] as const;

/** Sizes that cross the caps the code states: the inspect window, the 16 KiB line, 64 KiB. */
const LONG_SIZES = [100, 4096, 8200, 16380, 16390, 16500, 33000] as const;

function replaceAt(p: Buffer, from: number, to: number, what: Buffer): Buffer {
  return Buffer.concat([p.subarray(0, from), what, p.subarray(to)]);
}

/** Start and end of each "quoted string" value (without quotes) in the first bytes of `p`. */
function strings(p: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const limit = Math.min(p.length, 8192);
  for (let k = 0; k < limit; k++) {
    if (p[k] !== 0x22) continue;
    let e = k + 1;
    while (e < limit && p[e] !== 0x22) e += p[e] === 0x5c ? 2 : 1;
    if (e >= limit) break;
    out.push([k + 1, e]);
    k = e;
  }
  return out;
}

/** Start and end of each run of digits (a JSON number, a length, a port). */
function numbers(p: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const limit = Math.min(p.length, 8192);
  for (let k = 0; k < limit; k++) {
    if (p[k] < 0x30 || p[k] > 0x39) continue;
    let e = k;
    while (e < limit && p[e] >= 0x30 && p[e] <= 0x39) e++;
    out.push([k, e]);
    k = e;
  }
  return out;
}

/** A mutated copy of a payload (it may be longer or shorter), with what was done in `ops`. */
export function mutatePayload(r: Rand, p: Buffer, ops: string[]): Buffer {
  const strs = strings(p);
  const nums = numbers(p);
  const at = int(r, p.length + 1);
  switch (int(r, 10)) {
    case 0: {
      const m = pick(r, METHODS);
      const s = strs.find((x) => METHODS.includes(p.subarray(x[0], x[1]).toString('latin1') as (typeof METHODS)[number])) ?? (strs.length ? pick(r, strs) : null);
      if (s === null) break;
      ops.push(`payload method ${JSON.stringify(p.subarray(s[0], s[1]).toString('latin1'))} -> ${JSON.stringify(m)}`);
      return replaceAt(p, s[0], s[1], Buffer.from(m));
    }
    case 1: {
      if (nums.length === 0) break;
      const n = pick(r, nums);
      const v = pick(r, HUGE_NUMBERS);
      ops.push(`payload number @${n[0]} -> ${v.slice(0, 24)}`);
      return replaceAt(p, n[0], n[1], Buffer.from(v));
    }
    case 2: {
      const depth = pick(r, [64, 1000, 5000, 20000]);
      const open = pick(r, ['[', '{"a":']);
      const close = open === '[' ? ']' : '}';
      const where = strs.length && r() < 0.7 ? pick(r, strs)[0] - 1 : at;
      ops.push(`payload nesting ${depth} x ${open} @${where}`);
      return replaceAt(p, Math.max(0, where), Math.max(0, where), Buffer.from(open.repeat(depth) + '1' + close.repeat(depth)));
    }
    case 3: {
      const n = pick(r, LONG_SIZES);
      const where = strs.length ? pick(r, strs)[0] : at;
      ops.push(`payload long string ${n} @${where}`);
      return replaceAt(p, where, where, Buffer.alloc(n, pick(r, ['A', ' ', '\\', '%'])));
    }
    case 4: {
      const bad = Buffer.from(pick(r, INVALID_UTF8));
      const where = strs.length ? pick(r, strs)[int(r, 2)] : at;
      ops.push(`payload invalid utf-8 ${bad.toString('hex')} @${where}`);
      return replaceAt(p, where, where, bad);
    }
    case 5:
    case 6: {
      const t = pick(r, HOSTILE_TEXT);
      const where = strs.length ? pick(r, strs)[int(r, 2)] : at;
      ops.push(`payload control text ${JSON.stringify(t)} @${where}`);
      return replaceAt(p, where, where, Buffer.from(t, 'utf8'));
    }
    case 7: {
      // A newline added splits a JSON-RPC line; one removed joins two.
      const nl = p.indexOf(0x0a);
      if (nl >= 0 && r() < 0.5) {
        ops.push(`payload newline removed @${nl}`);
        return replaceAt(p, nl, nl + 1, Buffer.alloc(0));
      }
      ops.push(`payload newline added @${at}`);
      return replaceAt(p, at, at, Buffer.from(pick(r, ['\n', '\r\n', '\r', '\n\n\n'])));
    }
    case 8: {
      const times = pick(r, [2, 10, 200]);
      ops.push(`payload repeated ${times} times`);
      return Buffer.concat(Array.from({ length: times }, () => p));
    }
    default: {
      if (strs.length === 0) break;
      const s = pick(r, strs);
      const v = pick(r, ['', '"', '\\', '\\u', '\\ud83d', 'a'.repeat(300), 'x.pool.example\u0000.com', '..', '*']);
      ops.push(`payload string @${s[0]} -> ${JSON.stringify(v.slice(0, 20))}`);
      return replaceAt(p, s[0], s[1], Buffer.from(v, 'utf8'));
    }
  }
  ops.push(`payload byte @${at} = 0x00`);
  return replaceAt(p, at, at, Buffer.from([0]));
}
