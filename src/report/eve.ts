/**
 * Findings as Suricata EVE `alert` records, so whatever already reads Suricata
 * (Elastic's Suricata integration, Splunk's add-on, EveBox, a Kafka topic of EVE)
 * takes poolwatch's alerts without a new parser. Every record validates against
 * Suricata's own schema (etc/schema.json; test/report/eve-schema.test.ts). The
 * choices (one record per finding, signature ids, app_proto, where the evidence
 * goes) are documented in README "EVE output".
 */
import { createHash } from 'node:crypto';
import { safeJson } from './escape';
import type { Connection, Finding } from './finding';

/** What a record says about its finding: live's `new` and `update` lines, and `final` (live's exit, or a scan). */
export type EveEvent = 'new' | 'update' | 'final';

/** Where the records come from, and what each says about its finding. */
export interface EveContext {
  /** scan: the capture file read (Suricata's pcap_filename). */
  pcap_filename?: string;
  /** live: the interface captured on (Suricata's in_iface). */
  in_iface?: string;
  /** live: `new` when a finding is first made, `update` when it grew, `final` at exit; a scan's records are final. */
  event?: EveEvent;
}

export interface EveAlert {
  action: 'allowed';
  gid: number;
  signature_id: number;
  rev: number;
  signature: string;
  category: string;
  severity: number;
  metadata: {
    attack_target: string[];
    signature_severity: string[];
    created_at: string[];
    updated_at: string[];
    tag: string[];
  };
}

/** A flowvar as Suricata logs it (key and value), here with the connection's fields beside them. */
export type EveFlowvar = { key: string; value: string } & { [extra: string]: string | number };

export interface EveRecord {
  timestamp: string;
  flow_id: number;
  in_iface?: string;
  pcap_filename?: string;
  event_type: 'alert';
  src_ip: string;
  src_port?: number;
  dest_ip?: string;
  dest_port?: number;
  proto?: 'TCP';
  community_id?: string;
  alert: EveAlert;
  app_proto: string;
  flow?: { start: string; end: string };
  metadata: { flowvars: EveFlowvar[]; flowints: { [name: string]: number } };
}

/** Suricata's classification of coin-mining rules (classification.config, classtype coin-mining). */
export const EVE_CATEGORY = 'Crypto Currency Mining Activity Detected';

/** poolwatch's signature ids lie in 1717000-1717099, inside the range Snort and Suricata keep for local rules (1000000-1999999). */
export const SID_BASE = 1717000;

/**
 * One signature per detection kind (the finding's protocol). The ids are a
 * contract with SIEM rules: never renumbered; a new kind takes the next free id.
 */
export const EVE_SIGNATURES: { readonly [protocol: string]: { sid: number; signature: string } } = {
  'stratum-v1': { sid: 1717001, signature: 'POOLWATCH Mining pool session: Stratum v1' },
  'ethereum-stratum': { sid: 1717002, signature: 'POOLWATCH Mining pool session: EthereumStratum' },
  'eth-proxy': { sid: 1717003, signature: 'POOLWATCH Mining pool session: eth-proxy (getWork over JSON-RPC)' },
  cryptonote: { sid: 1717004, signature: 'POOLWATCH Mining pool session: CryptoNote stratum (XMRig login)' },
  grin: { sid: 1717005, signature: 'POOLWATCH Mining pool session: Grin stratum' },
  beam: { sid: 1717006, signature: 'POOLWATCH Mining pool session: Beam stratum' },
  getwork: { sid: 1717007, signature: 'POOLWATCH Mining over HTTP: getwork / getblocktemplate' },
  'stratum-v2': { sid: 1717008, signature: 'POOLWATCH Mining pool session: Stratum V2' },
  tls: { sid: 1717009, signature: 'POOLWATCH TLS connection to a mining pool (SNI, certificate or DNS answer)' },
  http: { sid: 1717010, signature: 'POOLWATCH HTTP request for a mining pool host' },
  'http-connect': { sid: 1717011, signature: 'POOLWATCH HTTP CONNECT to a mining pool through a proxy' },
  dns: { sid: 1717012, signature: 'POOLWATCH DNS lookup of a mining pool host, no connection seen' },
  tcp: { sid: 1717013, signature: 'POOLWATCH TCP connection to an address DNS gave for a mining pool' },
};

/** For a protocol word this table does not know yet (a newer detector): never a crash, one catch-all id. */
export const SID_OTHER = 1717099;

/** The day the signature table was set (rule metadata created_at / updated_at, in the form ET rules use). */
const SIGNATURES_DATE = '2026_12_04';

const SEVERITY: { readonly [confidence: string]: number } = { high: 1, medium: 2, low: 3 };
const SIGNATURE_SEVERITY: { readonly [confidence: string]: string } = { high: 'Major', medium: 'Minor', low: 'Informational' };

/**
 * app_proto: Suricata's own parser names where it has one (tls, http, dns), the
 * poolwatch dialect where it has none (Suricata would log "failed" and lose what
 * was spoken), "failed" for a connection tied to a pool by address alone.
 */
export function eveAppProto(protocol: string): string {
  if (protocol === 'http-connect') return 'http';
  if (protocol === 'tcp') return 'failed';
  return protocol;
}

/** `2026-12-04T19:48:29.123Z` as EVE writes time: `2026-12-04T19:48:29.123000+0000`. */
export function eveTimestamp(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (m !== null) return `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}+0000`;
  const d = new Date(iso);
  const t = Number.isNaN(d.getTime()) ? new Date(0) : d;
  return t.toISOString().replace(/\.(\d{3})Z$/, '.$1000+0000');
}

