import { CONFIDENCE_NAMES, LEVEL_LOW, type Confidence, type Evidence } from '../detect/evidence';
import type { DnsLookup } from '../detect/engine';
import { protocolInfo } from '../detect/registry';
import { addressText } from '../flow/address';
import type { DetectedFlow as Flow } from '../detect/inspector';
import { connectionOf, connectionsOut, flowCommunityId, keepConnection, type ConnectionRecord } from './connections';
import type { Finding, NodeContact } from './finding';
import { estimateHashrate, foldShares, NO_HASHRATE, type TimedShares } from './hashrate';

/** Protocols that say what the pool and miner spoke are preferred over what only names the pool (the detector's registration record says which). */
function carriesMiningContent(protocol: string): boolean {
  return protocolInfo(protocol)?.carriesMiningContent === true;
}

/** Flow records kept per pair before the oldest are folded together (a miner reconnecting for a year). */
const MAX_RECORDS = 512;

/** What one flagged flow (or several folded together) contributes to its pair. Plain data: it crosses worker threads. */
export type FlowRecord = Pick<
  Finding,
  | 'flows' | 'packets' | 'bytesToPool' | 'bytesFromPool' | 'domain' | 'poolName' | 'login' | 'worker' | 'agent'
  | 'minerSoftware' | 'algorithms' | 'coin' | 'difficulty' | 'jobs' | 'sharesSubmitted' | 'sharesAccepted' | 'sharesRejected'
> & TimedShares & {
  protocol: string | null;
  /** LEVEL_* of the evidence. */
  level: number;
  /** Sum of the difficulty of accepted shares. */
  acceptedWork: number;
  notes: string[];
};

interface Pair {
  host: string;
  pool: string;
  poolPort: number;
  records: FlowRecord[];
  /** Flows still going: counted live, recorded when they end. */
  live: Set<Flow>;
  /** Ended connections, earliest first (bounded), and how many more there were. */
  connections: ConnectionRecord[];
  connectionsOmitted: number;
}

interface LookupRecord {
  lookup: DnsLookup;
  addresses: string[];
  /** Lookups told apart by DNS message id. */
  count: number;
  /** The latest message ids counted (bounded). */
  ids: number[];
  lastMs: number;
}

/** Message ids remembered per host and domain: enough to pair each answer with its question. */
const MAX_LOOKUP_IDS = 16;

type NodeRecord = Omit<NodeContact, 'firstSeen' | 'lastSeen'> & { firstMs: number; lastMs: number };

/** Everything an Aggregator holds once its flows have ended: what a worker thread sends back. */
export interface AggregatorState {
  pairs: Array<{ host: string; pool: string; poolPort: number; records: FlowRecord[]; connections: ConnectionRecord[]; connectionsOmitted: number }>;
  lookups: Array<[string, LookupRecord]>;
  nodes: Array<[string, NodeRecord]>;
}

function recordOf(flow: Flow, ev: Evidence): FlowRecord {
  const minerIsB = ev.minerDirection === 1;
  return {
    flows: 1,
    firstMs: flow.firstMs,
    lastMs: flow.lastMs,
    packets: flow.packets0 + flow.packets1,
    bytesToPool: minerIsB ? flow.bytes1 : flow.bytes0,
    bytesFromPool: minerIsB ? flow.bytes0 : flow.bytes1,
    protocol: ev.protocol,
    level: ev.level,
    domain: ev.domain,
    poolName: ev.poolName,
    login: ev.login,
    worker: ev.worker,
    agent: ev.agent,
    minerSoftware: ev.minerSoftware,
    algorithms: [...ev.algorithms],
    coin: ev.coin,
    difficulty: ev.difficulty,
    jobs: ev.jobs,
    sharesSubmitted: ev.sharesSubmitted,
    sharesAccepted: ev.sharesAccepted,
    sharesRejected: ev.sharesRejected,
    acceptedWork: ev.acceptedWork,
    notes: [...ev.notes],
    // A flow's shares count towards the rate only where their difficulty was seen (hashrate.ts).
    miningMs: flow.lastMs - flow.firstMs,
    windowMs: ev.difficulty !== null ? flow.lastMs - flow.firstMs : 0,
    windowShares: ev.difficulty !== null ? ev.sharesAccepted : 0,
    reportedHashrate: ev.reportedHashrate,
  };
}

function addNote(list: string[], note: string): void {
  if (list.length < 64 && !list.includes(note)) list.push(note);
}

/**
 * Folds records in time order: counts add up, the first flow that told a
 * name or login gives it, the last difficulty stands. Sorting first makes the
 * result independent of the order flows ended in, and so of how many worker
 * threads shared the capture.
 */
