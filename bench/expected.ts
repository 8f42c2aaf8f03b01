/**
 * What poolwatch must report on a generated capture: the findings it reports
 * on each embedded source capture alone, carried over to every copy (the
 * opening hosts' new addresses, the copy's time shift). Comparing the two
 * sets shows whether detection holds up inside hours of other traffic, a
 * flood, or split segments.
 */
import { communityId } from '../src/report/community-id';
import type { Finding } from '../src/report/finding';
import type { Embed, Manifest } from './make-captures';

/** Fields that count packets or bytes: they differ by design when segments were split. */
const COUNT_FIELDS = ['packets', 'bytes', 'bytesToPool', 'bytesFromPool'];

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces whole addresses only (10.1.2.3 must not touch 10.1.2.30). */
function mapText(text: string, pairs: Array<[RegExp, string]>): string {
  let t = text;
  for (const [re, to] of pairs) t = t.replace(re, to);
  return t;
}

function addressPairs(addresses: { [from: string]: string }): Array<[RegExp, string]> {
  return Object.entries(addresses)
    .sort((a, b) => b[0].length - a[0].length)
    .map(([from, to]) => [new RegExp(`(?<![0-9A-Za-z:.])${escape(from)}(?![0-9A-Za-z:]|\\.[0-9])`, 'g'), to]);
}

function shiftTime(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/** One finding as a comparable line; `keepCounts` false drops packet and byte counts. */
export function canonical(f: Finding, keepCounts: boolean): string {
  const o: { [k: string]: unknown } = {};
  for (const k of Object.keys(f).sort()) {
    if (!keepCounts && COUNT_FIELDS.includes(k)) continue;
    let v = (f as unknown as { [k: string]: unknown })[k];
    // Each connection's own counts go with the finding's.
    if (!keepCounts && k === 'connections' && Array.isArray(v)) v = v.map(({ packets: _p, bytes: _b, ...rest }) => rest);
    // Hashrate comes from a division over the time seen; the last digits may move with a time shift.
    o[k] = /^hashrate(Low|High)?$/.test(k) && typeof v === 'number' ? Number(v.toPrecision(6)) : v;
  }
  return JSON.stringify(o);
}

/** A source's finding as it must appear for one embedded copy. */
export function carryOver(f: Finding, e: Embed): Finding {
  const pairs = addressPairs(e.addresses);
  const addr = (a: string | null) => (a === null ? null : (e.addresses[a] ?? a));
  return {
    ...f,
    host: addr(f.host) as string,
    pool: addr(f.pool),
    firstSeen: shiftTime(f.firstSeen, e.shiftMs),
    lastSeen: shiftTime(f.lastSeen, e.shiftMs),
    evidence: f.evidence.map((n) => mapText(n, pairs)),
    // A copy's connections are the source's at its own addresses and times: their Community IDs follow the addresses.
    connections: f.connections.map((c) => ({
      ...c,
      communityId: f.pool === null || f.poolPort === null ? c.communityId : communityId(addr(f.host) as string, addr(f.pool) as string, c.srcPort, f.poolPort, 6),
      firstSeen: shiftTime(c.firstSeen, e.shiftMs),
      lastSeen: shiftTime(c.lastSeen, e.shiftMs),
    })),
  };
}

export function expectedFindings(m: Manifest, bySource: Map<string, Finding[]>): Finding[] {
  const out: Finding[] = [];
  for (const e of m.embeds) {
    const src = bySource.get(e.source);
    if (src === undefined) throw new Error(`no findings for source ${e.source}`);
    for (const f of src) out.push(carryOver(f, e));
  }
  return out;
}

export interface Comparison {
  equal: boolean;
  expected: number;
  actual: number;
  /** Expected lines poolwatch did not report (first few). */
  missing: string[];
  /** Reported lines nobody expected (first few). */
  unexpected: string[];
  missingCount: number;
  unexpectedCount: number;
  /** For missing and unexpected findings of the same host, pool and port: the fields that differ (first few). */
  differences: string[];
}

function short(v: unknown): string {
  const t = JSON.stringify(v) ?? 'undefined';
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

/** Pairs missing with unexpected lines of the same host, pool and port, and names the fields that differ. */
function differences(missing: string[], unexpected: string[], show: number): string[] {
  const key = (o: { [k: string]: unknown }) => `${String(o.host)} -> ${String(o.pool)}:${String(o.poolPort)}`;
  const pending = new Map<string, Array<{ [k: string]: unknown }>>();
  for (const u of unexpected) {
    const o = JSON.parse(u) as { [k: string]: unknown };
    const list = pending.get(key(o)) ?? [];
    list.push(o);
    pending.set(key(o), list);
  }
  const out: string[] = [];
  for (const m of missing) {
    if (out.length >= show) break;
    const want = JSON.parse(m) as { [k: string]: unknown };
    const got = pending.get(key(want))?.shift();
    if (got === undefined) {
      out.push(`${key(want)}: not reported`);
      continue;
    }
    const fields = [...new Set([...Object.keys(want), ...Object.keys(got)])].filter((k) => JSON.stringify(want[k]) !== JSON.stringify(got[k]));
    out.push(`${key(want)}: ${fields.map((k) => `${k} ${short(got[k])} (expected ${short(want[k])})`).join(', ')}`);
  }
  for (const [k, list] of pending) for (const _ of list) if (out.length < show) out.push(`${k}: reported, not expected`);
  return out;
}

export function compare(actual: Finding[], expected: Finding[], keepCounts: boolean, show = 3): Comparison {
  const want = new Map<string, number>();
  for (const f of expected) {
    const k = canonical(f, keepCounts);
    want.set(k, (want.get(k) ?? 0) + 1);
  }
  const unexpected: string[] = [];
  for (const f of actual) {
    const k = canonical(f, keepCounts);
    const n = want.get(k) ?? 0;
    if (n > 0) want.set(k, n - 1);
    else unexpected.push(k);
  }
  const missing: string[] = [];
  for (const [k, n] of want) for (let i = 0; i < n; i++) missing.push(k);
  return {
    equal: missing.length === 0 && unexpected.length === 0,
    expected: expected.length,
    actual: actual.length,
    missing: missing.slice(0, show),
    unexpected: unexpected.slice(0, show),
    missingCount: missing.length,
    unexpectedCount: unexpected.length,
    differences: differences(missing, unexpected, show),
  };
}

/** Findings from a jsonl report (the summary line and anything else skipped). */
export function parseReport(text: string): { findings: Finding[]; summary: { [k: string]: unknown } | null } {
  const findings: Finding[] = [];
  let summary: { [k: string]: unknown } | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as { type?: string };
    if (o.type === 'finding') findings.push(o as Finding);
    else if (o.type === 'summary') summary = o as { [k: string]: unknown };
  }
  return { findings, summary };
}
