/**
 * The CSV carries every field the JSON has: one column per key of a finding, each cell the
 * field's value (lists of words joined with "; ", connections as their JSON array), under the
 * same quoting and formula rules as the columns CSV always had.
 */
import { join } from 'node:path';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { readCapture } from '../../src/capture/read';
import { loadSignatures } from '../../src/detect/signatures';
import { packageRoot } from '../../src/paths';
import type { Finding } from '../../src/report/finding';
import { renderCsv, renderJsonl } from '../../src/report/writers';
import { parseCsv } from '../support/csv';

const sigs = loadSignatures();

async function scanFiles(...paths: string[]): Promise<Finding[]> {
  const a = new Analyzer(sigs, DEFAULT_ANALYZER_OPTIONS);
  for (const p of paths) await readCapture(p, { frame: (f) => a.frame(f) }, () => {});
  return a.finish();
}

const root = packageRoot();
const files = [
  join(root, 'pcaps', 'samples', 'xmrig-stratum.pcap'),
  join(root, 'pcaps', 'real', 'xmrig-plain-dns.pcap'),
  join(root, 'pcaps', 'real', 'xmrig-tls.pcap'),
  join(root, 'pcaps', 'detect', 'eth-proxy.pcap'),
  join(root, 'pcaps', 'detect', 'dns-lookup-only.pcap'),
];

describe('csv has every field of the json', () => {
  let findings: Finding[] = [];
  beforeAll(async () => {
    findings = await scanFiles(...files);
  });

  test('every key of every JSON finding is a column, and nothing else is', () => {
    const json = renderJsonl(findings, { type: 'summary', files: 0, packets: 0, bytes: 0, seconds: 0, flows: 0, findings: 0, warnings: [], skipped: [] })
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.type === 'finding');
    expect(json.length).toBeGreaterThanOrEqual(5);
    const header = parseCsv(renderCsv(findings))[0];
    const keys = new Set(json.flatMap((r) => Object.keys(r)));
    for (const k of keys) expect(header).toContain(k);
    expect(header).toHaveLength(keys.size);
  });

  test('each cell holds the JSON value: numbers as written, null empty, lists joined, connections as JSON', () => {
    const rows = parseCsv(renderCsv(findings));
    const header = rows[0];
    expect(rows).toHaveLength(findings.length + 1);
    findings.forEach((f, i) => {
      const row = rows[i + 1];
      expect(row).toHaveLength(header.length);
      header.forEach((col, j) => {
        const v = (f as unknown as Record<string, unknown>)[col];
        const cell = row[j];
        if (v === null) expect(cell).toBe('');
        else if (typeof v === 'number') expect(Number(cell)).toBe(v);
        else if (col === 'connections') expect(JSON.parse(cell)).toEqual(v);
        else if (Array.isArray(v)) expect(cell).toBe(v.join('; '));
        else expect(cell).toBe(String(v));
      });
    });
  });

  test('the first 24 columns keep the order CSV reports always had', () => {
    const header = parseCsv(renderCsv(findings))[0];
    expect(header.slice(0, 24)).toEqual([
      'host', 'pool', 'poolPort', 'protocol', 'confidence', 'domain', 'poolName', 'firstSeen', 'lastSeen', 'flows', 'packets', 'bytes',
      'login', 'worker', 'agent', 'minerSoftware', 'algorithms', 'coin', 'difficulty', 'sharesSubmitted', 'sharesAccepted',
      'sharesRejected', 'hashrate', 'evidence',
    ]);
  });

  test('a hostile value in a connection or a note cell is defused like every other', () => {
    const [f] = findings;
    const hostile: Finding = {
      ...f,
      hashrateNote: '=HYPERLINK("http://evil.example")',
      connections: [{ ...f.connections[0], communityId: '1:\x1b[2J\u202e' }],
    };
    const text = renderCsv([hostile]);
    expect(text).not.toContain('\x1b');
    expect(text).not.toContain('\u202e');
    const rows = parseCsv(text);
    const col = (name: string) => rows[0].indexOf(name);
    expect(rows[1][col('hashrateNote')]).toBe(`'=HYPERLINK("http://evil.example")`);
    // The JSON cell starts with "[", so it is never a formula; the escape is shown as JSON writes it.
    expect(rows[1][col('connections')].startsWith('[{')).toBe(true);
    expect(JSON.parse(rows[1][col('connections')])[0].communityId).toBe('1:\x1b[2J\u202e');
  });
});
