import { csvCell, excerpt, forTerminal, hasUnsafe, safeJson, shortened } from '../../src/report/escape';
import { ATTACKS, dangerousIn, everything, FORMULA_STARTS, formulaCells, hostileChars, SPACES } from './hostile';

/** Ordinary values that every function must leave exactly as they are. */
const ORDINARY = [
  'XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0',
  '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
  'xmr-eu1.nanopool.org',
  'rig\\032one', // text.ts's own escape of a space stays readable
  'Zürich-Rig ñ é', // Latin-1 letters are not C1 controls
  '矿机一号 😀 🇩🇪',
  'a b',
  'no\u00a0break', // NBSP is a visible space on a terminal
  '',
];

describe('forTerminal', () => {
  test('escapes every control, DEL, C1, bidi and invisible character, with its code', () => {
    for (const ch of hostileChars()) {
      const shown = forTerminal(`a${ch}b`);
      expect(dangerousIn(shown)).toEqual([]);
      const cp = ch.codePointAt(0) as number;
      const code = cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : cp < 0x10000 ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
      expect(shown).toBe(`a${code}b`);
    }
  });

  test('the named forms: ESC as \\x1b, RLO as \\u202e, a tag character as \\u{e0041}', () => {
    expect(forTerminal(ATTACKS.clearScreen)).toBe('\\x1b[2J\\x1b[3J\\x1b[H');
    expect(forTerminal(ATTACKS.osc0Title)).toBe('\\x1b]0;poolwatch: nothing found\\x07');
    expect(forTerminal('a\u202eb')).toBe('a\\u202eb');
    expect(forTerminal('\u{e0041}')).toBe('\\u{e0041}');
    expect(forTerminal(ATTACKS.loneSurrogate)).toBe('a\\ud800b\\udc00c');
    expect(forTerminal('x\ny\rz\tw')).toBe('x\\x0ay\\x0dz\\x09w');
  });

  test('leaves ordinary values, accents, CJK and emoji untouched (the same string)', () => {
    for (const s of ORDINARY) {
      expect(forTerminal(s)).toBe(s);
      expect(hasUnsafe(s)).toBe(false);
    }
  });

  test('no newline survives: a forged finding line stays inside its value', () => {
    const shown = forTerminal(ATTACKS.forgedLine);
    expect(shown.split('\n')).toHaveLength(1);
    expect(shown).toContain('\\x0aHIGH   10.66.66.66');
  });
});

describe('shortened', () => {
  test('returns a value that fits as it is', () => {
    expect(shortened('abcdef', 6)).toBe('abcdef');
  });

  test('marks a cut with the number of characters left out', () => {
    expect(shortened('abcdefghij', 4)).toBe('abcd…(+6)');
    expect(shortened('😀'.repeat(10), 3)).toBe('😀😀😀…(+7)');
  });

  test('never cuts inside an escape, and counts an escape by its shown width', () => {
    expect(shortened('ab\x1bcd', 4)).toBe('ab…(+3)');
    expect(shortened('ab\x1bcd', 6)).toBe('ab\\x1b…(+2)');
    expect(shortened('\u202e'.repeat(5), 13)).toBe('\\u202e\\u202e…(+3)');
  });

  test('neutralises what it keeps', () => {
    const s = shortened(everything(), 500);
    expect(dangerousIn(s)).toEqual([]);
    expect(s).toMatch(/…\(\+\d+\)$/);
  });

  test('a 50 MB value gives an 80-character excerpt in well under a second', () => {
    const big = 'A\x1b'.repeat(25_000_000);
    const t0 = process.hrtime.bigint();
    const e = excerpt(big);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(e.length).toBeLessThan(100);
    expect(e.startsWith('A\\x1bA\\x1b')).toBe(true);
    expect(e.endsWith("…(+49999968)")).toBe(true);
    expect(ms).toBeLessThan(1000);
  });
});

describe('csvCell', () => {
  test('quotes every cell and doubles quotes', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell('')).toBe('""');
  });

  test('defuses every formula start, behind any Unicode space, NBSP and full-width = included', () => {
    for (const cell of formulaCells()) {
      const out = csvCell(cell);
      expect({ cell, out: out.startsWith(`"'`) }).toEqual({ cell, out: true });
      expect(dangerousIn(out)).toEqual([]);
    }
    expect(csvCell('\u00a0=1+1')).toBe(`"'\u00a0=1+1"`);
    expect(csvCell('\uff1dcmd')).toBe(`"'\uff1dcmd"`);
    expect(csvCell('\u0000=1')).toBe(`"'\\x00=1"`);
  });

  test('leaves values that only contain formula characters later alone', () => {
    for (const s of ['a=b', 'x+y@z', '1-2', 'rig-01', 'a\u00a0=b']) expect(csvCell(s)).toBe(`"${s}"`);
    for (const start of FORMULA_STARTS) for (const space of SPACES) expect(csvCell(`x${space}${start}1`).startsWith(`"'`)).toBe(false);
  });

  test('no control reaches a cell raw: NUL, CR, LF, TAB, C1 and bidi are escaped', () => {
    const out = csvCell(`ok ${everything()}`);
    expect(dangerousIn(out)).toEqual([]);
    expect(out).toContain('\\x00');
    expect(out).not.toMatch(/[\r\n\t]/);
  });
});

describe('safeJson', () => {
  test('escapes U+2028, U+2029, DEL, C1, bidi and invisible characters as \\uXXXX, and parses back to the very same value', () => {
    const value = { agent: everything(), list: hostileChars(), n: 1 };
    for (const space of [undefined, 2]) {
      const json = safeJson(value, space);
      expect(dangerousIn(json, '\n')).toEqual([]);
      expect(json).toContain('\\u2028');
      expect(json).toContain('\\u0085');
      expect(json).toContain('\\u202e');
      expect(json).toContain('\\udb40\\udc01'); // U+E0001 as its surrogate pair
      expect(JSON.parse(json)).toEqual(value);
    }
  });

  test('is JSON.stringify itself for ordinary values', () => {
    const value = { values: ORDINARY, nested: { a: [1, null, 'é'] } };
    expect(safeJson(value)).toBe(JSON.stringify(value));
    expect(safeJson(value, 2)).toBe(JSON.stringify(value, null, 2));
  });
});
