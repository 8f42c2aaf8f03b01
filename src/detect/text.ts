/**
 * Strings made from captured bytes on the per-flow path (host names, header
 * names and values). Buffer's native latin1 slice makes one in a single call,
 * where adding it up a character at a time costs a call per byte and leaves a
 * chain of pieces to flatten when the string is first hashed. The native method takes any Uint8Array, not only a Buffer.
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice;

/** Bytes [from, to) of `b` as Latin-1 text, one character a byte; callers keep both ends within `b`. */
export function latin1(b: Uint8Array, from: number, to: number): string {
  return from < to ? latin1Slice.call(b, from, to) : '';
}

/**
 * Printable text of a name or protocol id: bytes outside 0x21-0x7e and the
 * backslash become `\DDD`, so a report never carries raw control bytes;
 * `lower` folds ASCII upper case.
 */
export function escapedText(b: Uint8Array, from: number, to: number, lower: boolean): string {
  let upper = false;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c <= 0x20 || c >= 0x7f || c === 0x5c) return escapedSlow(b, from, to, lower);
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  const s = latin1(b, from, to);
  return lower && upper ? s.toLowerCase() : s;
}

function escapedSlow(b: Uint8Array, from: number, to: number, lower: boolean): string {
  let s = '';
  for (let i = from; i < to; i++) {
    let c = b[i];
    if (lower && c >= 0x41 && c <= 0x5a) c += 32;
    s += c > 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\' + String(c).padStart(3, '0');
  }
  return s;
}

/** Bytes no text protocol here carries (JSON lines, HTTP heads): C0 controls other than tab, CR and LF, and DEL. */
export function hasControl(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const x = b[i];
    if ((x < 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d) || x === 0x7f) return true;
  }
  return false;
}
