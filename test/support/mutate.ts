/**
 * Byte-level mutations for fuzzing, driven by a seeded PRNG (./random) so the
 * same seed gives the same mutant on every machine. Each mutation returns the
 * new bytes and appends a short description to `ops`, which a failure report
 * prints so a reader sees what was done without re-running it.
 */
export type Rand = () => number;

export function int(r: Rand, n: number): number {
  return Math.floor(r() * n);
}

export function pick<T>(r: Rand, xs: readonly T[]): T {
  return xs[int(r, xs.length)];
}

/** The byte values parsers branch on most: zero, sign and top bits, all ones. */
export const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe] as const;

export function bitFlip(r: Rand, b: Buffer, ops: string[]): Buffer {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  const at = int(r, out.length);
  const bit = int(r, 8);
  out[at] ^= 1 << bit;
  ops.push(`bit-flip @${at} bit ${bit}`);
  return out;
}

export function interestingByte(r: Rand, b: Buffer, ops: string[]): Buffer {
  if (b.length === 0) return b;
  const out = Buffer.from(b);
  const at = int(r, out.length);
  const v = pick(r, INTERESTING_BYTES);
  // Sometimes a whole 16- or 32-bit field, since lengths and offsets are that wide.
  const width = pick(r, [1, 1, 2, 4]);
  for (let k = 0; k < width && at + k < out.length; k++) out[at + k] = v;
  ops.push(`set ${width} byte(s) @${at} = 0x${v.toString(16)}`);
  return out;
}

function span(r: Rand, len: number): [number, number] {
  const from = int(r, len + 1);
  // Mostly short spans, sometimes long: both a field and a whole record can go.
  const max = r() < 0.8 ? 32 : len;
  const to = Math.min(len, from + 1 + int(r, Math.max(1, max)));
  return [from, to];
}

export function duplicateBlock(r: Rand, b: Buffer, ops: string[]): Buffer {
  if (b.length === 0) return b;
  const [from, to] = span(r, b.length);
  const at = int(r, b.length + 1);
  ops.push(`duplicate [${from},${to}) to @${at}`);
  return Buffer.concat([b.subarray(0, at), b.subarray(from, to), b.subarray(at)]);
}

export function deleteBlock(r: Rand, b: Buffer, ops: string[]): Buffer {
  if (b.length === 0) return b;
  const [from, to] = span(r, b.length);
  ops.push(`delete [${from},${to})`);
  return Buffer.concat([b.subarray(0, from), b.subarray(to)]);
}

export function insertBlock(r: Rand, b: Buffer, ops: string[]): Buffer {
  const at = int(r, b.length + 1);
  const n = 1 + int(r, r() < 0.9 ? 16 : 4096);
  const fill = Buffer.alloc(n);
  const how = int(r, 3);
  if (how === 0) for (let k = 0; k < n; k++) fill[k] = int(r, 256);
  else fill.fill(pick(r, INTERESTING_BYTES));
  ops.push(`insert ${n} ${how === 0 ? 'random' : `0x${fill[0].toString(16)}`} byte(s) @${at}`);
  return Buffer.concat([b.subarray(0, at), fill, b.subarray(at)]);
}

export function truncate(r: Rand, b: Buffer, ops: string[]): Buffer {
  const at = int(r, b.length + 1);
  ops.push(`truncate to ${at}`);
  return b.subarray(0, at);
}

const BYTE_MUTATIONS = [bitFlip, bitFlip, interestingByte, interestingByte, duplicateBlock, deleteBlock, insertBlock, truncate];

/** One to `max` byte-level mutations anywhere in `b` (truncation at most once, and last). */
export function mutateBytes(r: Rand, b: Buffer, ops: string[], max = 4): Buffer {
  const n = 1 + int(r, max);
  let out = b;
  for (let k = 0; k < n; k++) {
    const m = pick(r, BYTE_MUTATIONS);
    if (m === truncate && k < n - 1) continue;
    out = m(r, out, ops);
  }
  return out;
}
