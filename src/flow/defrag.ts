/**
 * IPv4 and IPv6 fragments put back together into whole datagrams, which the
 * caller decodes again through the same decoder (a raw-IP frame in `out`).
 * A miner's login sent as fragments must be read as the host reads it, and
 * tshark reads it so too.
 *
 * Hostile input shapes the rules:
 * - Overlapping fragments are resolved first-wins (the bytes held stay), and
 *   an overlap that brings different bytes is counted and reported once per
 *   datagram: it is how an attacker shows an IDS other bytes than the host.
 * - Everything held is bounded by stated caps (`DefragLimits`): datagrams in
 *   progress and buffer bytes, in total and per (source, destination) pair,
 *   and capture time since a datagram's first fragment. When a cap is
 *   reached the oldest datagram (of the pair, or of all) is given up, so a
 *   flood of incomplete datagrams costs a fixed amount of memory and a real
 *   datagram whose pieces arrive together still completes.
 * - A datagram is dropped whole when it cannot be one: longer than an IP
 *   length field allows, two different ends, data past the end, or more
 *   holes than any network makes.
 *
 * Nothing is allocated per fragment once a datagram slot and its buffer
 * exist; slots and small buffers are reused.
 */
import { Frame, type CaptureWarning } from '../capture/frame';
import type { Packet } from '../decode/packet';
import type { DecodeStats } from '../decode/stats';
import { addressText } from './address';
import { DEFRAG_LIMITS, DIFFERS, Datagram, HEAD, Pair, complete, copyHosts, mix, pairHashOf, place, sameHosts, type DefragLimits } from './defrag-datagram';

export { DEFRAG_LIMITS, reassembles, type DefragLimits } from './defrag-datagram';

/** Most data an IP length field can describe. */
const MAX_DATA = 65535;
/** A freed slot keeps a buffer this small for the next datagram; larger ones go back to the heap. */
const KEEP_BYTES = 4096;
const FIRST_BUFFER = 2048;
const SWEEP_MS = 1000;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;

const TIMED_OUT = 0;
const EVICTED = 1;
const INVALID = 2;

export class Defragmenter {
  /** Filled when `add` returns true: the whole datagram as a raw-IP frame, valid until the next call. */
  readonly out = new Frame();
  private readonly limits: DefragLimits;
  private readonly slots: Datagram[] = [];
  private readonly pairs: Pair[] = [];
  private readonly freeSlots: Int32Array;
  private freeTop = 0;
  private readonly freePairs: Int32Array;
  private freePairTop = 0;
  private readonly mask: number;
  /** Hash buckets (slot + 1, 0 for none) and chains, for datagrams and for pairs. */
  private readonly heads: Int32Array;
  private readonly chain: Int32Array;
  private readonly pairHeads: Int32Array;
  private readonly pairChain: Int32Array;
  /** All datagrams in progress, oldest first, and each pair's own, as doubly linked slot lists (-1 ends). */
  private readonly older: Int32Array;
  private readonly newer: Int32Array;
  private readonly pairOlder: Int32Array;
  private readonly pairNewer: Int32Array;
  private oldest = -1;
  private newest = -1;
  private inUse = 0;
  private allocated = 0;
  private nextSweepMs = -Infinity;
  /** The frame being added, named in warnings. */
  private current: Frame = this.out;

  constructor(
    private readonly stats: DecodeStats,
    private readonly onWarning: (w: CaptureWarning) => void,
    limits: Partial<DefragLimits> = {},
  ) {
    this.limits = { ...DEFRAG_LIMITS, ...limits };
    const n = Math.max(1, Math.floor(this.limits.maxDatagrams));
    this.limits.maxDatagrams = n;
    this.limits.maxPerPair = Math.max(1, Math.floor(this.limits.maxPerPair));
    let buckets = 16;
    while (buckets < n * 2) buckets <<= 1;
    this.mask = buckets - 1;
    this.heads = new Int32Array(buckets);
    this.pairHeads = new Int32Array(buckets);
    this.chain = new Int32Array(n);
    this.pairChain = new Int32Array(n);
    this.older = new Int32Array(n);
    this.newer = new Int32Array(n);
    this.pairOlder = new Int32Array(n);
    this.pairNewer = new Int32Array(n);
    this.freeSlots = new Int32Array(n);
    this.freePairs = new Int32Array(n);
  }

