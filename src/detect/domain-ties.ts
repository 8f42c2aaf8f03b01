import { LRUCache } from 'lru-cache';
import type { PoolDomain } from './signatures';
import { WordSet } from './word-set';

export interface DomainTie {
  /** The name that was asked (the pool host name). */
  domain: string;
  pool: PoolDomain;
  /** Capture time of the answer, ms. */
  seenMs: number;
  ttl: number;
  /** Capture time after which the answer no longer ties the address (its TTL, within the bounds below). */
  untilMs: number;
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
  /** Made at the first tie: lru-cache sets up all its slots at once (about 15 ms for 65 536), a cost most captures never need. */
  private cache: LRUCache<string, DomainTie> | null = null;
  /**
   * IPv4 addresses tied, as 32-bit words, and whether any IPv6 one was: a new
   * flow to an address never tied is ruled out by number, without building its
   * text (nearly every flow, every packet of a SYN flood). The words are a
   * superset of the cache's IPv4 keys, held to `maxWords`: when a flood of
   * answers fills them, they are rebuilt from the cache's keys, so every tie
   * the cache still holds (the recent ones) stays in and none is lost. Made at
   * the first IPv4 tie.
   */
  private everV4: WordSet | null = null;
  private everV6 = false;
  private readonly maxWords: number;

  /**
   * `maxEntries`: ties held (the least recently used goes first);
   * `maxWords`: IPv4 words held by the filter, at least twice that, so a
   * rebuild, which costs a pass over the cache, comes at most once per
   * `maxWords - maxEntries` new addresses.
   */
  constructor(private readonly maxEntries = 65536, maxWords = 4 * maxEntries) {
    this.maxWords = Math.max(maxWords, 2 * maxEntries);
  }

  get size(): number {
    return this.cache === null ? 0 : this.cache.size;
  }

  /** IPv4 words in the filter (at most `maxWords`). */
  get filterSize(): number {
    return this.everV4 === null ? 0 : this.everV4.size;
  }

  tie(address: string, domain: string, pool: PoolDomain, ttlSeconds: number, nowMs: number): void {
    const ms = Math.min(MAX_TIE_MS, Math.max(MIN_TIE_MS, ttlSeconds * 1000));
    // No TTL in the cache itself: it would judge age by the latest frame's time and delete what
    // it found stale, so one frame dated far ahead would untie every address for the frames
    // after it. A tie is judged by the asking frame's own time (tieOf) and leaves only for room.
    this.cache ??= new LRUCache<string, DomainTie>({ max: this.maxEntries });
    this.cache.set(address, { domain, pool, seenMs: nowMs, ttl: ttlSeconds, untilMs: nowMs + ms });
    const word = ipv4Word(address);
    if (word < 0) {
      this.everV6 = true;
      return;
    }
    const words = (this.everV4 ??= new WordSet(this.maxWords));
    if (!words.add(word)) {
      this.rebuild(words);
      words.add(word);
    }
  }

  /** False when no tie the cache holds can be for this address (IPv4: word 0 is the address), so `tieOf` would find nothing. */
  mayHold(ipVersion: number, w0: number): boolean {
    if (ipVersion !== 4) return this.everV6;
    return this.everV4 !== null && this.everV4.has(w0);
  }

  /** The filter is full: keep only the words of addresses the cache still holds (every one of them). */
  private rebuild(words: WordSet): void {
    words.clear();
    if (this.cache === null) return;
    for (const key of this.cache.keys()) {
      const w = ipv4Word(key);
      if (w >= 0) words.add(w);
    }
  }

  /** The tie of `address` still in force at `nowMs` (the asking frame's capture time). */
  tieOf(address: string, nowMs: number): DomainTie | undefined {
    const tie = this.cache === null ? undefined : this.cache.get(address);
    return tie !== undefined && nowMs <= tie.untilMs ? tie : undefined;
  }
}

/** The 32-bit word of a dotted-quad IPv4 text, or -1 for anything else (IPv6). */
function ipv4Word(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return -1;
  let w = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) return -1;
    w = w * 256 + n;
  }
  return w;
}
