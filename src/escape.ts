/**
 * Text chosen by the other side (a miner's login, agent and worker, a pool's
 * DNS names, a capture's file name) made safe for whoever reads the report:
 * a terminal, a spreadsheet, or a JSON consumer that pastes strings into a web
 * page or a JavaScript source.
 *
 * A character is neutralised when a reader would act on it or hide it rather
 * than show it: C0 and C1 controls and DEL (escape sequences, OSC 52 clipboard
 * writes, CR and LF that forge report lines), format characters (bidi
 * overrides, isolates and marks, zero-width joiners, the BOM, tag
 * characters), the line and paragraph separators, lone surrogates, and the
 * default-ignorable characters that render as nothing (variation selectors,
 * Hangul fillers). It is shown as its code, `\x1b` or `\u202e` (`\u{e0041}`
 * above the BMP), so the reader sees that it was there. Backslashes stay as
 * they are: the escapes mark hostile characters, they are not a reversible
 * encoding (JSON keeps every value whole).
 *
 * It sits beside paths.ts, outside the pipeline's stages, because every stage
 * needs it: detect for signature-file errors, report for the writers, cli for
 * error lines on the terminal.
 */

const UNSAFE_SET = '\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\p{Default_Ignorable_Code_Point}\\u2800';
const UNSAFE = new RegExp(`[${UNSAFE_SET}]`, 'u');
const UNSAFE_ALL = new RegExp(`[${UNSAFE_SET}]`, 'gu');
/** Most values are printable ASCII: this plain class answers them faster than the Unicode one. */
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** The shown form of one unsafe character (one code point, or a lone surrogate). */
function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (cp < 0x100) return `\\x${hex(cp, 2)}`;
  if (cp < 0x10000) return `\\u${hex(cp, 4)}`;
  return `\\u{${hex(cp, 5)}}`;
}

/** True when `text` holds a character that `forTerminal` would escape. */
export function hasUnsafe(text: string): boolean {
  return NOT_PRINTABLE_ASCII.test(text) && UNSAFE.test(text);
}

/** `text` with every control, bidi and invisible formatting character shown escaped; the same string when there is none. */
export function forTerminal(text: string): string {
  return hasUnsafe(text) ? text.replace(UNSAFE_ALL, escapeChar) : text;
}

const SURROGATE_PAIR = /[\ud800-\udbff][\udc00-\udfff]/g;

/** Number of code points in text[from..]: what a reader counts as characters (a regex scan: fast on a 50 MB value). */
function codePointsFrom(text: string, from: number): number {
  let pairs = 0;
  SURROGATE_PAIR.lastIndex = from;
  while (SURROGATE_PAIR.exec(text) !== null) pairs++;
  return text.length - from - pairs;
}

/**
 * `text` neutralised as by `forTerminal` and cut to at most `max` shown
 * characters, never inside an escape or a surrogate pair; a cut is marked
 * with `…(+N)`, N the characters left out. Costs O(max) plus a count of the
 * rest, so a 50 MB value gives a short excerpt quickly.
 */
export function shortened(text: string, max: number): string {
  if (text.length <= max && !hasUnsafe(text)) return text;
  let shown = '';
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const width = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    const ch = text.slice(i, i + width);
    const piece = UNSAFE.test(ch) ? escapeChar(ch) : ch;
    const cost = piece === ch ? 1 : piece.length;
    if (used + cost > max) break;
    shown += piece;
    used += cost;
    i += width;
  }
  return i >= text.length ? shown : `${shown}…(+${codePointsFrom(text, i)})`;
}

/** An excerpt of a bad value for an error message: neutralised and cut to 80 characters. */
export function excerpt(text: string, max = 80): string {
  return shortened(text, max);
}

/**
 * Characters a spreadsheet reads as the start of a formula (OWASP CSV
 * injection), with their full-width, small, super- and subscript and
 * mathematical look-alikes, some of which spreadsheets fold to ASCII.
 */
const FORMULA = '=+\\-@\\uff1d\\uff0b\\uff0d\\uff20\\ufe62\\ufe63\\ufe66\\ufe6b\\ufe58\\u2212\\u2010-\\u2015\\u207a-\\u207c\\u208a-\\u208c\\u2795\\u2796\\u2a75\\u2a76';
/**
 * A cell that starts with a control or invisible character, or whose first
 * character after spaces (any Unicode space, NBSP included) and invisible
 * characters is a formula character.
 */
const FORMULA_START = new RegExp(`^(?:[${UNSAFE_SET}]|[\\p{Zs}${UNSAFE_SET}]*[${FORMULA}])`, 'u');

/**
 * One CSV cell, always quoted: a formula start (see FORMULA_START) gets a
 * leading single quote so a spreadsheet shows it as text, controls and
 * invisible characters are escaped as for a terminal, `"` is doubled.
 */
export function csvCell(text: string): string {
  const guarded = FORMULA_START.test(text) ? `'${forTerminal(text)}` : forTerminal(text);
  return `"${guarded.replace(/"/g, '""')}"`;
}

/**
 * What JSON.stringify leaves raw but a reader acts on or hides: DEL, C1
 * controls, U+2028/U+2029 (line ends to JavaScript before ES2019 and to many
 * log viewers), bidi and other format or invisible characters. C0 controls
 * are escaped by JSON.stringify already (and raw newlines are its layout).
 */
const JSON_UNSAFE_SET = '\\u007f-\\u009f\\p{Cf}\\p{Zl}\\p{Zp}\\p{Default_Ignorable_Code_Point}\\u2800';
const JSON_UNSAFE = new RegExp(`[${JSON_UNSAFE_SET}]`, 'u');
const JSON_UNSAFE_ALL = new RegExp(`[${JSON_UNSAFE_SET}]`, 'gu');
/** JSON.stringify's output is mostly ASCII (it escapes C0 itself): a plain class answers that first. */
const NOT_ASCII = /[^\x00-\x7e]/;

function jsonEscapeChar(ch: string): string {
  let s = '';
  for (let i = 0; i < ch.length; i++) s += `\\u${hex(ch.charCodeAt(i), 4)}`;
  return s;
}

/**
 * JSON text of `value` with the characters above written as \uXXXX escapes:
 * JSON.parse gives back the very same value, nothing is cut. Those
 * characters can only stand inside strings, so the serialised text is
 * searched once and rewritten only when one is there.
 */
export function safeJson(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space);
  return NOT_ASCII.test(json) && JSON_UNSAFE.test(json) ? json.replace(JSON_UNSAFE_ALL, jsonEscapeChar) : json;
}