  /** Datagrams in progress. */
  get inProgress(): number {
    return this.inUse;
  }

  /** Buffer bytes held, reused buffers of free slots included. */
  get bytesHeld(): number {
    return this.allocated;
  }

  /**
   * Takes one fragment (`p.fragment`, decoded from `frame`). True when it
   * completed its datagram: then `out` holds the datagram.
   */
  add(frame: Frame, p: Packet, nowMs: number): boolean {
    this.current = frame;
    if (nowMs >= this.nextSweepMs) this.expire(nowMs);
    const off = p.fragOffset;
    const end = off + p.payloadLength;
    let slot = this.find(p);
    if (end > MAX_DATA - (p.ipVersion === 4 ? p.ipHeaderLength : 0)) {
      // Longer than any IP datagram (ping of death): nothing the host would accept.
      if (slot >= 0) this.drop(slot, INVALID);
      else this.stats.fragmentsInvalid++;
      return false;
    }
    if (slot < 0) slot = this.create(p, nowMs);
    const d = this.slots[slot];
    if (!p.fragMore) {
      if ((d.total >= 0 && d.total !== end) || (d.count > 0 && d.pieces[d.count * 2 - 1] > end)) return this.drop(slot, INVALID);
      d.total = end;
    } else if (d.total >= 0 && end > d.total) {
      return this.drop(slot, INVALID);
    }
    if (!this.reserve(slot, HEAD + end)) return false;
    if (off === 0 && d.headerLength === 0) {
      // Only the first fragment's header carries every IPv4 option; IPv6 keeps the fixed header.
      d.headerLength = p.ipHeaderLength;
      p.data.copy(d.buf!, HEAD - d.headerLength, p.ipOffset, p.ipOffset + d.headerLength);
    }
    if (end > off) {
      const placed = place(d, p.data, p.payloadOffset, off, end);
      if (placed < 0) return this.drop(slot, INVALID);
      if (placed === DIFFERS) this.noteOverlap(d, off);
    }
    if (complete(d)) return this.deliver(slot, frame);
    return false;
  }

  /** Gives up datagrams older than the timeout as of `nowMs` (also for a live capture gone quiet). */
  expire(nowMs: number): void {
    this.nextSweepMs = nowMs + SWEEP_MS;
    const limit = nowMs - this.limits.timeoutMs;
    // Oldest first: the list is in order of first fragments, so the walk stops at the first young one.
    while (this.oldest >= 0 && this.slots[this.oldest].firstMs < limit) this.drop(this.oldest, TIMED_OUT);
  }

  private find(p: Packet): number {
    const h = this.hashOf(p);
    for (let s = this.heads[h & this.mask]; s !== 0; s = this.chain[s - 1]) {
      const d = this.slots[s - 1];
      if (d.hash === h && d.id === p.fragId && d.protocol === p.protocol && sameHosts(d, p)) return s - 1;
    }
    return -1;
  }

  private hashOf(p: Packet): number {
    return mix(mix(pairHashOf(p), p.fragId), p.protocol) & 0x3fffffff;
  }

  private findPair(p: Packet, h: number): number {
    for (let s = this.pairHeads[h & this.mask]; s !== 0; s = this.pairChain[s - 1]) {
      const q = this.pairs[s - 1];
      if (q.hash === h && sameHosts(q, p)) return s - 1;
    }
    return -1;
  }

