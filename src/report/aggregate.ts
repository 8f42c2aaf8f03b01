import { CONFIDENCE_NAMES, LEVEL_LOW, type Confidence } from '../detect/evidence';
import type { DnsLookup } from '../detect/engine';
import { addressText } from '../flow/address';
import type { Flow } from '../flow/flow';
import type { Finding, NodeContact } from './finding';

/** Protocols that say what the pool and miner spoke, preferred over what only names the pool. */
const CONTENT_PROTOCOLS = new Set(['stratum-v1', 'ethereum-stratum', 'eth-proxy', 'cryptonote', 'grin', 'beam', 'getwork', 'stratum-v2']);

/** Hashes one unit of share difficulty stands for, by dialect (Bitcoin-style difficulty 1 is 2^32 hashes). */
function hashesPerDifficulty(protocol: string): number {
  return protocol === 'stratum-v1' || protocol === 'ethereum-stratum' ? 2 ** 32 : 1;
}

interface Pair {
  host: string;
  pool: string | null;
  poolPort: number | null;
  protocol: string | null;
  level: number;
  domain: string | null;
  poolName: string | null;
  firstMs: number;
  lastMs: number;
  /** Flows already ended and added in. */
  flows: number;
  packets: number;
  bytesToPool: number;
  bytesFromPool: number;
  login: string | null;
  worker: string | null;
  agent: string | null;
  minerSoftware: string | null;
  algorithms: string[];
  coin: string | null;
  difficulty: number | null;
  jobs: number;
  sharesSubmitted: number;
  sharesAccepted: number;
  sharesRejected: number;
  acceptedWork: number;
  evidence: string[];
  /** Flows still going: counted live, folded in when they end. */
  live: Set<Flow>;
}

function newPair(host: string, pool: string | null, poolPort: number | null, timeMs: number): Pair {
  return {
    host, pool, poolPort, protocol: null, level: 0, domain: null, poolName: null, firstMs: timeMs, lastMs: timeMs,
    flows: 0, packets: 0, bytesToPool: 0, bytesFromPool: 0, login: null, worker: null, agent: null, minerSoftware: null,
    algorithms: [], coin: null, difficulty: null, jobs: 0, sharesSubmitted: 0, sharesAccepted: 0, sharesRejected: 0,
    acceptedWork: 0, evidence: [], live: new Set(),
  };
}

function addNote(list: string[], note: string): void {
  if (list.length < 64 && !list.includes(note)) list.push(note);
}

/**
 * Findings merged per (host, pool address, pool port): every flow between
 * them, and the DNS lookups that named the pool. A flow is tracked live from
 * the moment it is flagged, so a report written mid-capture is current.
 */
export class Aggregator {
  private readonly pairs = new Map<string, Pair>();
  /** Per host and pool domain: lookups not (yet) matched by a connection. */
  private readonly nodeContacts = new Map<string, NodeContact & { firstMs: number; lastMs: number }>();
  private readonly lookups = new Map<string, { lookup: DnsLookup; addresses: Set<string>; count: number; lastMs: number }>();

