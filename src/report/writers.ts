import type { Finding, NodeContact, Summary } from './finding';

export const FORMATS = ['jsonl', 'json', 'csv', 'table'] as const;
export type Format = (typeof FORMATS)[number];

/** Format from an output file's extension, for when --format is not given. */
export function formatForPath(path: string | undefined, isTerminal: boolean): Format {
  if (path !== undefined) {
    if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return 'jsonl';
    if (path.endsWith('.json')) return 'json';
    if (path.endsWith('.csv')) return 'csv';
    return 'jsonl';
  }
  return isTerminal ? 'table' : 'jsonl';
}

export function jsonLine(record: Finding | NodeContact | Summary): string {
  return JSON.stringify(record) + '\n';
}

export function renderJsonl(findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  return findings.map(jsonLine).join('') + nodes.map(jsonLine).join('') + jsonLine(summary);
}

export function renderJson(findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  return JSON.stringify(nodes.length ? { findings, nodes, summary } : { findings, summary }, null, 2) + '\n';
}

const CSV_COLUMNS: Array<keyof Finding> = [
  'host', 'pool', 'poolPort', 'protocol', 'confidence', 'domain', 'poolName', 'firstSeen', 'lastSeen', 'flows', 'packets', 'bytes',
  'login', 'worker', 'agent', 'minerSoftware', 'algorithms', 'coin', 'difficulty', 'sharesSubmitted', 'sharesAccepted',
  'sharesRejected', 'hashrate', 'evidence',
];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join('; ') : String(v);
  // Quote always when needed, and defuse spreadsheet formulas: the values come from the network.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(findings: Finding[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const f of findings) lines.push(CSV_COLUMNS.map((c) => csvCell(f[c])).join(','));
  return lines.join('\n') + '\n';
}

function shorten(s: string | null, n: number): string {
  if (s === null) return '-';
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function humanRate(h: number | null): string {
  if (h === null) return '-';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let i = 0;
  while (h >= 1000 && i < units.length - 1) {
    h /= 1000;
    i++;
  }
  return `${h.toFixed(h < 10 ? 2 : 1)} ${units[i]}`;
}

/** A readable report for a terminal: one block per finding, then the summary. */
export function renderTable(findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  const out: string[] = [];
  if (findings.length === 0) out.push('No mining-pool connections found.');
  for (const f of findings) {
    const where = f.pool === null ? '(no connection seen)' : `${f.pool}${f.poolPort !== null ? ':' + f.poolPort : ''}`;
    out.push(`${f.confidence.toUpperCase().padEnd(6)} ${f.host} -> ${where}  ${f.protocol}${f.domain ? '  ' + f.domain : ''}${f.poolName ? ' (' + f.poolName + ')' : ''}`);
    out.push(`       seen ${f.firstSeen} .. ${f.lastSeen}, ${f.flows} flow(s), ${f.packets} packets, ${humanBytes(f.bytes)}`);
    const who: string[] = [];
    if (f.login) who.push(`login ${shorten(f.login, 60)}`);
    if (f.worker) who.push(`worker ${f.worker}`);
    if (f.coin) who.push(`coin ${f.coin}`);
    if (who.length) out.push(`       ${who.join(', ')}`);
    const sw: string[] = [];
    if (f.agent) sw.push(`agent ${shorten(f.agent, 70)}`);
    if (f.algorithms.length) sw.push(`algo ${shorten(f.algorithms.join(','), 40)}`);
    if (sw.length) out.push(`       ${sw.join(', ')}`);
    if (f.sharesSubmitted || f.sharesAccepted || f.jobs) {
      out.push(`       jobs ${f.jobs}, shares ${f.sharesSubmitted} submitted / ${f.sharesAccepted} accepted / ${f.sharesRejected} rejected, difficulty ${f.difficulty ?? '-'}, est. ${humanRate(f.hashrate)}`);
    }
    for (const e of f.evidence) out.push(`       - ${e}`);
    out.push('');
  }
  if (nodes.length) out.push('Cryptocurrency node peer traffic (not mining):');
  for (const n of nodes) out.push(`  ${n.host} -> ${n.peer}:${n.peerPort}  ${n.protocol}, ${n.flows} flow(s), ${n.packets} packets, ${humanBytes(n.bytes)}, ${n.firstSeen} .. ${n.lastSeen}`);
  if (nodes.length) out.push('');
  out.push(`${summary.files} file(s), ${summary.packets} packets, ${humanBytes(summary.bytes)} in ${summary.seconds.toFixed(2)} s; ${summary.findings} finding(s)`);
  for (const w of summary.warnings) out.push(`warning: ${w}`);
  if (summary.skipped.length) out.push(`${summary.skipped.length} file(s) in the folders given are not captures and were skipped`);
  return out.join('\n') + '\n';
}

/** The report in `format`; node contacts are listed only when given (scan --nodes). CSV holds findings only. */
export function render(format: Format, findings: Finding[], summary: Summary, nodes: NodeContact[] = []): string {
  switch (format) {
    case 'jsonl':
      return renderJsonl(findings, summary, nodes);
    case 'json':
      return renderJson(findings, summary, nodes);
    case 'csv':
      return renderCsv(findings);
    case 'table':
      return renderTable(findings, summary, nodes);
  }
}
