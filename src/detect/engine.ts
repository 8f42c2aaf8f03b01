import { SYN, type Packet } from '../decode/packet';
import { addressText } from '../flow/address';
import { BENIGN, FLAGGED, MINING, UNDECIDED } from '../flow/flow';
import { endpointHash } from '../flow/table';
import { DEFAULT_MAX_LINE_BYTES, type StreamClassifier } from './classifier';
import { IntSet } from './int-set';
import { TYPE_CNAME, addressesByName, mayNameSuffix, nameSuffixHash, parseDns, type DnsMessage } from './protocols/dns/dns';
import { DomainTies } from './domain-ties';
import { Evidence, LEVEL_LOW, LEVEL_MEDIUM, type Direction } from './evidence';
import { FlowInspector, Overtime, type DetectedFlow as Flow } from './inspector';
import type { LineDialect } from './jsonrpc/context';
import type { MakeContext } from './record';
import { Dispatch } from './dispatch';
import { RECORDS, lineDialects } from './registry';
import type { Signatures } from './signatures';

export interface EngineOptions {
  /** Bytes per direction read from a flow before it is called ordinary. */
  inspectBytes: number;
  /**
   * Longest JSON-RPC line or HTTP request head read whole. While such a line
   * or head is still open, a flow is inspected past `inspectBytes` up to this,
   * so padding in front of a login does not hide it. Default DEFAULT_MAX_LINE_BYTES.
   */
  maxLineBytes?: number;
}

export { DEFAULT_MAX_LINE_BYTES };

/** A host asked for (or was told the address of) a pool domain. */
export interface DnsLookup {
  host: string;
  domain: string;
  poolName: string;
  /** An address the answer gave, or null for a query seen without its answer. */
  address: string | null;
  resolver: string;
  timeMs: number;
  /** DNS message id: a question and its answer (and each address in it) share it, so they count as one lookup. */
  id: number;
}

export interface DetectionEvents {
  /** A flow's evidence first reached a finding, or grew (called again as it does). */
  flagged(flow: Flow): void;
  /** `hash` is the endpoint hash of the DNS exchange (which shard reports it). */
  lookup(lookup: DnsLookup, hash: number): void;
}

const WEB_PORTS = new Set([80, 443, 8080, 8443]);
/**
 * Payload-less segments in a row after which a flow still undecided is called
 * ordinary. In a capture that holds both directions, each such segment answers
 * data that was not captured; a miner's flow is decided by its first messages.
 */
const QUIET_SEGMENTS = 32;

/** Suffix hashes of every pool domain, to rule DNS messages out on their bytes (src/detect/dns.ts). */
export function poolSuffixHashes(sigs: Signatures): IntSet {
  return new IntSet(sigs.pools().map((p) => nameSuffixHash(p.suffix)));
}

/** False when a DNS payload cannot name a pool host, judged on its bytes alone (nearly every message). */
export function dnsMayNamePool(p: Packet, poolSuffixes: IntSet): boolean {
  return mayNameSuffix(p.data, p.payloadOffset, p.payloadOffset + p.payloadLength, poolSuffixes);
}

/**
 * Decides, per flow, whether it is a mining-pool connection, and follows the
 * ones that are. Packets of flows already called ordinary never get here
 * (the analyzer checks flow.state first), so the cost of detection stays on
 * the first packets of each flow.
 */
export class DetectionEngine {
  readonly ties = new DomainTies();
  private now = 0;
  private readonly poolSuffixes: IntSet;
  readonly maxLine: number;
  /** Flows read past the inspect budget at once (inspector.ts). */
  private readonly overtime: Overtime;
  /** Which classifiers a flow gets, from the registry's records. */
  readonly dispatch = new Dispatch(RECORDS);
  readonly lineDialects: readonly LineDialect[] = lineDialects();

  constructor(
    readonly sigs: Signatures,
    private readonly opts: EngineOptions,
    private readonly events: DetectionEvents,
  ) {
    this.poolSuffixes = poolSuffixHashes(sigs);
    this.maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.overtime = new Overtime(this.maxLine);
  }