  /** A new datagram in progress, making room under the count caps first (the oldest goes). */
  private create(p: Packet, nowMs: number): number {
    const limits = this.limits;
    if (this.inUse >= limits.maxDatagrams) this.drop(this.oldest, EVICTED);
    const ph = pairHashOf(p);
    let pi = this.findPair(p, ph);
    if (pi >= 0 && this.pairs[pi].count >= limits.maxPerPair) {
      this.drop(this.pairs[pi].oldest, EVICTED);
      pi = this.findPair(p, ph);
    }
    if (pi < 0) pi = this.newPair(p, ph);
    const pair = this.pairs[pi];
    let slot: number;
    if (this.freeTop > 0) slot = this.freeSlots[--this.freeTop];
    else {
      slot = this.slots.length;
      this.slots.push(new Datagram());
    }
    const d = this.slots[slot];
    copyHosts(d, p);
    d.used = true;
    d.protocol = p.protocol;
    d.id = p.fragId;
    d.hash = this.hashOf(p);
    d.pair = pi;
    d.firstMs = nowMs;
    d.total = -1;
    d.headerLength = 0;
    d.count = 0;
    d.overlapNoted = false;
    const b = d.hash & this.mask;
    this.chain[slot] = this.heads[b];
    this.heads[b] = slot + 1;
    this.older[slot] = this.newest;
    this.newer[slot] = -1;
    if (this.newest >= 0) this.newer[this.newest] = slot;
    else this.oldest = slot;
    this.newest = slot;
    this.pairOlder[slot] = pair.newest;
    this.pairNewer[slot] = -1;
    if (pair.newest >= 0) this.pairNewer[pair.newest] = slot;
    else pair.oldest = slot;
    pair.newest = slot;
    pair.count++;
    pair.bytes += d.buf === null ? 0 : d.buf.length;
    this.inUse++;
    return slot;
  }

  private newPair(p: Packet, h: number): number {
    let pi: number;
    if (this.freePairTop > 0) pi = this.freePairs[--this.freePairTop];
    else {
      pi = this.pairs.length;
      this.pairs.push(new Pair());
    }
    const q = this.pairs[pi];
    copyHosts(q, p);
    q.used = true;
    q.hash = h;
    q.count = 0;
    q.bytes = 0;
    q.oldest = q.newest = -1;
    const b = h & this.mask;
    this.pairChain[pi] = this.pairHeads[b];
    this.pairHeads[b] = pi + 1;
    return pi;
  }

  /** A buffer of at least `need` bytes for the slot, within the byte caps; false when it was given up. */
  private reserve(slot: number, need: number): boolean {
    const d = this.slots[slot];
    const have = d.buf === null ? 0 : d.buf.length;
    if (have >= need) return true;
    const size = Math.min(HEAD + MAX_DATA, Math.max(need, have * 2, FIRST_BUFFER));
    const grow = size - have;
    const limits = this.limits;
    const pair = this.pairs[d.pair];
    while (pair.bytes + grow > limits.maxPairBytes) {
      const victim = pair.oldest !== slot ? pair.oldest : this.pairNewer[slot];
      if (victim < 0) return this.drop(slot, EVICTED);
      this.drop(victim, EVICTED);
    }
    while (this.allocated + grow > limits.maxBytes) {
      if (this.trimPool()) continue;
      const victim = this.oldest !== slot ? this.oldest : this.newer[slot];
      if (victim < 0) return this.drop(slot, EVICTED);
      this.drop(victim, EVICTED);
    }
    // Its own memory, not a slice of Node's shared pool that would keep a whole slab alive.
    const buf = Buffer.allocUnsafeSlow(size);
    if (d.buf !== null) d.buf.copy(buf, 0, 0, have);
    d.buf = buf;
    this.allocated += grow;
    pair.bytes += grow;
    return true;
  }

  /** Lets one free slot's kept buffer go; false when none holds one. */
  private trimPool(): boolean {
    for (let i = this.freeTop - 1; i >= 0; i--) {
      const d = this.slots[this.freeSlots[i]];
      if (d.buf !== null) {
        this.allocated -= d.buf.length;
        d.buf = null;
        return true;
      }
    }
    return false;
  }

