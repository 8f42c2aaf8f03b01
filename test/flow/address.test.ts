import { Address6 } from 'ip-address';
import { addressText, ipv6BytesText } from '../../src/flow/address';

/** A small deterministic generator: addresses with runs of zero groups, as real ones have. */
function* addresses(count: number): Generator<number[]> {
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let n = 0; n < count; n++) {
    const bytes: number[] = [];
    for (let g = 0; g < 8; g++) {
      const zero = next() % 3 === 0;
      const v = zero ? 0 : next() & (next() % 2 ? 0xffff : 0x00ff);
      bytes.push(v >>> 8, v & 255);
    }
    yield bytes;
  }
}

describe('addressText', () => {
  test('IPv4 as dotted quads, including the top bit set', () => {
    expect(addressText(4, 0x0a010203, 0, 0, 0)).toBe('10.1.2.3');
    expect(addressText(4, 0xc0a80001, 0, 0, 0)).toBe('192.168.0.1');
    expect(addressText(4, 0xffffffff, 0, 0, 0)).toBe('255.255.255.255');
  });

  test('IPv6 matches RFC 5952 as ip-address writes it, over 20000 addresses', () => {
    for (const bytes of addresses(20000)) {
      const expected = Address6.fromByteArray(bytes).correctForm();
      const got = ipv6BytesText(Uint8Array.from(bytes), 0);
      if (got !== expected) throw new Error(`${bytes.join(',')}: got ${got}, expected ${expected}`);
    }
  });

  test('edge cases: all zero, loopback, one zero group, mapped IPv4', () => {
    expect(addressText(6, 0, 0, 0, 0)).toBe('::');
    expect(addressText(6, 0, 0, 0, 1)).toBe('::1');
    expect(addressText(6, 0x20010db8, 0x00000001, 0x00010001, 0x00010001)).toBe('2001:db8:0:1:1:1:1:1');
    expect(addressText(6, 0x20010db8, 0, 0x00010000, 0)).toBe('2001:db8:0:0:1::');
    expect(addressText(6, 0, 0, 0xffff, 0x0a000001)).toBe('::ffff:a00:1');
  });
});
