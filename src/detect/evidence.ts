/**
 * What detection learned about one flow. Detectors only add to it; the report
 * merges the evidence of every flow between the same host and pool.
 *
 * Directions are relative to the flow as first seen: 0 is from the side that
 * opened it (the SYN sender, or the first sender when no SYN was captured),
 * 1 is the reverse. A detector that sees miner-only traffic (a login, a
 * submit) in direction 1 sets `minerDirection = 1`, which swaps host and pool
 * in the report, so captures picked up mid-stream are still told right.
 */
import type { Direction } from '../flow/flow';
export type { Direction };

export const LEVEL_NONE = 0;
export const LEVEL_LOW = 1;
export const LEVEL_MEDIUM = 2;
export const LEVEL_HIGH = 3;

export const CONFIDENCE_NAMES = ['none', 'low', 'medium', 'high'] as const;
export type Confidence = 'low' | 'medium' | 'high';

export class Evidence {
  /** One documented word per dialect: stratum-v1, ethereum-stratum, eth-proxy, cryptonote, getwork, stratum-v2, tls, dns ... */
  protocol: string | null = null;
  /** LEVEL_*: high when both sides spoke mining, medium for one side, low for a name or port hint alone. */
  level = LEVEL_NONE;
  /** Which direction carries the miner's requests; -1 while unknown. */
  minerDirection: -1 | Direction = -1;
  /** Mining content was seen from the miner / from the pool. */
  minerSpoke = false;
  poolSpoke = false;
  login: string | null = null;
  worker: string | null = null;
  agent: string | null = null;
  /** Miner software family from signatures/agents (XMRig, cpuminer, ...). */
  minerSoftware: string | null = null;
  algorithms: string[] = [];
  coin: string | null = null;
  /** Pool domain from SNI, HTTP Host, a Zcash subscribe, or a DNS answer for the pool address. */
  domain: string | null = null;
  /** Pool operator from signatures/pools when the domain matched. */
  poolName: string | null = null;
  /** Last share difficulty the pool set (derived from the target for CryptoNote). */
  difficulty: number | null = null;
  target: string | null = null;
  jobs = 0;
  sharesSubmitted = 0;
  sharesAccepted = 0;
  sharesRejected = 0;
  /** Sum of the difficulty of accepted shares: hashes done = this (x 2^32 for Bitcoin-style difficulty). */
  acceptedWork = 0;
  /** Hashes per second the miner itself claims (eth_submitHashrate, mining.hashrate, X-Mining-Hashrate); the latest stands. */
  reportedHashrate: number | null = null;
  /** Sentences saying what matched, each once, in the order seen. */
  notes: string[] = [];
  /** Peer-to-peer node traffic rather than pool mining (reported only on request). */
  node: string | null = null;
  /** The only reason so far is a DNS answer tying the server address to a pool domain. */
  fromAddressTie = false;

  note(text: string): void {
    if (this.notes.length < 32 && !this.notes.includes(text)) this.notes.push(text);
  }

  /** Raises the confidence level; never lowers it. */
  raise(level: number): void {
    if (level > this.level) this.level = level;
  }

  /**
   * The flow's own content names another site (a browser's SNI on a shared
   * CDN address): an address tie alone does not hold against that.
   */
  withdrawAddressTie(): void {
    if (!this.fromAddressTie || this.minerSpoke || this.poolSpoke) return;
    this.fromAddressTie = false;
    this.level = LEVEL_NONE;
    this.domain = null;
    this.poolName = null;
    this.notes.length = 0;
  }

  /**
   * Keeps the miner's own claim of its hash rate. A string is hex when it says 0x, or when the
   * dialect writes hex without it (`hex`: ethminer's mining.hashrate), else decimal.
   */
  reportHashrate(value: unknown, hex: boolean): void {
    let rate = NaN;
    if (typeof value === 'number') rate = value;
    else if (typeof value === 'string') {
      const s = value.trim();
      if (/^0x[0-9a-f]{1,64}$/i.test(s) || (hex && /^[0-9a-f]{1,64}$/i.test(s))) rate = Number(BigInt(s.startsWith('0x') || s.startsWith('0X') ? s : '0x' + s));
      else if (/^\d+(\.\d+)?$/.test(s)) rate = Number(s);
    }
    if (Number.isFinite(rate) && rate >= 0) this.reportedHashrate = rate;
  }

  addAlgorithm(algo: string): void {
    if (this.algorithms.length < 32 && !this.algorithms.includes(algo)) this.algorithms.push(algo);
  }
}
