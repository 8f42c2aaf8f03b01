import { LRUCache } from 'lru-cache';
import type { PoolDomain } from './signatures';

export interface DomainTie {
  /** The name that was asked (the pool host name). */
  domain: string;
  pool: PoolDomain;
  /** Capture time of the answer, ms. */
  seenMs: number;
  ttl: number;
}

/** Longest a DNS answer ties an address to a pool domain, whatever its TTL says. */
const MAX_TIE_MS = 24 * 3600 * 1000;
/** Shortest tie: resolvers answer with TTL 0 and miners still connect a moment later. */
const MIN_TIE_MS = 60 * 1000;

/**
 * Addresses that a DNS answer seen in the traffic gave for a pool domain. A
 * domain list is never resolved into an address list (shared hosting and CDNs
 * put pools and innocent sites on one address): only answers seen tie them,
 * for the answer's TTL, in capture time, in a bounded cache.
 */
export class DomainTies {
  now = 0;
  private readonly cache: LRUCache<string, DomainTie>;

  constructor(maxEntries = 65536) {
    this.cache = new LRUCache<string, DomainTie>({ max: maxEntries, ttlResolution: 0, perf: { now: () => this.now }, ttl: MAX_TIE_MS });
  }

  get size(): number {
    return this.cache.size;
  }

  tie(address: string, domain: string, pool: PoolDomain, ttlSeconds: number, nowMs: number): void {
    this.now = nowMs;
    const ms = Math.min(MAX_TIE_MS, Math.max(MIN_TIE_MS, ttlSeconds * 1000));
    this.cache.set(address, { domain, pool, seenMs: nowMs, ttl: ttlSeconds }, { ttl: ms });
  }

  lookup(address: string, nowMs: number): DomainTie | undefined {
    this.now = nowMs;
    return this.cache.get(address);
  }
}
