/**
 * Findings from many sensors merged into one report (`poolwatch collect`). Each
 * sensor's latest record per finding stands for it (a live sensor sends new,
 * update and final; each supersedes the one before); sensors' records of one
 * finding meet by its identity (host, pool, port, or host and domain), and
 * their counters add up: sensors are meant to watch different links.
 */
import { MAX_CONNECTIONS } from '../connections';
import type { Finding } from '../finding';
import { findingKey } from '../stream';

export type FleetFinding = Finding & { sensors: string[] };

const RANK: Record<string, number> = { high: 3, medium: 2, low: 1 };

/** What a record must carry to be taken as a finding (a JSON line from a sink with --sink-format json). */
function asFinding(v: unknown): Finding | null {
  if (typeof v !== 'object' || v === null) return null;
  const f = v as Partial<Finding>;
  if (f.type !== 'finding' || typeof f.host !== 'string' || typeof f.confidence !== 'string' || typeof f.firstSeen !== 'string' || typeof f.lastSeen !== 'string') return null;
  if (!Array.isArray(f.evidence) || !Array.isArray(f.algorithms) || typeof f.packets !== 'number') return null;
  return f as Finding;
}

export class FleetMerge {
  /** identity -> sensor -> that sensor's latest record. */
  private readonly latest = new Map<string, Map<string, Finding>>();
  records = 0;
  /** Records that are no poolwatch finding in JSON (EVE records, other producers' messages, broken text). */
  ignored = 0;

  /** One record's text and the sensor that sent it; false when it was not a finding. */
  add(text: string, sensor: string): boolean {
    this.records++;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.ignored++;
      return false;
    }
    const f = asFinding(parsed);
    if (f === null) {
      this.ignored++;
      return false;
    }
    const { event: _event, ...finding } = f as Finding & { event?: string };
    const key = findingKey(finding);
    let bySensor = this.latest.get(key);
    if (bySensor === undefined) this.latest.set(key, (bySensor = new Map()));
    bySensor.set(sensor, finding);
    return true;
  }

  get sensors(): string[] {
    const all = new Set<string>();
    for (const m of this.latest.values()) for (const s of m.keys()) all.add(s);
    return [...all].sort();
  }

  /** The merged findings, ordered as a scan orders its report: by host, then pool and port. */
  findings(): FleetFinding[] {
    const out = [...this.latest.values()].map((m) => mergeSensors(m));
    return out.sort((a, b) => cmp(a.host, b.host) || cmp(a.pool ?? '', b.pool ?? '') || (a.poolPort ?? 0) - (b.poolPort ?? 0) || cmp(a.domain ?? '', b.domain ?? ''));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One finding as several sensors saw it. */
export function mergeSensors(bySensor: ReadonlyMap<string, Finding>): FleetFinding {
  const sensors = [...bySensor.keys()].sort();
  // The most confident first: its protocol and names lead.
  const list = sensors.map((s) => bySensor.get(s)!).sort((a, b) => (RANK[b.confidence] ?? 0) - (RANK[a.confidence] ?? 0));
  const top = list[0];
  const first = <K extends keyof Finding>(k: K): Finding[K] => list.find((f) => f[k] !== null && f[k] !== undefined)?.[k] ?? top[k];
  const total = (k: 'flows' | 'packets' | 'bytes' | 'bytesToPool' | 'bytesFromPool' | 'jobs' | 'sharesSubmitted' | 'sharesAccepted' | 'sharesRejected'): number => list.reduce((n, f) => n + (f[k] ?? 0), 0);
  const union = (k: 'algorithms' | 'evidence'): string[] => [...new Set(list.flatMap((f) => f[k] ?? []))];
  const rates = list.map((f) => f.hashrate).filter((h): h is number => typeof h === 'number');
  const difficulties = list.map((f) => f.difficulty).filter((d): d is number => typeof d === 'number');
  const connections = list.flatMap((f) => f.connections ?? []).sort((a, b) => cmp(a.firstSeen, b.firstSeen));
  return {
    ...top,
    domain: first('domain'),
    poolName: first('poolName'),
    firstSeen: list.map((f) => f.firstSeen).sort()[0],
    lastSeen: list.map((f) => f.lastSeen).sort()[list.length - 1],
    flows: total('flows'),
    packets: total('packets'),
    bytes: total('bytes'),
    bytesToPool: total('bytesToPool'),
    bytesFromPool: total('bytesFromPool'),
    login: first('login'),
    worker: first('worker'),
    agent: first('agent'),
    minerSoftware: first('minerSoftware'),
    algorithms: union('algorithms'),
    coin: first('coin'),
    difficulty: difficulties.length > 0 ? Math.max(...difficulties) : null,
    jobs: total('jobs'),
    sharesSubmitted: total('sharesSubmitted'),
    sharesAccepted: total('sharesAccepted'),
    sharesRejected: total('sharesRejected'),
    hashrate: rates.length > 0 ? rates.reduce((a, b) => a + b, 0) : null,
    evidence: union('evidence'),
    connections: connections.slice(0, MAX_CONNECTIONS),
    connectionsOmitted: list.reduce((n, f) => n + (f.connectionsOmitted ?? 0), 0) + Math.max(0, connections.length - MAX_CONNECTIONS),
    sensors,
  };
}
