import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../src/capture/writer';
import { packageRoot } from '../../src/paths';
import { miningSession, webSession } from '../../pcaps/generate';
import { toRecords } from '../support/craft';
import { parseJsonl, runCli } from '../support/cli';

const samples = join(packageRoot(), 'pcaps', 'samples');
const tmp = mkdtempSync(join(tmpdir(), 'poolwatch-cli-'));

describe('poolwatch scan', () => {
  test('the bundled samples flag the mining session and nothing else', () => {
    const r = runCli(['scan', samples, '--format', 'jsonl']);
    expect(r.status).toBe(0);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      type: 'finding', host: '10.1.2.3', pool: '198.51.100.7', poolPort: 3333, protocol: 'cryptonote', confidence: 'high',
      agent: 'XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0', minerSoftware: 'XMRig', coin: 'XMR', sharesSubmitted: 2, sharesAccepted: 2,
    });
    expect(summary).toMatchObject({ type: 'summary', files: 2, warnings: [], skipped: [] });
    expect(summary.packets).toBe(20);
  });

  test('--output with .jsonl, .json and .csv picks the format; table for people', () => {
    const jsonl = join(tmp, 'r.jsonl');
    expect(runCli(['scan', samples, '-o', jsonl]).status).toBe(0);
    expect(parseJsonl(readFileSync(jsonl, 'utf8')).findings).toHaveLength(1);
    const json = join(tmp, 'r.json');
    runCli(['scan', samples, '-o', json]);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.findings[0].pool).toBe('198.51.100.7');
    expect(doc.summary.type).toBe('summary');
    const csv = join(tmp, 'r.csv');
    runCli(['scan', samples, '-o', csv]);
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows[0].split(',').slice(0, 4)).toEqual(['host', 'pool', 'poolPort', 'protocol']);
    expect(rows[1].startsWith('10.1.2.3,198.51.100.7,3333,cryptonote,high')).toBe(true);
    const table = runCli(['scan', samples, '--format', 'table']);
    expect(table.stdout).toContain('HIGH   10.1.2.3 -> 198.51.100.7:3333  cryptonote');
    expect(table.stdout).toContain('shares 2 submitted / 2 accepted');
  });

  test('--exit-code N is returned only when something was flagged', () => {
    expect(runCli(['scan', samples, '-f', 'jsonl', '--exit-code', '3']).status).toBe(3);
    const clean = join(tmp, 'clean.pcap');
    writeFileSync(clean, writePcap(toRecords(webSession()), { linkType: 1 }));
    expect(runCli(['scan', clean, '-f', 'jsonl', '--exit-code', '3']).status).toBe(0);
  });

  test('stdin is read with -', () => {
    const r = runCli(['scan', '-', '-f', 'jsonl'], writePcap(toRecords(miningSession()), { linkType: 1, nanos: true, bigEndian: true }));
    expect(r.status).toBe(0);
    expect(parseJsonl(r.stdout).findings[0]).toMatchObject({ host: '10.1.2.3', protocol: 'cryptonote' });
  });

  test('a named file that is not a capture exits 2 but the other inputs are still reported', () => {
    const bad = join(tmp, 'notes.txt');
    writeFileSync(bad, 'these are my notes, not packets\n');
    const r = runCli(['scan', bad, join(samples, 'xmrig-stratum.pcap'), '-f', 'jsonl']);
    expect(r.status).toBe(2);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect((summary.warnings as string[])[0]).toContain('notes.txt');
    expect(r.stderr).toContain('notes.txt');
  });

  test('inside a folder, a non-capture file is skipped with a warning and the run succeeds', () => {
    const dir = join(tmp, 'case');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'README'), 'case notes');
    writeFileSync(join(dir, 'a.pcap'), readFileSync(join(samples, 'xmrig-stratum.pcap')));
    const r = runCli(['scan', dir, '-f', 'jsonl']);
    expect(r.status).toBe(0);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect(summary.warnings).toEqual([]);
    expect(summary.skipped).toEqual([join(dir, 'README')]);
  });

  test('a capture truncated mid-record keeps every finding before the damage and names file and offset', () => {
    const whole = readFileSync(join(samples, 'xmrig-stratum.pcap'));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const r = runCli(['scan', cut, '-f', 'jsonl']);
    expect(r.status).toBe(0);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings[0]).toMatchObject({ host: '10.1.2.3', confidence: 'high', sharesSubmitted: 2 });
    const warnings = summary.warnings as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cut\.pcap: offset \d+: /);
  });

  test('a missing path and an unknown option are usage errors (exit 2), and every command has --help', () => {
    expect(runCli(['scan', join(tmp, 'does-not-exist.pcap')]).status).toBe(2);
    const unknown = runCli(['scan', samples, '--bogus-option']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('bogus-option');
    for (const cmd of [[], ['scan'], ['signatures'], ['signatures', 'check']]) {
      const h = runCli([...cmd, '--help']);
      expect(h.status).toBe(0);
      expect(h.stdout).toContain('poolwatch');
    }
  });

  test('signatures check validates and reports a bad site list with file and line', () => {
    const ok = runCli(['signatures', 'check']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/signatures OK: \d+ pool domains/);
    const site = join(tmp, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'pools.txt'), 'good.example\tSite pool\tXMR\nbad..example\tBroken\tXMR\n');
    const bad = runCli(['signatures', 'check', '--signatures', site]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('pools.txt:2');
  });
});
