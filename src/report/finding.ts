import type { Confidence } from '../detect/evidence';

/** One flagged (host, pool address, pool port): the report contract, see README "Report format". */
export interface Finding {
  type: 'finding';
  /** The miner's side (canonical IP text). */
  host: string;
  /** The pool's address, or the proxy's when the miner reached the pool through HTTP CONNECT; null for a DNS lookup alone. */
  pool: string | null;
  poolPort: number | null;
  /** One word per dialect: stratum-v1, ethereum-stratum, eth-proxy, cryptonote, grin, beam, getwork, stratum-v2, tls, http, http-connect, dns, tcp. */
  protocol: string;
  confidence: Confidence;
  domain: string | null;
  poolName: string | null;
  firstSeen: string;
  lastSeen: string;
  flows: number;
  packets: number;
  bytes: number;
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
  /**
   * Hashes per second the accepted shares support over `hashrateWindowSeconds` (src/report/hashrate.ts);
   * null unless there are enough shares over a long enough window, with units the dialect fixes.
   */
  hashrate: number | null;
  /** Bounds of the exact 95 % Poisson interval around `hashrate`. */
  hashrateLow: number | null;
  hashrateHigh: number | null;
  /** Time connected on the connections whose share difficulty was seen (overlaps counted once). */
  hashrateWindowSeconds: number | null;
  /** How the rate was made, or why there is none ("too few shares (2 in 5.7 s; ...)"). */
  hashrateNote: string | null;
  /** Hashes the accepted shares stand for; null when the difficulty's units are not known. */
  work: number | null;
  /** Time connected to the pool, all connections, overlaps counted once. */
  miningSeconds: number;
  /** The miner's own claim (eth_submitHashrate, mining.hashrate, X-Mining-Hashrate), latest; not checked. */
  reportedHashrate: number | null;
  evidence: string[];
  /**
   * The connections behind the finding, earliest first, at most MAX_CONNECTIONS of them
   * (src/report/aggregate.ts); empty for a DNS lookup alone.
   */
  connections: Connection[];
  /** Connections past that bound: counted in `flows`, `packets` and `bytes`, not listed. */
  connectionsOmitted: number;
}

/**
 * One TCP connection of a finding, so an analyst can find it in other tools' logs
 * (Zeek, Suricata, Arkime share the Community ID). Issue #16 adds its file and frame numbers.
 */
export interface Connection {
  /** The miner's port (the pool's is the finding's `poolPort`). */
  srcPort: number;
  /** Community ID v1, seed 0. */
  communityId: string;
  firstSeen: string;
  lastSeen: string;
  packets: number;
  /** IP bytes, both directions. */
  bytes: number;
}

export interface Summary {
  type: 'summary';
  files: number;
  packets: number;
  bytes: number;
  seconds: number;
  /** TCP connections followed. UDP keeps no flows: DNS messages are read one by one and nothing else is mining. */
  flows: number;
  findings: number;
  warnings: string[];
  /** Files found in folders that are not captures (skipped). */
  skipped: string[];
  /** With --min-confidence: the level asked for, and how many findings below it were left out of the report. */
  minConfidence?: Confidence;
  filteredOut?: number;
}

/** Cryptocurrency node peer traffic: not mining, listed only with --nodes. */
export interface NodeContact {
  type: 'node';
  /** The side that opened the connection, and its peer. */
  host: string;
  peer: string;
  peerPort: number;
  protocol: string;
  firstSeen: string;
  lastSeen: string;
  flows: number;
  packets: number;
  bytes: number;
}
