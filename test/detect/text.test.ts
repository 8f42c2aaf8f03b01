import { escapedText, hasControl, latin1 } from '../../src/detect/text';
import { forTerminal } from '../../src/escape';

/** The one-character-at-a-time definitions the fast paths must equal. */
function latin1ByChar(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

function escapedByChar(b: Uint8Array, from: number, to: number, lower: boolean): string {
  let s = '';
  for (let i = from; i < to; i++) {
    let c = b[i];
    if (lower && c >= 0x41 && c <= 0x5a) c += 32;
    s += c > 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : '\\' + String(c).padStart(3, '0');
  }
  return s;
}

describe('latin1', () => {
  it('gives one character per byte, high bytes included, on a Buffer and on a plain Uint8Array', () => {
    const bytes = [0x48, 0x6f, 0x73, 0x74, 0x00, 0x7f, 0x80, 0x9f, 0xe9, 0xff];
    expect(latin1(Buffer.from(bytes), 0, bytes.length)).toBe(latin1ByChar(new Uint8Array(bytes), 0, bytes.length));
    expect(latin1(new Uint8Array(bytes), 2, 9)).toBe('st\u0000\u007f\u0080\u009f\u00e9');
  });

  it('reads a view that starts inside its ArrayBuffer from the view, not from the buffer', () => {
    const backing = new Uint8Array([0x61, 0x62, 0x63, 0x64, 0x65, 0x66]);
    const view = backing.subarray(2, 6);
    expect(latin1(view, 0, 3)).toBe('cde');
    expect(latin1(Buffer.from(backing.buffer, 3, 3), 1, 3)).toBe('ef');
  });

  it('is empty for an empty range', () => {
    expect(latin1(Buffer.from('abc'), 2, 2)).toBe('');
  });
});

describe('escapedText', () => {
  it('equals the byte-by-byte escaping for every byte value, folded and not', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    for (const lower of [false, true]) {
      for (let c = 0; c < 256; c++) expect(escapedText(all, c, c + 1, lower)).toBe(escapedByChar(all, c, c + 1, lower));
      expect(escapedText(all, 0, 256, lower)).toBe(escapedByChar(all, 0, 256, lower));
    }
  });

  it('folds upper case in a printable name only when asked', () => {
    const name = Buffer.from('xxPool.Example.COMyy');
    expect(escapedText(name, 2, 18, true)).toBe('pool.example.com');
    expect(escapedText(name, 2, 18, false)).toBe('Pool.Example.COM');
  });

  it('escapes a space, a backslash and control bytes inside an otherwise printable name', () => {
    expect(escapedText(Buffer.from('a b\\c\nD'), 0, 7, true)).toBe('a\\032b\\092c\\010d');
  });

  it('gives names a terminal can show as they are: forTerminal changes nothing, for any byte value', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    for (const lower of [false, true]) {
      const text = escapedText(all, 0, 256, lower);
      expect(forTerminal(text)).toBe(text);
    }
  });
});

describe('hasControl', () => {
  test('C0 controls other than tab, CR, LF, and DEL, only within the range', () => {
    const b = Buffer.from('ab\tc\r\nd\x7fe\x01f\x16', 'latin1');
    expect(hasControl(b, 0, 7)).toBe(false);
    expect(hasControl(b, 0, 8)).toBe(true); // DEL
    expect(hasControl(b, 9, 10)).toBe(true); // 0x01
    expect(hasControl(b, 10, 11)).toBe(false);
    expect(hasControl(b, 11, 12)).toBe(true); // a TLS record's first byte
    expect(hasControl(b, 5, 5)).toBe(false);
  });
});
