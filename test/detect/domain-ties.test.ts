import { DomainTies } from '../../src/detect/domain-ties';
import { loadSignatures } from '../../src/detect/signatures';

const pool = loadSignatures().matchPoolDomain('xmr-eu1.nanopool.org')!;
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

describe('DomainTies', () => {
  test('ties an answer\'s address to the pool domain for the answer\'s TTL, at least a minute', () => {
    const ties = new DomainTies();
    ties.tie('198.51.100.7', 'xmr-eu1.nanopool.org', pool, 30, T0);
    expect(ties.lookup('198.51.100.7', T0 + 59_000)?.domain).toBe('xmr-eu1.nanopool.org');
    expect(ties.lookup('198.51.100.7', T0 + 61_000)).toBeUndefined();
    expect(ties.lookup('198.51.100.8', T0)).toBeUndefined();
  });

  test('mayHold rules out by number only addresses no answer ever tied', () => {
    const ties = new DomainTies();
    const word = (0xc6 << 24 | 0x33 << 16 | 0x64 << 8 | 0x07) >>> 0; // 198.51.100.7
    expect(ties.mayHold(4, word)).toBe(false);
    ties.tie('198.51.100.7', 'xmr-eu1.nanopool.org', pool, 30, T0);
    expect(ties.mayHold(4, word)).toBe(true);
    // Packets carry the word as an unsigned or a signed 32-bit number; both are the address.
    expect(ties.mayHold(4, word | 0)).toBe(true);
    expect(ties.mayHold(4, word + 1)).toBe(false);
    // An expired tie may still be held by number: the exact lookup decides.
    expect(ties.lookup('198.51.100.7', T0 + 3_600_000)).toBeUndefined();
    expect(ties.mayHold(4, word)).toBe(true);
    // IPv6 is not kept by number: any IPv6 tie sends every IPv6 flow to the exact lookup.
    expect(ties.mayHold(6, 0x20010db8)).toBe(false);
    ties.tie('2001:db8::7', 'xmr-eu1.nanopool.org', pool, 30, T0);
    ties.tie('::ffff:198.51.100.9', 'xmr-eu1.nanopool.org', pool, 30, T0);
    expect(ties.mayHold(6, 0x20010db8)).toBe(true);
    expect(ties.mayHold(4, (word + 2) >>> 0)).toBe(false);
  });
});