  private noteOverlap(d: Datagram, offset: number): void {
    this.stats.fragmentOverlaps++;
    if (d.overlapNoted) return;
    d.overlapNoted = true;
    const f = this.current;
    const src = addressText(d.version, d.s0, d.s1, d.s2, d.s3);
    const dst = addressText(d.version, d.d0, d.d1, d.d2, d.d3);
    this.onWarning({
      file: f.source,
      offset: f.fileOffset,
      message: `IPv${d.version} fragment ${src} -> ${dst} (protocol ${d.protocol}, id ${d.id}, offset ${offset}) overlaps bytes already held with different bytes; the first copy is kept`,
    });
  }

  /** Rebuilds the IP header for the whole datagram into `out`, and frees the slot (its buffer stays until reused). */
  private deliver(slot: number, frame: Frame): boolean {
    const d = this.slots[slot];
    const hl = d.headerLength;
    if (d.version === 4 && hl + d.total > MAX_DATA) return this.drop(slot, INVALID);
    const buf = d.buf!;
    const start = HEAD - hl;
    if (d.version === 4) {
      buf.writeUInt16BE(hl + d.total, start + 2);
      buf[start + 6] = 0;
      buf[start + 7] = 0;
    } else {
      // Extension headers before the fragment header are not kept: the fixed header leads to the data.
      buf.writeUInt16BE(d.total, start + 4);
      buf[start + 6] = d.protocol;
    }
    const out = this.out;
    out.data = buf;
    out.offset = start;
    out.capLength = out.origLength = hl + d.total;
    out.linkType = d.version === 4 ? LINK_IPV4 : LINK_IPV6;
    out.tsSec = frame.tsSec;
    out.tsNsec = frame.tsNsec;
    out.source = frame.source;
    out.fileOffset = frame.fileOffset;
    this.release(slot);
    this.stats.reassembled++;
    return true;
  }

  /** Gives a datagram up, counted by why; returns false for the caller's convenience. */
  private drop(slot: number, why: number): false {
    if (why === TIMED_OUT) this.stats.fragmentsTimedOut++;
    else if (why === EVICTED) this.stats.fragmentsEvicted++;
    else this.stats.fragmentsInvalid++;
    this.release(slot);
    return false;
  }

  private release(slot: number): void {
    const d = this.slots[slot];
    const b = d.hash & this.mask;
    if (this.heads[b] === slot + 1) this.heads[b] = this.chain[slot];
    else {
      let s = this.heads[b];
      while (this.chain[s - 1] !== slot + 1) s = this.chain[s - 1];
      this.chain[s - 1] = this.chain[slot];
    }
    const o = this.older[slot];
    const w = this.newer[slot];
    if (o >= 0) this.newer[o] = w;
    else this.oldest = w;
    if (w >= 0) this.older[w] = o;
    else this.newest = o;
    const pair = this.pairs[d.pair];
    const po = this.pairOlder[slot];
    const pw = this.pairNewer[slot];
    if (po >= 0) this.pairNewer[po] = pw;
    else pair.oldest = pw;
    if (pw >= 0) this.pairOlder[pw] = po;
    else pair.newest = po;
    pair.count--;
    if (d.buf !== null) {
      pair.bytes -= d.buf.length;
      if (d.buf.length > KEEP_BYTES) {
        this.allocated -= d.buf.length;
        d.buf = null;
      }
    }
    if (pair.count === 0) this.releasePair(d.pair);
    d.used = false;
    d.pair = -1;
    this.freeSlots[this.freeTop++] = slot;
    this.inUse--;
  }

  private releasePair(pi: number): void {
    const q = this.pairs[pi];
    const b = q.hash & this.mask;
    if (this.pairHeads[b] === pi + 1) this.pairHeads[b] = this.pairChain[pi];
    else {
      let s = this.pairHeads[b];
      while (this.pairChain[s - 1] !== pi + 1) s = this.pairChain[s - 1];
      this.pairChain[s - 1] = this.pairChain[pi];
    }
    q.used = false;
    this.freePairs[this.freePairTop++] = pi;
  }
}
