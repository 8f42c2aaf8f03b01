/**
 * The CLI's report-level options and the `report` command: --format html and `.html` outputs,
 * `poolwatch report` from json and jsonl reports, --min-confidence in every format and in the
 * --exit-code gate, EVE's pcap_filename, and warnings about the traffic (forged fragment
 * overlaps) in the summary of one thread and of --workers alike.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../src/capture/writer';
import { packageRoot } from '../../src/paths';
import type { Finding, Summary } from '../../src/report/finding';
import { XMR_WALLET } from '../../pcaps/detect/generate';
import { Conversation, toRecords } from '../support/craft';
import { parseJsonl, runCli } from '../support/cli';
import { fragmentFrames, type Piece } from '../support/fragments';

const SAMPLES = join(packageRoot(), 'pcaps', 'samples');
const REAL = join(packageRoot(), 'pcaps', 'real');
const dir = mkdtempSync(join(tmpdir(), 'pw-cli-report-'));

function jsonReport(args: string[]): { findings: Finding[]; summary: Summary & Record<string, unknown> } {
  const r = runCli(['scan', ...args, '-f', 'json']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('HTML output', () => {
  test('scan -o FILE.html writes the page; --format html to stdout is the same page', () => {
    const out = join(dir, 'samples.html');
    const r = runCli(['scan', SAMPLES, '-o', out]);
    expect(r.status).toBe(0);
    const page = readFileSync(out, 'utf8');
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('data-chart="0"');
    const stdout = runCli(['scan', SAMPLES, '--format', 'html']).stdout;
    expect(stdout).toBe(page);
  });

  test('report renders a json report and a jsonl report of the same scan as the same page', () => {
    const json = join(dir, 'real.json');
    const jsonl = join(dir, 'real.jsonl');
    expect(runCli(['scan', REAL, '-o', json]).status).toBe(0);
    expect(runCli(['scan', REAL, '-o', jsonl]).status).toBe(0);
    const fromJson = runCli(['report', json]);
    const fromJsonl = runCli(['report', jsonl]);
    expect(fromJson.status).toBe(0);
    expect(fromJson.stderr).toBe('');
    expect(fromJson.stdout).toContain('<canvas data-chart="0"');
    expect(fromJsonl.stdout).toBe(fromJson.stdout);
    // And back to JSON lines: the findings survive the round trip.
    const again = parseJsonl(runCli(['report', json, '-f', 'jsonl']).stdout);
    expect(again.findings).toEqual(JSON.parse(readFileSync(json, 'utf8')).findings);
  });

  test('a live stream whose finding grew (new, update, final; protocol from tcp to cryptonote) is one finding, its last record', () => {
    const [f] = jsonReport([join(SAMPLES, 'xmrig-stratum.pcap')]).findings;
    const summary = jsonReport([join(SAMPLES, 'xmrig-stratum.pcap')]).summary;
    const stream = join(dir, 'stream.jsonl');
    const line = (event: string, o: object) => JSON.stringify({ ...f, event, ...o });
    writeFileSync(stream, [line('new', { protocol: 'tcp', confidence: 'medium' }), line('update', {}), line('final', {}), JSON.stringify(summary)].join('\n') + '\n');
    const back = parseJsonl(runCli(['report', stream, '-f', 'jsonl']).stdout);
    expect(back.findings).toEqual([f]);
  });

  test('report of a file that is no report is one line naming the file and line, exit 2', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"type":"finding","host":"10.0.0.1"}\nnot json at all\n');
    const r = runCli(['report', bad]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^poolwatch: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2: not JSON`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const none = join(dir, 'none.json');
    writeFileSync(none, '{"hello":1}\n');
    expect(runCli(['report', none]).stderr).toMatch(/no summary line/);
  });
});

describe('--min-confidence', () => {
  test('leaves lower findings out of the report, counts them in the summary, and the --exit-code gate follows', () => {
    const all = jsonReport([REAL]);
    const levels = new Set(all.findings.map((f) => f.confidence));
    expect(levels.has('high')).toBe(true);
    expect(levels.size).toBeGreaterThan(1);
    const high = jsonReport([REAL, '--min-confidence', 'high']);
    expect(high.findings.length).toBeGreaterThan(0);
    expect(high.findings.every((f) => f.confidence === 'high')).toBe(true);
    expect(high.findings).toEqual(all.findings.filter((f) => f.confidence === 'high'));
    expect(high.summary.filteredOut).toBe(all.findings.length - high.findings.length);
    expect(high.summary.findings).toBe(high.findings.length);
    // CSV rows follow the same filter.
    const csv = runCli(['scan', REAL, '--min-confidence', 'high', '-f', 'csv']).stdout.trim().split('\n');
    expect(csv).toHaveLength(1 + high.findings.length);

    // A capture with only a lookup (low): flagged without the filter, nothing to gate with it.
    const lookup = join(packageRoot(), 'pcaps', 'detect', 'dns-lookup-only.pcap');
    const low = jsonReport([lookup]);
    expect(low.findings.length).toBeGreaterThan(0);
    expect(low.findings.every((f) => f.confidence !== 'high')).toBe(true);
    expect(runCli(['scan', lookup, '--exit-code', '3', '-f', 'jsonl']).status).toBe(3);
    expect(runCli(['scan', lookup, '--exit-code', '3', '--min-confidence', 'high', '-f', 'jsonl']).status).toBe(0);
  });

  test('an unknown level is a usage error naming the option', () => {
    const r = runCli(['scan', SAMPLES, '--min-confidence', 'certain']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/min-confidence/);
  });
});

test('EVE records of a one-file scan name the capture in pcap_filename', () => {
  const file = join(SAMPLES, 'xmrig-stratum.pcap');
  const lines = runCli(['scan', file, '-f', 'eve']).stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(l.pcap_filename).toBe(file);
});

test('a forged fragment overlap is named in the summary warnings, by one thread and by --workers 2', () => {
  const login = (wallet: string): string => `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${wallet}","pass":"x","agent":"XMRig/6.16.0","algo":["rx/0"]}}\n`;
  const job = `{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"a1","job":{"blob":"${'0e'.repeat(76)}","job_id":"j1","target":"b88d0600"},"status":"OK"}}\n`;
  const real = new Conversation({ client: '10.20.73.10', server: '198.51.100.73', clientPort: 51073, serverPort: 3333 }).handshake().client(login(XMR_WALLET)).server(job).close().frames;
  const forged = '4' + '9'.repeat(XMR_WALLET.length - 1);
  let n = 0;
  const first = (p: Piece[]): Piece[] => {
    if (n++ > 0) return p;
    const start = Math.floor((login(XMR_WALLET).indexOf(XMR_WALLET) + 20) / 8) * 8;
    return [{ start, end: start + 64, bytes: Buffer.from(login(forged)).subarray(start - 20, start + 44) }, ...p];
  };
  const path = join(dir, 'forged-overlap.pcap');
  writeFileSync(path, writePcap(toRecords(fragmentFrames(real, 64, first)), { linkType: 1 }));
  const one = jsonReport([path]);
  const overlap = one.summary.warnings.filter((w) => /different bytes/.test(w));
  expect(overlap).toHaveLength(1);
  expect(overlap[0]).toMatch(/^.*forged-overlap\.pcap: offset \d+: IPv4 fragment 10\.20\.73\.10 -> 198\.51\.100\.73/);
  const two = jsonReport([path, '--workers', '2']);
  expect(two.summary.warnings).toEqual(one.summary.warnings);
  expect(two.findings).toEqual(one.findings);
});
