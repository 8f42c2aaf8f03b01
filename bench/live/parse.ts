/**
 * What the tools of the live benchmark print, read back: tcpreplay's and
 * trafgen's send counts, tcpdump's and ndpiReader's end-of-capture lines, and
 * poolwatch's summary and findings, with the fields that can be compared
 * between a live capture and a scan of the same packets.
 */

export interface Sent {
  sent: number;
  failed: number;
  seconds: number;
  pps: number;
  mbps: number;
}

/** tcpreplay's closing statistics (stdout); throws when they are not there. */
export function parseTcpreplay(out: string): Sent {
  const sent = /Successful packets:\s+(\d+)/.exec(out);
  const failed = /Failed packets:\s+(\d+)/.exec(out);
  const actual = /Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds/.exec(out);
  if (sent === null || actual === null) throw new Error(`no statistics in tcpreplay's output: ${out.slice(-500)}`);
  const seconds = Number(actual[3]);
  const packets = Number(sent[1]);
  // Rated: is printed rounded and missing for very short runs; the rate comes from the counts instead.
  return { sent: packets, failed: Number(failed?.[1] ?? 0), seconds, pps: seconds > 0 ? packets / seconds : NaN, mbps: seconds > 0 ? (Number(actual[2]) * 8) / seconds / 1e6 : NaN };
}

/** trafgen's closing lines (stderr or stdout): packets and bytes out, and the wall time it sent for. */
export function parseTrafgen(out: string, seconds: number): Sent {
  const pk = /(\d+) packets outgoing/.exec(out);
  const by = /(\d+) bytes outgoing/.exec(out);
  if (pk === null) throw new Error(`no packet count in trafgen's output: ${out.slice(-500)}`);
  const sent = Number(pk[1]);
  return { sent, failed: 0, seconds, pps: sent / seconds, mbps: by ? (Number(by[1]) * 8) / seconds / 1e6 : NaN };
}

export interface Captured {
  /** Packets the tool took in. */
  seen: number;
  /** Packets the kernel says it dropped for the tool (null where the tool does not say). */
  dropped: number | null;
}

/** tcpdump's three lines at exit (stderr). */
export function parseTcpdumpEnd(err: string): Captured & { received: number } {
  const cap = /(\d+) packets? captured/.exec(err);
  const rec = /(\d+) packets? received by filter/.exec(err);
  const drop = /(\d+) packets? dropped by kernel/.exec(err);
  if (cap === null || drop === null || rec === null) throw new Error(`no closing counts in tcpdump's output: ${err.slice(-500)}`);
  return { seen: Number(cap[1]), received: Number(rec[1]), dropped: Number(drop[1]) };
}

/** ndpiReader's traffic statistics at exit (stdout). It prints no kernel drop count for a live capture. */
export function parseNdpiEnd(out: string): Captured & { ip: number } {
  const m = /IP packets:\s+(\d+)\s+of (\d+) packets total/.exec(out);
  if (m === null) throw new Error(`no traffic statistics in ndpiReader's output: ${out.slice(-500)}`);
  return { seen: Number(m[2]), ip: Number(m[1]), dropped: null };
}

export interface LiveWorker {
  worker: number;
  packets: number;
  flows: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export interface LiveSummary extends Captured {
  engine: string;
  /** The kernel's count of packets that reached the socket (dropped ones included). */
  received: number | null;
  /** Packets the cap engine dropped because the analysis was --queue-size behind (0 on AF_PACKET). */
  queueDropped: number;
  workers: LiveWorker[];
  cpuMs: { user: number; system: number } | null;
}

type Json = { [k: string]: unknown };

function lines(text: string): Json[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}

/** The summary line that ends `poolwatch live`'s stream (the last line of its output file). */
export function parseLiveSummary(text: string): LiveSummary {
  const all = lines(text);
  const s = all[all.length - 1];
  if (s === undefined || s.type !== 'summary') throw new Error(`poolwatch live wrote no summary line: ${text.slice(-500)}`);
  const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  const workers = Array.isArray(s.workers) ? (s.workers as LiveWorker[]) : [];
  return {
    engine: String(s.engine),
    seen: Number(s.packets),
    received: num(s.received),
    dropped: num(s.dropped),
    queueDropped: num(s.queueDropped) ?? 0,
    workers,
    cpuMs: (s.cpuMs as { user: number; system: number } | undefined) ?? null,
  };
}

/**
 * The findings of a stream or a report, in one order, with what must be equal
 * between a live capture and a scan of the same packets: what was found and the
 * counts of it. Times are left out (live stamps packets with the time they
 * arrived, scan with the capture's), and so is everything computed from them
 * (hash rate) or carrying them (connections, evidence sentences).
 */
export function comparableFindings(text: string, liveFinal: boolean): string[] {
  const keep = ['host', 'pool', 'poolPort', 'protocol', 'confidence', 'domain', 'poolName', 'login', 'worker', 'agent', 'minerSoftware', 'algorithms', 'coin', 'difficulty', 'jobs', 'sharesSubmitted', 'sharesAccepted', 'sharesRejected', 'flows', 'packets', 'bytes', 'bytesToPool', 'bytesFromPool'];
  return lines(text)
    .filter((r) => r.type === 'finding' && (!liveFinal || r.event === 'final'))
    .map((r) => JSON.stringify(keep.map((k) => [k, r[k] ?? null])))
    .sort();
}

/** Lines in one list and not the other, for the report when findings differ. */
export function findingsDiff(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const count = (xs: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  const onlyA = a.filter((x) => (cb.get(x) ?? 0) < (ca.get(x) ?? 0));
  const onlyB = b.filter((x) => (ca.get(x) ?? 0) < (cb.get(x) ?? 0));
  return { onlyA: [...new Set(onlyA)], onlyB: [...new Set(onlyB)] };
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Spread of repeated measurements as (max - min) / median, the noise figure the table prints. */
export function spread(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x));
  if (s.length < 2) return 0;
  return (Math.max(...s) - Math.min(...s)) / median(s);
}
