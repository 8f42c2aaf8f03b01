/**
 * Cryptocurrency NODE peer-to-peer traffic (not pool mining): a full node
 * talking to its peers must be reported, if at all, as node traffic and
 * never as a miner. Recognised from the first bytes of either direction.
 *
 * - Bitcoin-family v1 transport: 4-byte network magic, 12-byte NUL-padded
 *   ASCII command, payload length U32 LE, checksum.
 * - Levin (Monero and other CryptoNote nodes): signature 0x0101010101012101
 *   as U64 LE, i.e. bytes 01 21 01 01 01 01 01 01, then a 25-byte header.
 * - Ethereum devp2p: RLPx opens with an ECIES-encrypted auth message; only its
 *   EIP-8 size prefix and the 0x04 key marker are visible, so this is checked
 *   only on the initiator's exact first flight (see looksLikeRlpxAuth).
 *
 * Not recognisable from content: Bitcoin's BIP 324 v2 transport (pseudo-random
 * from the first byte) and RLPx mid-stream; the engine can use the ports
 * (8333, 18080, 30303) for those as weak evidence.
 *
 * Nothing here throws, and nothing reads outside [start, end).
 */

export interface NodeMagic {
  /** Network magic as 8 lower-case hex digits, in wire order. */
  magic: string;
  protocol: string;
  network: string;
}

/** Message-start bytes from each project's chainparams. */
export const BITCOIN_FAMILY: readonly NodeMagic[] = [
  { magic: 'f9beb4d9', protocol: 'bitcoin-p2p', network: 'bitcoin-mainnet' },
  { magic: '0b110907', protocol: 'bitcoin-p2p', network: 'bitcoin-testnet3' },
  { magic: '1c163f28', protocol: 'bitcoin-p2p', network: 'bitcoin-testnet4' },
  { magic: '0a03cf40', protocol: 'bitcoin-p2p', network: 'bitcoin-signet' },
  { magic: 'fabfb5da', protocol: 'bitcoin-p2p', network: 'bitcoin-regtest' },
  { magic: 'fbc0b6db', protocol: 'litecoin-p2p', network: 'litecoin-mainnet' },
  { magic: 'fdd2c8f1', protocol: 'litecoin-p2p', network: 'litecoin-testnet' },
  { magic: 'c0c0c0c0', protocol: 'dogecoin-p2p', network: 'dogecoin-mainnet' },
  { magic: 'fcc1b7dc', protocol: 'dogecoin-p2p', network: 'dogecoin-testnet' },
  { magic: 'e3e1f3e8', protocol: 'bitcoin-cash-p2p', network: 'bitcoin-cash-mainnet' },
  { magic: 'bf0c6bbd', protocol: 'dash-p2p', network: 'dash-mainnet' },
  { magic: '24e92764', protocol: 'zcash-p2p', network: 'zcash-mainnet' },
  { magic: '5241564e', protocol: 'ravencoin-p2p', network: 'ravencoin-mainnet' },
  { magic: 'fac3b6da', protocol: 'digibyte-p2p', network: 'digibyte-mainnet' },
  { magic: 'f9beb4fe', protocol: 'namecoin-p2p', network: 'namecoin-mainnet' },
];

const MAGIC_BY_WORD = new Map<number, NodeMagic>(BITCOIN_FAMILY.map((m) => [parseInt(m.magic, 16) >>> 0, m]));

/** Bitcoin Core's MAX_SIZE: no message payload is larger. */
const MAX_PAYLOAD = 0x02000000;
const LEVIN_SIGNATURE = [0x01, 0x21, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01];
/** monerod rejects bodies over 100 MB by default. */
const MAX_LEVIN_BODY = 100_000_000;

export interface NodeMatch {
  protocol: string;
  network: string;
  /** Bitcoin-family command ("version", "inv", ...), Levin command number as text, or null. */
  command: string | null;
}

/**
 * The Bitcoin-family header at `start`: magic from the table, a command of
 * 1-12 printable ASCII characters NUL-padded to 12 bytes, and (when the
 * bytes are there) a payload length within MAX_SIZE. Needs 16 bytes.
 */
