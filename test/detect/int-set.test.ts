import { IntSet } from '../../src/detect/int-set';

/** A reproducible stream of 32-bit values (xorshift), negative ones included. */
function values(seed: number, n: number): number[] {
  const out: number[] = [];
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(x | 0);
  }
  return out;
}

describe('IntSet', () => {
  it('holds exactly its members, as a Set does, over a million other values', () => {
    const members = values(7, 3000);
    const set = new IntSet(members);
    const reference = new Set(members);
    expect(set.size).toBe(reference.size);
    for (const v of members) expect(set.has(v)).toBe(true);
    let wrong = 0;
    for (const v of values(99, 1_000_000)) if (set.has(v) !== reference.has(v)) wrong++;
    expect(wrong).toBe(0);
  });

  it('keeps 0, -1 and the extremes apart from its free-slot marker', () => {
    const set = new IntSet([0, 1, 2, -1, 0x7fffffff, -0x80000000]);
    for (const v of [0, 1, 2, -1, 0x7fffffff, -0x80000000]) expect(set.has(v)).toBe(true);
    for (const v of [3, -2, 0x7ffffffe, 4]) expect(set.has(v)).toBe(false);
  });

  it('answers false for everything when empty, and folds duplicates and unsigned input', () => {
    const empty = new IntSet([]);
    for (const v of [0, 1, -1, 12345]) expect(empty.has(v)).toBe(false);
    const set = new IntSet([0xffffffff, -1, 5, 5]);
    expect(set.size).toBe(2);
    expect(set.has(-1)).toBe(true);
  });

  it('finds members whose home slots collide, past each other', () => {
    // Values that differ only in their top bits: a weak hash would send them all to one slot.
    const members = Array.from({ length: 64 }, (_, i) => i << 24);
    const set = new IntSet(members);
    for (const v of members) expect(set.has(v)).toBe(true);
    for (let i = 64; i < 128; i++) expect(set.has(i << 24)).toBe(false);
  });
});
