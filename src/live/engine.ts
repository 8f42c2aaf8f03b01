/**
 * What `poolwatch live` needs from a capture engine, whichever it is: the
 * AF_PACKET one (analysis in worker threads, src/live/afpacket) or the cap
 * fallback (libpcap in a child process, analysis on the main thread).
 */
import type { InterfaceStats } from '../capture/live/stats';
import type { LiveCaptureError } from '../capture/live/errors';
import { MAX_CONNECTIONS } from '../report/connections';
import type { Finding } from '../report/finding';

export type { InterfaceStats } from '../capture/live/stats';

/** One analysis thread's share. */
export interface WorkerStats {
  worker: number;
  /** Frames this thread analyzed, and their bytes on the wire. */
  packets: number;
  bytes: number;
  flows: number;
  /** CPU time of this thread alone, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Kernel drops on this thread's sockets, and of those on its port-53 socket (a copy every thread reads). */
  dropped: number;
  dnsDropped: number;
}

export interface LiveStats {
  /** Frames analyzed (each counted once, whichever thread took it) and their bytes. */
  packets: number;
  bytes: number;
  /** Flows held now, and TCP connections followed since the start. */
  flows: number;
  flowsSeen: number;
  interfaces: InterfaceStats[];
  workers: WorkerStats[];
}

export interface LiveResult extends LiveStats {
  findings: Finding[];
}

export interface LiveEngine {
  /** Which engine, for the log and the summary. */
  readonly kind: 'afpacket' | 'cap';
  /** Opens every interface; throws a LiveCaptureError (and leaves nothing open) when one cannot be. */
  start(): Promise<void>;
  readonly opened: { device: string; linkType: number }[];
  /** A finding was made or grew (merged over threads). */
  onFinding: (f: Finding) => void;
  /** Capture on an interface ended on its own (down, gone). */
  onLost: (err: LiveCaptureError) => void;
  /** A bug in handling the capture: it cannot go on. */
  onFault: (err: Error) => void;
  /** A line the capture machinery wants logged (libpcap's own warnings). */
  onMessage: (device: string, text: string) => void;
  sample(): Promise<LiveStats>;
  /** Every finding as it stands now (merged over threads). */
  current(): Promise<Finding[]>;
  /** Ends idle flows on the wall clock when no packet comes. */
  tick(nowMs: number): void;
  /** Stops capture, lets everything captured reach the analysis, ends every flow: the final report. */
  stop(): Promise<LiveResult>;
}

function laterIso(a: string, b: string): string {
  return a > b ? a : b;
}

const RANK: { [c: string]: number } = { low: 0, medium: 1, high: 2 };

/**
 * One finding from the partial ones several threads hold for the same pair
 * (one host's connections to one pool port can hash to different threads), for
 * the lines streamed while capture goes on. The final report is merged from the
 * threads' flow records instead (Aggregator.merge), exactly as one thread folds them.
 */
export function mergeFindings(parts: Finding[]): Finding {
  if (parts.length === 1) return parts[0];
  const sorted = [...parts].sort((x, y) => (x.firstSeen < y.firstSeen ? -1 : x.firstSeen > y.firstSeen ? 1 : 0));
  const out: Finding = { ...sorted[0], algorithms: [...sorted[0].algorithms], evidence: [...sorted[0].evidence] };
  const connections = [...(sorted[0].connections ?? [])];
  let omitted = sorted[0].connectionsOmitted ?? 0;
  for (const f of sorted.slice(1)) {
    if (RANK[f.confidence] > RANK[out.confidence]) {
      out.confidence = f.confidence;
      out.protocol = f.protocol;
    }
    out.lastSeen = laterIso(out.lastSeen, f.lastSeen);
    out.flows += f.flows;
    out.packets += f.packets;
    out.bytes += f.bytes;
    out.bytesToPool += f.bytesToPool;
    out.bytesFromPool += f.bytesFromPool;
    out.jobs += f.jobs;
    out.sharesSubmitted += f.sharesSubmitted;
    out.sharesAccepted += f.sharesAccepted;
    out.sharesRejected += f.sharesRejected;
    out.domain ??= f.domain;
    out.poolName ??= f.poolName;
    out.login ??= f.login;
    out.worker ??= f.worker;
    out.agent ??= f.agent;
    out.minerSoftware ??= f.minerSoftware;
    out.coin ??= f.coin;
    if (f.difficulty !== null) out.difficulty = f.difficulty;
    if (f.hashrate !== null) out.hashrate = (out.hashrate ?? 0) + f.hashrate;
    for (const a of f.algorithms) if (!out.algorithms.includes(a)) out.algorithms.push(a);
    for (const e of f.evidence) if (!out.evidence.includes(e)) out.evidence.push(e);
    connections.push(...(f.connections ?? []));
    omitted += f.connectionsOmitted ?? 0;
  }
  if (out.connections !== undefined) {
    connections.sort((x, y) => (x.firstSeen < y.firstSeen ? -1 : x.firstSeen > y.firstSeen ? 1 : x.srcPort - y.srcPort));
    if (connections.length > MAX_CONNECTIONS) omitted += connections.splice(MAX_CONNECTIONS).length;
    out.connections = connections;
    out.connectionsOmitted = omitted;
  }
  return out;
}