  /** The pair a flow belongs to, host being the miner's side. */
  private pairOf(flow: Flow): Pair {
    const minerIsB = flow.evidence?.minerDirection === 1;
    const host = minerIsB ? addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3) : addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
    const pool = minerIsB ? addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3) : addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3);
    const port = minerIsB ? flow.aPort : flow.bPort;
    const key = `${host}|${pool}|${port}`;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = newPair(host, pool, port, flow.firstMs);
      this.pairs.set(key, pair);
    }
    return pair;
  }

  /** A flow was flagged or its evidence grew. Returns the finding as it now stands. */
  flagged(flow: Flow): Finding {
    const pair = this.pairOf(flow);
    // A flow picked up mid-stream may turn round once its direction is known: move it.
    for (const other of this.pairs.values()) if (other !== pair && other.live.delete(flow) && other.flows === 0 && other.live.size === 0) this.dropEmpty(other);
    pair.live.add(flow);
    return this.finding(pair);
  }

  /** A flow ended: fold it into its pair for good. */
  ended(flow: Flow): void {
    const ev = flow.evidence;
    if (ev === null) return;
    if (ev.level < LEVEL_LOW) {
      if (ev.node !== null) this.nodeFlow(flow, ev.node);
      return;
    }
    const pair = this.pairOf(flow);
    pair.live.delete(flow);
    this.fold(pair, flow);
  }

  lookup(l: DnsLookup): void {
    const key = `${l.host}|${l.domain}`;
    const seen = this.lookups.get(key);
    if (seen === undefined) this.lookups.set(key, { lookup: l, addresses: new Set(l.address ? [l.address] : []), count: 1, lastMs: l.timeMs });
    else {
      if (l.address !== null && seen.addresses.size < 16) seen.addresses.add(l.address);
      seen.count++;
      seen.lastMs = Math.max(seen.lastMs, l.timeMs);
    }
  }

  /** Every finding, strongest first. */
  findings(): Finding[] {
    const out: Finding[] = [];
    const domainsSeen = new Set<string>();
    for (const pair of this.pairs.values()) {
      const f = this.finding(pair);
      if (f.domain !== null) domainsSeen.add(`${f.host}|${f.domain}`);
      out.push(f);
    }
    for (const [key, l] of this.lookups) {
      // A lookup followed by a connection is already told by that finding's domain.
      if (domainsSeen.has(key)) continue;
      const lk = l.lookup;
      const addresses = [...l.addresses];
      const covered = out.some((f) => f.host === lk.host && f.pool !== null && l.addresses.has(f.pool));
      if (covered) continue;
      out.push({
        type: 'finding', host: lk.host, pool: addresses[0] ?? null, poolPort: null, protocol: 'dns', confidence: 'low',
        domain: lk.domain, poolName: lk.poolName, firstSeen: iso(lk.timeMs), lastSeen: iso(l.lastMs), flows: 0, packets: 0,
        bytes: 0, bytesToPool: 0, bytesFromPool: 0, login: null, worker: null, agent: null, minerSoftware: null, algorithms: [],
        coin: null, difficulty: null, jobs: 0, sharesSubmitted: 0, sharesAccepted: 0, sharesRejected: 0, hashrate: null,
        evidence: [
          `looked up pool host ${lk.domain} (${lk.poolName}) ${l.count} time(s) via ${lk.resolver}` +
            (addresses.length ? `; answered ${addresses.join(', ')}` : '; no answer seen') + '; no connection to it seen',
        ],
      });
    }
    const rank = (c: Confidence) => (c === 'high' ? 3 : c === 'medium' ? 2 : 1);
    out.sort((x, y) => rank(y.confidence) - rank(x.confidence) || cmp(x.host, y.host) || cmp(x.pool ?? '', y.pool ?? '') || (x.poolPort ?? 0) - (y.poolPort ?? 0));
    return out;
  }

  /** Node peer contacts (opener, peer, port), in the order first seen. */
  nodes(): NodeContact[] {
    return [...this.nodeContacts.values()].map(({ firstMs, lastMs, ...n }) => ({ ...n, firstSeen: iso(firstMs), lastSeen: iso(lastMs) }));
  }

  private nodeFlow(flow: Flow, protocol: string): void {
    const host = addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
    const peer = addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3);
    const key = `${host}|${peer}|${flow.bPort}`;
    let n = this.nodeContacts.get(key);
    if (n === undefined) {
      n = { type: 'node', host, peer, peerPort: flow.bPort, protocol, firstSeen: '', lastSeen: '', flows: 0, packets: 0, bytes: 0, firstMs: flow.firstMs, lastMs: flow.lastMs };
      this.nodeContacts.set(key, n);
    }
    n.flows++;
    n.packets += flow.packets0 + flow.packets1;
    n.bytes += flow.bytes0 + flow.bytes1;
    n.firstMs = Math.min(n.firstMs, flow.firstMs);
    n.lastMs = Math.max(n.lastMs, flow.lastMs);
  }

  private dropEmpty(pair: Pair): void {
    for (const [k, v] of this.pairs) if (v === pair) this.pairs.delete(k);
  }

  private fold(pair: Pair, flow: Flow): void {
    const ev = flow.evidence!;
    const minerIsB = ev.minerDirection === 1;
    pair.flows++;
    pair.packets += flow.packets0 + flow.packets1;
    pair.bytesToPool += minerIsB ? flow.bytes1 : flow.bytes0;
    pair.bytesFromPool += minerIsB ? flow.bytes0 : flow.bytes1;
    pair.firstMs = Math.min(pair.firstMs, flow.firstMs);
    pair.lastMs = Math.max(pair.lastMs, flow.lastMs);
    const content = ev.protocol !== null && CONTENT_PROTOCOLS.has(ev.protocol);
    if (ev.protocol !== null && (pair.protocol === null || (content && !CONTENT_PROTOCOLS.has(pair.protocol)))) pair.protocol = ev.protocol;
    pair.level = Math.max(pair.level, ev.level);
    pair.domain ??= ev.domain;
    pair.poolName ??= ev.poolName;
    pair.login ??= ev.login;
    pair.worker ??= ev.worker;
    pair.agent ??= ev.agent;
    pair.minerSoftware ??= ev.minerSoftware;
    pair.coin ??= ev.coin;
    if (ev.difficulty !== null) pair.difficulty = ev.difficulty;
    for (const a of ev.algorithms) if (!pair.algorithms.includes(a)) pair.algorithms.push(a);
    pair.jobs += ev.jobs;
    pair.sharesSubmitted += ev.sharesSubmitted;
    pair.sharesAccepted += ev.sharesAccepted;
    pair.sharesRejected += ev.sharesRejected;
    pair.acceptedWork += ev.acceptedWork;
    for (const n of ev.notes) addNote(pair.evidence, n);
  }

  /** The pair as a finding, with its live flows counted in (without folding them). */
  private finding(pair: Pair): Finding {
    let view = pair;
    if (pair.live.size > 0) {
      view = { ...pair, algorithms: [...pair.algorithms], evidence: [...pair.evidence], live: new Set() };
      for (const flow of pair.live) this.fold(view, flow);
    }
    const protocol = view.protocol ?? 'tcp';
    const seconds = (view.lastMs - view.firstMs) / 1000;
    const hashes = view.acceptedWork * hashesPerDifficulty(protocol);
    return {
      type: 'finding',
      host: view.host,
      pool: view.pool,
      poolPort: view.poolPort,
      protocol,
      confidence: CONFIDENCE_NAMES[Math.max(LEVEL_LOW, view.level)] as Confidence,
      domain: view.domain,
      poolName: view.poolName,
      firstSeen: iso(view.firstMs),
      lastSeen: iso(view.lastMs),
      flows: view.flows,
      packets: view.packets,
      bytes: view.bytesToPool + view.bytesFromPool,
      bytesToPool: view.bytesToPool,
      bytesFromPool: view.bytesFromPool,
      login: view.login,
      worker: view.worker,
      agent: view.agent,
      minerSoftware: view.minerSoftware,
      algorithms: view.algorithms,
      coin: view.coin,
      difficulty: view.difficulty,
      jobs: view.jobs,
      sharesSubmitted: view.sharesSubmitted,
      sharesAccepted: view.sharesAccepted,
      sharesRejected: view.sharesRejected,
      hashrate: view.sharesAccepted > 0 && seconds > 0 ? Math.round(hashes / seconds) : null,
      evidence: view.evidence,
    };
  }
}

function iso(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