  /** A new flow: a connection to an address a DNS answer gave for a pool domain is flagged from its first packet. */
  flowStarted(flow: Flow, nowMs: number): void {
    this.now = nowMs;
    if (flow.protocol !== 6 || this.ties.size === 0) return;
    const ties = this.ties;
    const serverMayBeTied = ties.mayHold(flow.ipVersion, flow.b0);
    // Picked up mid-stream, the opener is only guessed from the ports: the pool may be side A.
    const openerMayBeTied = !flow.sawSyn && ties.mayHold(flow.ipVersion, flow.a0);
    if (!serverMayBeTied && !openerMayBeTied) return;
    let server = addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3);
    let tie = serverMayBeTied ? ties.tieOf(server, nowMs) : undefined;
    let minerDirection: Direction = 0;
    if (tie === undefined && openerMayBeTied) {
      const a = addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
      tie = ties.tieOf(a, nowMs);
      if (tie !== undefined) {
        server = a;
        minerDirection = 1;
      }
    }
    if (tie === undefined) return;
    const ev = new Evidence();
    ev.domain = tie.domain;
    ev.poolName = tie.pool.pool;
    ev.minerDirection = minerDirection;
    ev.fromAddressTie = true;
    // Web ports may be someone reading the pool's site; anything else is a miner's connection.
    ev.raise(WEB_PORTS.has(minerDirection === 0 ? flow.bPort : flow.aPort) ? LEVEL_LOW : LEVEL_MEDIUM);
    ev.note(`connects to ${server}, which a DNS answer seen earlier gave for pool host ${tie.domain} (${tie.pool.pool})`);
    flow.evidence = ev;
    flow.state = MINING;
    this.events.flagged(flow);
  }

  tcp(flow: Flow, dir: Direction, p: Packet, nowMs: number): void {
    this.now = nowMs;
    if ((p.tcpFlags & SYN) !== 0) {
      if (dir === 0) flow.isn0 = p.seq;
      else flow.isn1 = p.seq;
    }
    if (p.payloadLength === 0) {
      const waiting = flow.inspector;
      // Acknowledgements over and over with no data in sight: what they acknowledge went the other
      // way outside the capture (a one-sided SPAN port, a filter on frame size), so nothing is left
      // to read. Without this every such segment would walk the flow table for nothing.
      if (waiting !== null && ++waiting.quiet >= QUIET_SEGMENTS && flow.state === UNDECIDED && waiting.evidence.level === 0) {
        this.stopInspecting(flow, waiting);
      }
      return;
    }
    let insp = flow.inspector;
    if (insp === null) {
      insp = new FlowInspector(this.classifiers(flow, dir, p), flow.evidence, this.opts.inspectBytes, this.overtime);
      flow.inspector = insp;
      flow.evidence = insp.evidence;
      if (flow.isn0 !== -1) insp.streams[0].syn(flow.isn0);
      if (flow.isn1 !== -1) insp.streams[1].syn(flow.isn1);
    }
    insp.quiet = 0;
    const before = insp.evidence.level;
    const notes = insp.evidence.notes.length;
    insp.streams[dir].segment(p.seq, p.data, p.payloadOffset, p.payloadLength, insp);
    this.settle(flow, insp, before, notes);
  }

  /**
   * A DNS message over UDP, read on its own: no flow is kept, since the
   * datagram names both ends and a lookup needs nothing earlier. Its
   * endpoint hash (which shard reports it) is worked out only for the rare
   * message that names a pool.
   */
  dnsDatagram(p: Packet, nowMs: number): void {
    if (!dnsMayNamePool(p, this.poolSuffixes)) return;
    this.now = nowMs;
    const end = p.payloadOffset + p.payloadLength;
    const names = parseDns(p.data, p.payloadOffset, end, false);
    if (names === null || !this.namesPool(names)) return;
    const msg = parseDns(p.data, p.payloadOffset, end);
    if (msg === null) return;
    const sender = addressText(p.ipVersion, p.src0, p.src1, p.src2, p.src3);
    const receiver = addressText(p.ipVersion, p.dst0, p.dst1, p.dst2, p.dst3);
    this.dns(msg, sender, receiver, endpointHash(p));
  }

  /** The flow is over: hand on what reassembly still held. */
  flowEnded(flow: Flow): void {
    const insp = flow.inspector;
    if (insp !== null) this.stopInspecting(flow, insp);
  }

  /** Hands on what reassembly still held, then decides the flow on what was seen. */
  private stopInspecting(flow: Flow, insp: FlowInspector): void {
    const before = insp.evidence.level;
    const notes = insp.evidence.notes.length;
    insp.streams[0].flush(insp);
    insp.streams[1].flush(insp);
    insp.close();
    this.settle(flow, insp, before, notes);
  }

  private settle(flow: Flow, insp: FlowInspector, levelBefore: number, notesBefore: number): void {
    const ev = insp.evidence;
    if (ev.level >= LEVEL_LOW && (flow.state === UNDECIDED || ev.level > levelBefore || ev.notes.length > notesBefore)) {
      // Content can name the pool host (a Zcash subscribe, an EIP-1571 hello, a getwork Host) without saying whose it is.
      if (ev.domain !== null && ev.poolName === null) ev.poolName = this.sigs.matchPoolDomain(ev.domain)?.pool ?? null;
      flow.state = MINING;
      this.events.flagged(flow);
    } else if (ev.level === 0 && flow.state === MINING) {
      // An address tie that the flow's own content contradicted (another site's name in the hello).
      flow.state = UNDECIDED;
    }
    if (insp.done) {
      flow.inspector = null;
      if (flow.state === MINING) flow.state = FLAGGED;
      else {
        flow.state = BENIGN;
        // Node peer traffic is kept for the report's separate node list; nothing else is.
        if (ev.node === null) flow.evidence = null;
      }
    }
  }

  /**
   * The classifiers worth running on a flow, chosen from the first byte of
   * its stream (as nDPI guesses from the first packet) through the registry's
   * table: a TLS record, a JSON line, an HTTP request or a binary frame. Most
   * flows are ruled out by their first segment this way, without building
   * every classifier. A stream whose start was not captured (picked up
   * mid-stream, or the first segment seen is not the first sent) gets the
   * classifiers that resync.
   */
  private classifiers(flow: Flow, dir: Direction, p: Packet): StreamClassifier[] {
    const isn = dir === 0 ? flow.isn0 : flow.isn1;
    const atStart = isn !== -1 && p.seq === ((isn + 1) >>> 0);
    const entries = this.dispatch.choose(flow.aPort, flow.bPort, atStart, p.data, p.payloadOffset, p.payloadLength);
    const ctx = new FlowContext(this, flow);
    const out: StreamClassifier[] = [];
    for (const e of entries) out.push(e.make(ctx));
    return out;
  }

  /** Ties every pool address the answer gives; returns them. */
  private tieAnswers(msg: DnsMessage): Array<{ name: string; poolName: string; address: string }> {
    const tied: Array<{ name: string; poolName: string; address: string }> = [];
    for (const a of addressesByName(msg)) {
      let name = a.name;
      let pool = this.sigs.matchPoolDomain(name);
      // A name of one's own CNAMEd to a pool host (an alias that dodges name lists) gives the pool host's address.
      for (let i = 0; pool === null && i < a.chain.length && !this.sigs.isAllowed(a.name); i++) {
        pool = this.sigs.matchPoolDomain(a.chain[i]);
        if (pool !== null) name = a.chain[i];
      }
      if (pool === null) continue;
      this.ties.tie(a.address, name, pool, a.ttl, this.now);
      tied.push({ name, poolName: pool.pool, address: a.address });
    }
    return tied;
  }

  /** True when the message names a pool host: in a question, or as a CNAME in an answer. */
  private namesPool(msg: DnsMessage): boolean {
    for (const q of msg.questions) if (this.sigs.matchPoolDomain(q.name) !== null) return true;
    for (const a of msg.answers) if (a.type === TYPE_CNAME && this.sigs.matchPoolDomain(a.data) !== null) return true;
    return false;
  }

  /** A DNS message read on a flow (DNS over TCP); called through FlowContext. */
  dnsOnFlow(flow: Flow, dir: Direction, msg: DnsMessage): void {
    // Nearly every lookup is of an ordinary name: rule that out before building any text.
    if (!this.namesPool(msg)) return;
    const a = addressText(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
    const b = addressText(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3);
    if (dir === 0) this.dns(msg, a, b, flow.hash);
    else this.dns(msg, b, a, flow.hash);
  }

  private dns(msg: DnsMessage, sender: string, receiver: string, hash: number): void {
    if (!msg.response) {
      for (const q of msg.questions) {
        const pool = this.sigs.matchPoolDomain(q.name);
        if (pool !== null) this.events.lookup({ host: sender, domain: q.name, poolName: pool.pool, address: null, resolver: receiver, timeMs: this.now, id: msg.id }, hash);
      }
      return;
    }
    const tied = this.tieAnswers(msg);
    for (const t of tied) this.events.lookup({ host: receiver, domain: t.name, poolName: t.poolName, address: t.address, resolver: sender, timeMs: this.now, id: msg.id }, hash);
    if (tied.length === 0) {
      for (const q of msg.questions) {
        const pool = this.sigs.matchPoolDomain(q.name);
        if (pool !== null) this.events.lookup({ host: receiver, domain: q.name, poolName: pool.pool, address: null, resolver: sender, timeMs: this.now, id: msg.id }, hash);
      }
    }
  }
}

/** What the classifiers of one flow may ask of the engine: one object a flow, its methods shared. */
class FlowContext implements MakeContext {
  readonly sigs: Signatures;
  readonly maxLineBytes: number;
  readonly serverPort: number;
  readonly lineDialects: readonly LineDialect[];

  constructor(
    private readonly engine: DetectionEngine,
    private readonly flow: Flow,
  ) {
    this.sigs = engine.sigs;
    this.maxLineBytes = engine.maxLine;
    this.serverPort = flow.bPort;
    this.lineDialects = engine.lineDialects;
  }

  tunnel(): StreamClassifier[] {
    const out: StreamClassifier[] = [];
    for (const e of this.engine.dispatch.tunnel) out.push(e.make(this));
    return out;
  }

  dns(msg: DnsMessage, dir: Direction): void {
    this.engine.dnsOnFlow(this.flow, dir, msg);
  }
}
