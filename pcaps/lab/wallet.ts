/**
 * Lab-made wallet addresses in the real formats (checksums included), so a
 * real miner accepts them (XMRig checks a Monero address before solo mining)
 * and the captures carry logins shaped like real ones, without using anybody's
 * real wallet. The keys behind them are hashes of fixed strings: nobody owns them.
 */
import { createHash } from 'node:crypto';

const RC: bigint[] = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n, 0x000000000000808bn,
  0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n, 0x000000000000008an, 0x0000000000000088n,
  0x0000000080008009n, 0x000000008000000an, 0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n,
  0x8000000000008003n, 0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
// Rotation offsets r[x][y].
const ROT = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];
const M64 = (1n << 64n) - 1n;
const rotl = (v: bigint, n: number) => (n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & M64);

function keccakF(s: bigint[]): void {
  const c = new Array<bigint>(5);
  const b = new Array<bigint>(25);
  for (let round = 0; round < 24; round++) {
    for (let x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (let y = 0; y < 5; y++) s[x + 5 * y] ^= d;
    }
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[x + 5 * y], ROT[x][y]);
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) s[x + 5 * y] = b[x + 5 * y] ^ (~b[((x + 1) % 5) + 5 * y] & M64 & b[((x + 2) % 5) + 5 * y]);
    s[0] ^= RC[round];
  }
}

/** Original Keccak-256 (Monero's cn_fast_hash; not NIST SHA3-256, whose padding differs). */
export function keccak256(data: Buffer): Buffer {
  const rate = 136;
  const padded = Buffer.alloc((Math.floor(data.length / rate) + 1) * rate);
  data.copy(padded);
  padded[data.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const s = new Array<bigint>(25).fill(0n);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 8; i++) s[i] ^= padded.readBigUInt64LE(off + i * 8);
    keccakF(s);
  }
  const out = Buffer.alloc(32);
  for (let i = 0; i < 4; i++) out.writeBigUInt64LE(s[i], i * 8);
  return out;
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Monero's base58: 8-byte blocks to 11 characters, a short last block to fewer. */
function moneroBase58(data: Buffer): string {
  const sizes = [0, 2, 3, 5, 6, 7, 9, 10, 11];
  let out = '';
  for (let off = 0; off < data.length; off += 8) {
    const block = data.subarray(off, Math.min(off + 8, data.length));
    let n = 0n;
    for (const byte of block) n = (n << 8n) | BigInt(byte);
    let chars = '';
    for (let i = 0; i < sizes[block.length]; i++) {
      chars = B58[Number(n % 58n)] + chars;
      n /= 58n;
    }
    out += chars;
  }
  return out;
}

/** A standard Monero main-net address (starts with 4, 95 characters) whose keys derive from `seed`. */
export function moneroAddress(seed: string): string {
  const spend = createHash('sha256').update(`spend:${seed}`).digest();
  const view = createHash('sha256').update(`view:${seed}`).digest();
  const body = Buffer.concat([Buffer.from([0x12]), spend, view]);
  return moneroBase58(Buffer.concat([body, keccak256(body).subarray(0, 4)]));
}

/** A Bitcoin P2PKH address (base58check, starts with 1) whose hash derives from `seed`. */
export function bitcoinAddress(seed: string): string {
  const h160 = createHash('sha256').update(`p2pkh:${seed}`).digest().subarray(0, 20);
  const body = Buffer.concat([Buffer.from([0x00]), h160]);
  const check = createHash('sha256').update(createHash('sha256').update(body).digest()).digest().subarray(0, 4);
  const full = Buffer.concat([body, check]);
  let n = BigInt(`0x${full.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const byte of full) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}
