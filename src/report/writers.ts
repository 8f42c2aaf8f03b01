import { renderEve, type EveContext } from './eve';
import { csvCell, forTerminal, safeJson, shortened } from './escape';
import type { Finding, NodeContact, Summary } from './finding';
import { durationText, hostStories } from './hosts';

export const FORMATS = ['jsonl', 'json', 'csv', 'table', 'eve', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** Format from an output file's extension, for when --format is not given. */
export function formatForPath(path: string | undefined, isTerminal: boolean): Format {
  if (path !== undefined) {
    if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return 'jsonl';
    if (path.endsWith('.json')) return 'json';
    if (path.endsWith('.csv')) return 'csv';
    if (path.endsWith('.html') || path.endsWith('.htm')) return 'html';
    return 'jsonl';
  }
  return isTerminal ? 'table' : 'jsonl';
}

export function jsonLine(record: Finding | NodeContact | Summary): string {
  return safeJson(record) + '\n';
}

export function renderJsonl(findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  return findings.map(jsonLine).join('') + nodes.map(jsonLine).join('') + jsonLine(summary);
}

export function renderJson(findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  return safeJson(nodes.length ? { findings, nodes, summary } : { findings, summary }, 2) + '\n';
}

/**
 * Every field of a finding, the first 24 in the order CSV reports always had, the rest after
 * them, so a sheet that reads columns by position keeps working. Lists of words (algorithms,
 * evidence) are joined with "; "; `connections` is its JSON array in one cell.
 */
const CSV_COLUMNS = [
  'host', 'pool', 'poolPort', 'protocol', 'confidence', 'domain', 'poolName', 'firstSeen', 'lastSeen', 'flows', 'packets', 'bytes',
  'login', 'worker', 'agent', 'minerSoftware', 'algorithms', 'coin', 'difficulty', 'sharesSubmitted', 'sharesAccepted',
  'sharesRejected', 'hashrate', 'evidence',
  'bytesToPool', 'bytesFromPool', 'jobs', 'hashrateLow', 'hashrateHigh', 'hashrateWindowSeconds', 'hashrateNote', 'work',
  'miningSeconds', 'reportedHashrate', 'connections', 'connectionsOmitted', 'type',
] as const satisfies ReadonlyArray<keyof Finding>;

/** A field added to Finding without a CSV column fails to compile here. */
type MissingCsvColumn = Exclude<keyof Finding, (typeof CSV_COLUMNS)[number]>;
const CSV_COMPLETE: [MissingCsvColumn] extends [never] ? true : MissingCsvColumn = true;
void CSV_COMPLETE;

/** Columns poolwatch writes itself (addresses, fixed words, timestamps): left unquoted when plainly safe. */
const OWN_COLUMNS: ReadonlySet<keyof Finding> = new Set<keyof Finding>(['host', 'pool', 'protocol', 'confidence', 'firstSeen', 'lastSeen']);
const PLAIN = /^[0-9A-Za-z][0-9A-Za-z.:\-]*$/;
/** Columns written as JSON even when empty, so `[]` is told apart from a missing value. */
const JSON_COLUMNS: ReadonlySet<keyof Finding> = new Set<keyof Finding>(['connections']);

function cell(column: keyof Finding, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  // Lists of words read best joined; anything with structure (connections, objects) stays JSON.
  const words = Array.isArray(v) && !JSON_COLUMNS.has(column) && v.every((x) => typeof x === 'string');
  const s = words ? (v as string[]).join('; ') : typeof v === 'object' ? safeJson(v) : String(v);
  // Anything the other side chose is quoted and defused (csvCell); it comes from the network.
  return OWN_COLUMNS.has(column) && PLAIN.test(s) ? s : csvCell(s);
}

export function renderCsv(findings: Finding[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const f of findings) lines.push(CSV_COLUMNS.map((c) => cell(c, f[c])).join(','));
  return lines.join('\n') + '\n';
}

/** A terminal line longer than this puts login, worker and coin on lines of their own instead of cutting them. */
const WHO_WIDTH = 100;

/** Pushes the parts as one line when it fits WHO_WIDTH (or is a single part, never cut); false when it would not fit. */
function pushWho(out: string[], parts: string[]): boolean {
  if (parts.length === 0) return true;
  const line = `       ${parts.join(', ')}`;
  if (parts.length > 1 && line.length > WHO_WIDTH) return false;
  out.push(line);
  return true;
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function humanRate(h: number | null, unit = 'H/s'): string {
  if (h === null) return '-';
  const units = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'].map((p) => p + unit);
  let i = 0;
  while (h >= 1000 && i < units.length - 1) {
    h /= 1000;
    i++;
  }
  return `${h.toFixed(h < 10 ? 2 : 1)} ${units[i]}`;
}

/** Pools listed on a host's line before the rest are counted. */
const HOST_POOLS = 4;

/** One line per host: its pools, first and last seen, time connected (overlaps once), sessions, strongest confidence. */
function hostLines(findings: Finding[]): string[] {
  const stories = hostStories(findings);
  const out = [`Hosts (${stories.length}):`];
  for (const h of stories) {
    const pools = h.pools.slice(0, HOST_POOLS).map((p) => shortened(p, 100)).join(', ') + (h.pools.length > HOST_POOLS ? ` and ${h.pools.length - HOST_POOLS} more` : '');
    const time = h.sessions > 0 ? `${h.sessions} session(s), mining ${durationText(h.miningSeconds)}` : 'DNS lookups only, no connection';
    out.push(`  ${forTerminal(h.host)}  ${h.confidence.toUpperCase()}, ${time}, ${forTerminal(h.firstSeen)} .. ${forTerminal(h.lastSeen)}, pools ${pools}`);
  }
  out.push('');
  return out;
}

/** The hash-rate line: the estimate with its interval, or why there is none; the miner's own claim apart. */
function rateLine(f: Finding): string | null {
  if (!f.sharesAccepted && f.hashrate === null && f.reportedHashrate === null) return null;
  const parts: string[] = [];
  if (f.hashrate !== null) {
    const window = f.hashrateWindowSeconds !== null ? ` over ${durationText(f.hashrateWindowSeconds)}` : '';
    parts.push(`hash rate ${humanRate(f.hashrate)} (95 %: ${humanRate(f.hashrateLow)} .. ${humanRate(f.hashrateHigh)})${window}`);
  } else {
    parts.push(`hash rate: ${f.hashrateNote !== null ? forTerminal(f.hashrateNote) : 'none'}`);
  }
  if (f.work !== null) parts.push(f.work < 1000 ? `work ${f.work} hashes` : `work ${humanRate(f.work, '')} hashes`);
  if (f.reportedHashrate !== null) parts.push(`miner claims ${humanRate(f.reportedHashrate)}`);
  return `       ${parts.join('; ')}`;
}

/**
 * A readable report for a terminal: a line per host, then one block per finding, then the summary.
 * Every value the other side chose is neutralised (forTerminal), so a login
 * with a newline cannot forge a line nor an escape sequence reach the
 * terminal; long values are cut with the cut marked, except the login and
 * worker, which an investigation needs whole.
 */
export function renderTable(findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  const t = forTerminal;
  const out: string[] = [];
  if (findings.length === 0) out.push('No mining-pool connections found.');
  else out.push(...hostLines(findings));
  for (const f of findings) {
    const where = f.pool === null ? '(no connection seen)' : `${t(f.pool)}${f.poolPort !== null ? ':' + f.poolPort : ''}`;
    out.push(`${f.confidence.toUpperCase().padEnd(6)} ${t(f.host)} -> ${where}  ${t(f.protocol)}${f.domain ? '  ' + shortened(f.domain, 100) : ''}${f.poolName ? ' (' + shortened(f.poolName, 60) + ')' : ''}`);
    const connected = f.pool !== null ? `, connected ${durationText(f.miningSeconds)}` : '';
    out.push(`       seen ${t(f.firstSeen)} .. ${t(f.lastSeen)}, ${f.flows} flow(s)${connected}, ${f.packets} packets, ${humanBytes(f.bytes)}`);
    const login = f.login ? `login ${t(f.login)}` : null;
    const rest: string[] = [];
    if (f.worker) rest.push(`worker ${t(f.worker)}`);
    if (f.coin) rest.push(`coin ${t(f.coin)}`);
    if (!pushWho(out, login === null ? rest : [login, ...rest])) {
      // Too wide for one line: the login gets its own, worker and coin share the next when they fit.
      if (login !== null) pushWho(out, [login]);
      if (!pushWho(out, rest)) for (const w of rest) pushWho(out, [w]);
    }
    const sw: string[] = [];
    if (f.agent) sw.push(`agent ${shortened(f.agent, 70)}`);
    if (f.algorithms.length) sw.push(`algo ${shortened(f.algorithms.join(','), 40)}`);
    if (sw.length) out.push(`       ${sw.join(', ')}`);
    if (f.sharesSubmitted || f.sharesAccepted || f.jobs) {
      out.push(`       jobs ${f.jobs}, shares ${f.sharesSubmitted} submitted / ${f.sharesAccepted} accepted / ${f.sharesRejected} rejected, difficulty ${f.difficulty ?? '-'}`);
    }
    const rate = rateLine(f);
    if (rate !== null) out.push(rate);
    for (const e of f.evidence) out.push(`       - ${t(e)}`);
    out.push('');
  }
  if (nodes.length) out.push('Cryptocurrency node peer traffic (not mining):');
  for (const n of nodes) out.push(`  ${t(n.host)} -> ${t(n.peer)}:${n.peerPort}  ${t(n.protocol)}, ${n.flows} flow(s), ${n.packets} packets, ${humanBytes(n.bytes)}, ${t(n.firstSeen)} .. ${t(n.lastSeen)}`);
  if (nodes.length) out.push('');
  out.push(`${summary.files} file(s), ${summary.packets} packets, ${humanBytes(summary.bytes)} in ${summary.seconds.toFixed(2)} s; ${summary.findings} finding(s)`);
  if (summary.filteredOut) out.push(`${summary.filteredOut} finding(s) below --min-confidence ${summary.minConfidence ?? ''} not shown`);
  for (const w of summary.warnings) out.push(`warning: ${t(w)}`);
  if (summary.skipped.length) out.push(`${summary.skipped.length} file(s) in the folders given are not captures and were skipped`);
  return out.join('\n') + '\n';
}

/** The report in `format`; node contacts are listed only when given (scan --nodes). CSV holds findings only. */
export function render(format: Format, findings: Finding[], summary: Summary, nodes: NodeContact[] = [], eve: EveContext = {}): string {
  switch (format) {
    case 'jsonl':
      return renderJsonl(findings, summary, nodes);
    case 'json':
      return renderJson(findings, summary, nodes);
    case 'csv':
      return renderCsv(findings);
    case 'table':
      return renderTable(findings, summary, nodes);
    case 'eve':
      // EVE lines only: no summary (README "EVE output"); `eve` names the capture file or interface.
      return renderEve(findings, eve);
    case 'html':
      // Loaded only here: the page module reads the charting library, which no other format needs.
      return (require('./html') as typeof import('./html')).renderHtml(findings, summary);
  }
}
