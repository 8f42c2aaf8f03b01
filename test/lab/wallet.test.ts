import { createHash } from 'node:crypto';
import { bitcoinAddress, keccak256, moneroAddress } from '../../pcaps/lab/wallet';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

describe('lab wallet addresses', () => {
  test('keccak256 is original Keccak (Monero cn_fast_hash), not SHA3-256', () => {
    expect(keccak256(Buffer.alloc(0)).toString('hex')).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(keccak256(Buffer.from('abc')).toString('hex')).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
    // Longer than one 136-byte block: exercises absorbing several blocks.
    expect(keccak256(Buffer.alloc(200, 0x61)).equals(keccak256(Buffer.alloc(200, 0x61)))).toBe(true);
    expect(keccak256(Buffer.alloc(200, 0x61)).equals(keccak256(Buffer.alloc(201, 0x61)))).toBe(false);
  });

  test('Monero address: 95 base58 characters, main-net prefix 4, checksum over the decoded body', () => {
    const a = moneroAddress('test');
    expect(a).toHaveLength(95);
    expect(a).toMatch(/^4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}$/);
    // Decode Monero's block base58 (11 characters per 8 bytes, 7 for the last 5) and check the keccak checksum.
    const bytes: number[] = [];
    for (let i = 0; i < 95; i += 11) {
      const chunk = a.slice(i, i + 11);
      let n = 0n;
      for (const c of chunk) n = n * 58n + BigInt(B58.indexOf(c));
      const size = chunk.length === 11 ? 8 : 5;
      for (let k = size - 1; k >= 0; k--) bytes.push(Number((n >> BigInt(8 * k)) & 0xffn));
    }
    const raw = Buffer.from(bytes);
    expect(raw).toHaveLength(69);
    expect(raw[0]).toBe(0x12);
    expect(raw.subarray(65).equals(keccak256(raw.subarray(0, 65)).subarray(0, 4))).toBe(true);
    expect(moneroAddress('test')).toBe(a);
    expect(moneroAddress('other')).not.toBe(a);
  });

  test('Bitcoin P2PKH address: base58check with version 0', () => {
    const a = bitcoinAddress('test');
    expect(a).toMatch(/^1[1-9A-HJ-NP-Za-km-z]{25,33}$/);
    let n = 0n;
    for (const c of a) n = n * 58n + BigInt(B58.indexOf(c));
    const raw = Buffer.from(n.toString(16).padStart(50, '0'), 'hex');
    const check = createHash('sha256').update(createHash('sha256').update(raw.subarray(0, 21)).digest()).digest().subarray(0, 4);
    expect(raw[0]).toBe(0);
    expect(raw.subarray(21).equals(check)).toBe(true);
  });
});