/** 53 bits of a SHA-1, never 0: a JSON reader keeps every integer below 2^53 exact. */
function idOfDigest(digest: Buffer): number {
  const id = digest.readUIntBE(0, 6) * 32 + (digest[6] >>> 3);
  return id === 0 ? 1 : id;
}

/**
 * flow_id: stable for one connection across records (new, update, final, and
 * across sensors that see it), derived from its Community ID.
 */
export function eveFlowId(communityId: string): number {
  const digest = communityId.startsWith('1:') ? Buffer.from(communityId.slice(2), 'base64') : Buffer.alloc(0);
  return idOfDigest(digest.length >= 7 ? digest : createHash('sha1').update(communityId).digest());
}

function keyFlowId(key: string): number {
  return idOfDigest(createHash('sha1').update(key).digest());
}

function tags(f: Finding): string[] {
  const out = ['CoinMiner', 'poolwatch', `protocol:${f.protocol}`, `confidence:${f.confidence}`];
  const fact = (name: string, v: string | null) => {
    if (v !== null && v !== '') out.push(`${name}:${v}`);
  };
  fact('domain', f.domain);
  fact('pool_name', f.poolName);
  fact('login', f.login);
  fact('worker', f.worker);
  fact('agent', f.agent);
  fact('miner_software', f.minerSoftware);
  fact('coin', f.coin);
  for (const a of f.algorithms) fact('algorithm', a);
  return out;
}

function connectionVar(c: Connection): EveFlowvar {
  return { key: 'connection', value: c.communityId, src_port: c.srcPort, first_seen: eveTimestamp(c.firstSeen), last_seen: eveTimestamp(c.lastSeen), packets: c.packets, bytes: c.bytes };
}

function counters(f: Finding): { [name: string]: number } {
  const n: { [name: string]: number } = {
    flows: f.flows, packets: f.packets, bytes: f.bytes, bytes_to_pool: f.bytesToPool, bytes_from_pool: f.bytesFromPool,
    jobs: f.jobs, shares_submitted: f.sharesSubmitted, shares_accepted: f.sharesAccepted, shares_rejected: f.sharesRejected,
    connections: f.connections.length + f.connectionsOmitted, connections_omitted: f.connectionsOmitted,
  };
  if (f.difficulty !== null) n.difficulty = f.difficulty;
  if (f.hashrate !== null) n.hashrate = f.hashrate;
  return n;
}

/**
 * One EVE alert for one finding, with the 5-tuple of its first connection; the
 * other connections are listed in metadata.flowvars (key "connection"). A DNS
 * lookup alone has no connection: src_ip is the host, no destination or ports.
 */
export function eveRecord(f: Finding, ctx: EveContext = {}): EveRecord {
  const sig = EVE_SIGNATURES[f.protocol] ?? { sid: SID_OTHER, signature: `POOLWATCH Mining pool connection: ${f.protocol}` };
  const first = f.connections[0];
  const flowId = first !== undefined ? eveFlowId(first.communityId) : keyFlowId(`${f.host}|${f.pool ?? ''}|${f.poolPort ?? ''}|${f.domain ?? ''}`);
  const flowvars: EveFlowvar[] = [];
  flowvars.push({ key: 'event', value: ctx.event ?? 'final' });
  for (const e of f.evidence) flowvars.push({ key: 'evidence', value: e });
  for (const c of f.connections.slice(1)) flowvars.push(connectionVar(c));
  const r: EveRecord = {
    timestamp: eveTimestamp(f.lastSeen),
    flow_id: flowId,
    ...(ctx.in_iface !== undefined ? { in_iface: ctx.in_iface } : {}),
    ...(ctx.pcap_filename !== undefined ? { pcap_filename: ctx.pcap_filename } : {}),
    event_type: 'alert',
    src_ip: f.host,
    ...(first !== undefined ? { src_port: first.srcPort } : {}),
    ...(f.pool !== null ? { dest_ip: f.pool } : {}),
    ...(f.poolPort !== null ? { dest_port: f.poolPort } : {}),
    ...(f.pool !== null ? { proto: 'TCP' as const } : {}),
    ...(first !== undefined ? { community_id: first.communityId } : {}),
    alert: {
      action: 'allowed',
      gid: 1,
      signature_id: sig.sid,
      rev: 1,
      signature: sig.signature,
      category: EVE_CATEGORY,
      severity: SEVERITY[f.confidence] ?? 3,
      metadata: {
        attack_target: ['Client_Endpoint'],
        signature_severity: [SIGNATURE_SEVERITY[f.confidence] ?? 'Informational'],
        created_at: [SIGNATURES_DATE],
        updated_at: [SIGNATURES_DATE],
        tag: tags(f),
      },
    },
    app_proto: eveAppProto(f.protocol),
    ...(first !== undefined ? { flow: { start: eveTimestamp(first.firstSeen), end: eveTimestamp(first.lastSeen) } } : {}),
    metadata: { flowvars, flowints: counters(f) },
  };
  return r;
}

/** One EVE line (JSON with the characters log viewers act on escaped, see escape.ts). */
export function eveLine(record: EveRecord): string {
  return safeJson(record) + '\n';
}

/**
 * EVE output of a report: only EVE records, one line per finding. The summary
 * is no EVE record (Suricata's `stats` schema holds only Suricata's own
 * counters), so it is left out; scan logs it (`scan done`, --log-level info).
 */
export function renderEve(findings: readonly Finding[], ctx: EveContext = {}): string {
  let out = '';
  for (const f of findings) out += eveLine(eveRecord(f, ctx));
  return out;
}