function bitcoinFamily(buf: Uint8Array, start: number, end: number): NodeMatch | null {
  if (end - start < 16) return null;
  const word = ((buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) | buf[start + 3]) >>> 0;
  const m = MAGIC_BY_WORD.get(word);
  if (m === undefined) return null;
  let n = 0;
  while (n < 12 && buf[start + 4 + n] !== 0) {
    const c = buf[start + 4 + n];
    if (c <= 0x20 || c >= 0x7f) return null;
    n++;
  }
  if (n === 0) return null;
  for (let i = n; i < 12; i++) if (buf[start + 4 + i] !== 0) return null;
  if (end - start >= 20) {
    const len = (buf[start + 16] | (buf[start + 17] << 8) | (buf[start + 18] << 16) | (buf[start + 19] << 24)) >>> 0;
    if (len > MAX_PAYLOAD) return null;
  }
  let command = '';
  for (let i = 0; i < n; i++) command += String.fromCharCode(buf[start + 4 + i]);
  return { protocol: m.protocol, network: m.network, command };
}

/**
 * Levin header (monero docs/LEVIN_PROTOCOL.md): signature, body size U64 LE,
 * expect-response byte, command U32, return code I32, flags U32, version U32
 * fixed at 1. Monero peers may also start with TLS (its SSL autodetect mode),
 * which this cannot see.
 */
function levin(buf: Uint8Array, start: number, end: number): NodeMatch | null {
  if (end - start < 8) return null;
  for (let i = 0; i < 8; i++) if (buf[start + i] !== LEVIN_SIGNATURE[i]) return null;
  let command: string | null = null;
  if (end - start >= 33) {
    const p = start + 8;
    const sizeLow = (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
    const sizeHigh = buf[p + 4] | buf[p + 5] | buf[p + 6] | buf[p + 7];
    if (sizeHigh !== 0 || sizeLow > MAX_LEVIN_BODY) return null;
    const cmd = (buf[p + 9] | (buf[p + 10] << 8) | (buf[p + 11] << 16) | (buf[p + 12] << 24)) >>> 0;
    const version = (buf[p + 21] | (buf[p + 22] << 8) | (buf[p + 23] << 16) | (buf[p + 24] << 24)) >>> 0;
    if (version !== 1) return null;
    command = String(cmd);
  }
  return { protocol: 'monero-p2p', network: 'levin', command };
}

/**
 * RLPx auth (EIP-8): a 2-byte big-endian size, then an ECIES message whose
 * first byte is 0x04 (an uncompressed secp256k1 key) and whose length is at
 * least key (65) + IV (16) + MAC (32) plus some ciphertext. Only meaningful on
 * the initiator's whole first flight, [start, end) exactly: the size must
 * account for every byte. Pre-EIP-8 auth (307 bytes, no prefix) is not
 * recognised.
 */
export function looksLikeRlpxAuth(buf: Uint8Array, start: number, end: number): boolean {
  if (!(start >= 0) || !(end <= buf.length) || end - start < 3) return false;
  const size = (buf[start] << 8) | buf[start + 1];
  return size === end - start - 2 && size >= 65 + 16 + 32 + 100 && size <= 2048 && buf[start + 2] === 0x04;
}

/** Identifies node peer-to-peer traffic at the start of [start, end); null when it is not (recognisably) node traffic. */
export function identifyNode(buf: Uint8Array, start: number, end: number): NodeMatch | null {
  if (!(start >= 0) || !(end <= buf.length) || start > end) return null;
  const b = bitcoinFamily(buf, start, end);
  if (b !== null) return b;
  const l = levin(buf, start, end);
  if (l !== null) return l;
  if (looksLikeRlpxAuth(buf, start, end)) return { protocol: 'ethereum-p2p', network: 'devp2p', command: null };
  return null;
}

/** "bitcoin-p2p", "litecoin-p2p", "monero-p2p", "ethereum-p2p", ... or null. */
export function nodeProtocol(buf: Uint8Array, start: number, end: number): string | null {
  const m = identifyNode(buf, start, end);
  return m === null ? null : m.protocol;
}
