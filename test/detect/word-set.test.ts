import { WordSet } from '../../src/detect/word-set';
import { rng } from '../support/random';

describe('WordSet', () => {
  test('holds what was added, including 0 and negative words, and nothing else', () => {
    const s = new WordSet(100);
    for (const w of [0, 1, -1, 0x7fffffff, -0x80000000, 0xc6336407]) expect(s.add(w)).toBe(true);
    expect(s.size).toBe(6);
    // An unsigned word and its signed form are one member.
    expect(s.has(0xc6336407 | 0)).toBe(true);
    expect(s.has(0xffffffff)).toBe(true);
    expect(s.has(2)).toBe(false);
    expect(s.add(1)).toBe(true);
    expect(s.size).toBe(6);
  });

  test('refuses a new word once full, still accepts one it holds, and is empty after clear', () => {
    const s = new WordSet(3);
    expect([s.add(0), s.add(10), s.add(20)]).toEqual([true, true, true]);
    expect(s.full).toBe(true);
    expect(s.add(30)).toBe(false);
    expect(s.add(10)).toBe(true);
    expect(s.has(30)).toBe(false);
    s.clear();
    expect([s.size, s.has(0), s.has(10)]).toEqual([0, false, false]);
    expect(s.add(30)).toBe(true);
  });

  test('agrees with a Set on random words up to its capacity', () => {
    const r = rng(13);
    const s = new WordSet(5000);
    const ref = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const w = Math.floor(r() * 2 ** 32) | 0;
      s.add(w);
      ref.add(w);
    }
    expect(s.size).toBe(ref.size);
    for (const w of ref) expect(s.has(w)).toBe(true);
    let extra = 0;
    for (let i = 0; i < 5000; i++) {
      const w = Math.floor(r() * 2 ** 32) | 0;
      if (s.has(w) !== ref.has(w)) extra++;
    }
    expect(extra).toBe(0);
  });
});