function fold(records: FlowRecord[]): FlowRecord {
  const sorted = [...records].sort((x, y) => x.firstMs - y.firstMs || x.lastMs - y.lastMs || x.packets - y.packets || x.bytesToPool - y.bytesToPool);
  const out: FlowRecord = {
    flows: 0, firstMs: Infinity, lastMs: -Infinity, packets: 0, bytesToPool: 0, bytesFromPool: 0, protocol: null, level: 0,
    domain: null, poolName: null, login: null, worker: null, agent: null, minerSoftware: null, algorithms: [], coin: null,
    difficulty: null, jobs: 0, sharesSubmitted: 0, sharesAccepted: 0, sharesRejected: 0, acceptedWork: 0, notes: [],
    miningMs: 0, windowMs: 0, windowShares: 0, reportedHashrate: null,
  };
  for (const r of sorted) {
    out.flows += r.flows;
    out.firstMs = Math.min(out.firstMs, r.firstMs);
    out.lastMs = Math.max(out.lastMs, r.lastMs);
    out.packets += r.packets;
    out.bytesToPool += r.bytesToPool;
    out.bytesFromPool += r.bytesFromPool;
    if (r.protocol !== null && (out.protocol === null || (carriesMiningContent(r.protocol) && !carriesMiningContent(out.protocol)))) out.protocol = r.protocol;
    out.level = Math.max(out.level, r.level);
    out.domain ??= r.domain;
    out.poolName ??= r.poolName;
    out.login ??= r.login;
    out.worker ??= r.worker;
    out.agent ??= r.agent;
    out.minerSoftware ??= r.minerSoftware;
    out.coin ??= r.coin;
    if (r.difficulty !== null) out.difficulty = r.difficulty;
    for (const a of r.algorithms) if (out.algorithms.length < 32 && !out.algorithms.includes(a)) out.algorithms.push(a);
    out.jobs += r.jobs;
    out.sharesSubmitted += r.sharesSubmitted;
    out.sharesAccepted += r.sharesAccepted;
    out.sharesRejected += r.sharesRejected;
    out.acceptedWork += r.acceptedWork;
    for (const n of r.notes) addNote(out.notes, n);
  }
  return Object.assign(out, foldShares(sorted));
}

function iso(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const RANK: { [c: string]: number } = { high: 3, medium: 2, low: 1 };

/**
 * Findings merged per (host, pool address, pool port): every flow between
 * them, and the DNS lookups that named the pool. A flow is tracked live from
 * the moment it is flagged, so a report written mid-capture is current.
 */
export class Aggregator {
  private readonly pairs = new Map<string, Pair>();
  /** Per host and pool domain. */
  private readonly lookups = new Map<string, LookupRecord>();
  private readonly nodeContacts = new Map<string, NodeRecord>();
  /** The pair each flagged flow is counted in while it lasts. */
  private readonly liveIn = new Map<Flow, Pair>();
  /** Community ID of each flagged flow, made once when first flagged (the table recycles Flow objects: dropped when it ends). */
  private readonly liveIds = new Map<Flow, string>();

  /** A flow was flagged or its evidence grew. Returns the finding as it now stands. */
  flagged(flow: Flow): void {
    const pair = this.pairOf(flow);
    // A flow picked up mid-stream may turn round once its direction is known: move it.
    const before = this.liveIn.get(flow);
    if (before !== undefined && before !== pair) this.unlist(flow, before);
    pair.live.add(flow);
    this.liveIn.set(flow, pair);
    if (!this.liveIds.has(flow)) this.liveIds.set(flow, flowCommunityId(flow));
  }

  /** The finding a flagged flow is part of, as it stands now (for live alerts). */
  findingOf(flow: Flow): Finding {
    // The engine flags a flow only once its evidence is at least low, so the pair has a finding.
    return this.finding(this.pairOf(flow))!;
  }

  /** A flow ended: record it in its pair for good. */
  ended(flow: Flow): void {
    const ev = flow.evidence;
    const listed = this.liveIn.get(flow);
    const id = this.liveIds.get(flow);
    // A flow flagged once may have lost its evidence since (an address tie its own SNI contradicted).
    if (listed !== undefined) this.unlist(flow, listed);
    this.liveIds.delete(flow);
    if (ev === null) return;
    if (ev.level < LEVEL_LOW) {
      if (ev.node !== null) this.nodeFlow(flow, ev.node);
      return;
    }
    const pair = this.pairOf(flow);
    pair.records.push(recordOf(flow, ev));
    pair.connectionsOmitted += keepConnection(pair.connections, connectionOf(flow, id ?? flowCommunityId(flow), ev.minerDirection === 1));
    if (pair.records.length > MAX_RECORDS) {
      pair.records.sort((x, y) => x.firstMs - y.firstMs);
      pair.records.splice(0, MAX_RECORDS / 2, fold(pair.records.slice(0, MAX_RECORDS / 2)));
    }
  }

  lookup(l: DnsLookup): void {
    const key = `${l.host}|${l.domain}`;
    const seen = this.lookups.get(key);
    if (seen === undefined) this.lookups.set(key, { lookup: l, addresses: l.address !== null ? [l.address] : [], count: 1, ids: [l.id], lastMs: l.timeMs });
    else {
      if (l.address !== null && seen.addresses.length < 16 && !seen.addresses.includes(l.address)) seen.addresses.push(l.address);
      if (!seen.ids.includes(l.id)) {
        seen.count++;
        seen.ids.push(l.id);
        if (seen.ids.length > MAX_LOOKUP_IDS) seen.ids.shift();
      }
      seen.lastMs = Math.max(seen.lastMs, l.timeMs);
    }
  }

  /** Every finding, strongest first. */
  findings(): Finding[] {
    const out: Finding[] = [];
    const named = new Set<string>();
    for (const pair of this.pairs.values()) {
      const f = this.finding(pair);
      if (f === null) continue;
      if (f.domain !== null) named.add(`${f.host}|${f.domain}`);
      out.push(f);
    }
    for (const [key, l] of this.lookups) {
      // A lookup followed by a connection is already told by that finding's domain or address.
      if (named.has(key)) continue;
      const lk = l.lookup;
      if (out.some((f) => f.host === lk.host && f.pool !== null && l.addresses.includes(f.pool))) continue;
      out.push({
        // The report contract: no pool address for a lookup alone (the answer's addresses are in the evidence).
        type: 'finding', host: lk.host, pool: null, poolPort: null, protocol: 'dns', confidence: 'low',
        domain: lk.domain, poolName: lk.poolName, firstSeen: iso(lk.timeMs), lastSeen: iso(l.lastMs), flows: 0, packets: 0,
        bytes: 0, bytesToPool: 0, bytesFromPool: 0, login: null, worker: null, agent: null, minerSoftware: null, algorithms: [],
        coin: null, difficulty: null, jobs: 0, sharesSubmitted: 0, sharesAccepted: 0, sharesRejected: 0, ...NO_HASHRATE,
        evidence: [
          `looked up pool host ${lk.domain} (${lk.poolName}) ${l.count} time(s) via ${lk.resolver}` +
            (l.addresses.length ? `; answered ${l.addresses.join(', ')}` : '; no answer seen') + '; no connection to it seen',
        ],
        connections: [],
        connectionsOmitted: 0,
      });
    }
    out.sort((x, y) => RANK[y.confidence] - RANK[x.confidence] || cmp(x.host, y.host) || cmp(x.pool ?? '', y.pool ?? '') || (x.poolPort ?? 0) - (y.poolPort ?? 0) || cmp(x.domain ?? '', y.domain ?? ''));
    return out;
  }

  /** Node peer contacts (opener, peer, port). */
  nodes(): NodeContact[] {
    return [...this.nodeContacts.values()]
      .sort((x, y) => x.firstMs - y.firstMs || cmp(x.host, y.host) || cmp(x.peer, y.peer))
      .map(({ firstMs, lastMs, ...n }) => ({ ...n, firstSeen: iso(firstMs), lastSeen: iso(lastMs) }));
  }

  /** What this aggregator holds, as plain data; call once every flow has ended. */
  state(): AggregatorState {
    return {
      pairs: [...this.pairs.values()].map(({ host, pool, poolPort, records, connections, connectionsOmitted }) => ({ host, pool, poolPort, records, connections, connectionsOmitted })),
      lookups: [...this.lookups],
      nodes: [...this.nodeContacts],
    };
  }

  /** Adds another aggregator's state (a worker thread's share of the flows). */
  merge(state: AggregatorState): void {
    for (const p of state.pairs) {
      const pair = this.pairFor(p.host, p.pool, p.poolPort);
      pair.records.push(...p.records);
      pair.connectionsOmitted += p.connectionsOmitted;
      for (const c of p.connections) pair.connectionsOmitted += keepConnection(pair.connections, c);
    }
    for (const [key, l] of state.lookups) {
      const mine = this.lookups.get(key);
      if (mine === undefined) this.lookups.set(key, l);
      else {
        const [early, late] = l.lookup.timeMs < mine.lookup.timeMs ? [l, mine] : [mine, l];
        const addresses = [...early.addresses];
        for (const a of late.addresses) if (addresses.length < 16 && !addresses.includes(a)) addresses.push(a);
        const ids = [...early.ids, ...late.ids.filter((id) => !early.ids.includes(id))].slice(-MAX_LOOKUP_IDS);
        this.lookups.set(key, { lookup: early.lookup, addresses, count: l.count + mine.count, ids, lastMs: Math.max(l.lastMs, mine.lastMs) });
      }
    }
    for (const [key, n] of state.nodes) {
      const mine = this.nodeContacts.get(key);
      if (mine === undefined) this.nodeContacts.set(key, n);
      else {
        mine.flows += n.flows;
        mine.packets += n.packets;
        mine.bytes += n.bytes;
        mine.firstMs = Math.min(mine.firstMs, n.firstMs);
        mine.lastMs = Math.max(mine.lastMs, n.lastMs);
      }
    }
  }

  /** The pair a flow belongs to, host being the miner's side. */
  private pairOf(flow: Flow): Pair {
    const minerIsB = flow.evidence?.minerDirection === 1;
    const a = addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
    const b = addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3);
    return minerIsB ? this.pairFor(b, a, flow.aPort) : this.pairFor(a, b, flow.bPort);
  }

  private pairFor(host: string, pool: string, poolPort: number): Pair {
    const key = `${host}|${pool}|${poolPort}`;
    let pair = this.pairs.get(key);
    if (pair === undefined) {
      pair = { host, pool, poolPort, records: [], live: new Set(), connections: [], connectionsOmitted: 0 };
      this.pairs.set(key, pair);
    }
    return pair;
  }

  /** Takes a live flow out of its pair, and the pair out of the report if that leaves it empty. */
  private unlist(flow: Flow, pair: Pair): void {
    pair.live.delete(flow);
    this.liveIn.delete(flow);
    if (pair.records.length === 0 && pair.live.size === 0) this.pairs.delete(`${pair.host}|${pair.pool}|${pair.poolPort}`);
  }

  private nodeFlow(flow: Flow, protocol: string): void {
    const host = addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
    const peer = addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3);
    const key = `${host}|${peer}|${flow.bPort}`;
    let n = this.nodeContacts.get(key);
    if (n === undefined) {
      n = { type: 'node', host, peer, peerPort: flow.bPort, protocol, flows: 0, packets: 0, bytes: 0, firstMs: flow.firstMs, lastMs: flow.lastMs };
      this.nodeContacts.set(key, n);
    }
    n.flows++;
    n.packets += flow.packets0 + flow.packets1;
    n.bytes += flow.bytes0 + flow.bytes1;
    n.firstMs = Math.min(n.firstMs, flow.firstMs);
    n.lastMs = Math.max(n.lastMs, flow.lastMs);
  }

  /** The pair as a finding, with its live flows counted in; null while none of its flows holds evidence. */
  private finding(pair: Pair): Finding | null {
    const records = pair.live.size === 0 ? pair.records : [...pair.records, ...[...pair.live].flatMap((f) => (f.evidence !== null && f.evidence.level >= LEVEL_LOW ? [recordOf(f, f.evidence)] : []))];
    if (records.length === 0) return null;
    const r = fold(records);
    let connections = pair.connections;
    let omitted = pair.connectionsOmitted;
    if (pair.live.size > 0) {
      connections = [...connections];
      for (const f of pair.live) {
        if (f.evidence === null || f.evidence.level < LEVEL_LOW) continue;
        omitted += keepConnection(connections, connectionOf(f, this.liveIds.get(f) ?? flowCommunityId(f), f.evidence.minerDirection === 1));
      }
    }
    const protocol = r.protocol ?? 'tcp';
    return {
      type: 'finding',
      host: pair.host,
      pool: pair.pool,
      poolPort: pair.poolPort,
      protocol,
      confidence: CONFIDENCE_NAMES[Math.max(LEVEL_LOW, r.level)] as Confidence,
      domain: r.domain,
      poolName: r.poolName,
      firstSeen: iso(r.firstMs),
      lastSeen: iso(r.lastMs),
      flows: r.flows,
      packets: r.packets,
      bytes: r.bytesToPool + r.bytesFromPool,
      bytesToPool: r.bytesToPool,
      bytesFromPool: r.bytesFromPool,
      login: r.login,
      worker: r.worker,
      agent: r.agent,
      minerSoftware: r.minerSoftware,
      algorithms: r.algorithms,
      coin: r.coin,
      difficulty: r.difficulty,
      jobs: r.jobs,
      sharesSubmitted: r.sharesSubmitted,
      sharesAccepted: r.sharesAccepted,
      sharesRejected: r.sharesRejected,
      ...estimateHashrate({ protocol, algorithms: r.algorithms, domain: r.domain, shares: r.windowShares, work: r.acceptedWork, miningMs: r.miningMs, windowMs: r.windowMs, sharesAccepted: r.sharesAccepted, reportedHashrate: r.reportedHashrate }),
      evidence: r.notes,
      connections: connectionsOut(connections),
      connectionsOmitted: omitted,
    };
  }
}
