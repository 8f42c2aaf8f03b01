/**
 * `poolwatch live --format eve` and `--min-confidence` on a veth inside a namespace this file makes:
 * the replayed captures stream as Suricata EVE alerts (new, then final; valid against Suricata's
 * schema, in_iface naming the interface, no summary record), and a confidence floor keeps lower
 * findings out of the stream, the report and the summary's count.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { eveValidator } from '../report/eve-support';
import { parseJsonl, runCli } from '../support/cli';
import { VethNs, labAvailable, replay, sleep, startCli, streamLines } from './netns';

const avail = labAvailable();
const maybe = avail.ok ? describe : describe.skip;
const title = avail.ok ? 'live --format eve and --min-confidence on a veth' : `live --format eve and --min-confidence (skipped: ${avail.why}; needs root and ip netns)`;
const tmp = mkdtempSync(join(tmpdir(), 'pw-live-eve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A miner's login (high) and a TLS session named by its SNI (medium). */
const CAPTURES = ['xmrig-plain-dns.pcap', 'tls-sni-client.pcap'].map((n) => join(packageRoot(), 'pcaps', 'real', n));

maybe(title, () => {
  test('EVE alerts as findings are made and at the end, valid and naming the interface; --min-confidence high leaves the TLS session out', async () => {
    const scan = parseJsonl(runCli(['scan', ...CAPTURES, '-f', 'jsonl']).stdout);
    const levels = new Set(scan.findings.map((f) => f.confidence));
    expect(levels.has('high')).toBe(true);
    expect(levels.size).toBeGreaterThan(1);
    const ns = new VethNs().up();
    try {
      const eve = join(tmp, 'eve.json');
      const report = join(tmp, 'report.json');
      const run = startCli(ns.name, ['live', '-i', 'va', '-f', 'eve', '-o', eve, '--stats-interval', '0', '--update-interval', '0', '--report', report]);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      for (const c of CAPTURES) replay(ns, 'vb', c);
      await sleep(1000);
      expect((await run.stop('SIGTERM')).code).toBe(0);
      const records = readFileSync(eve, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { [k: string]: any });
      const validate = eveValidator({ in_iface: { type: 'string' } });
      for (const r of records) expect(validate(r) ? [] : validate.errors).toEqual([]);
      expect(records.every((r) => r.event_type === 'alert' && r.in_iface === 'va')).toBe(true);
      const events = (r: { [k: string]: any }): string => r.metadata.flowvars.find((v: { key: string }) => v.key === 'event').value;
      const finals = records.filter((r) => events(r) === 'final');
      expect(finals).toHaveLength(scan.findings.length);
      expect(records.filter((r) => events(r) === 'new').length).toBeGreaterThan(0);
      expect(new Set(finals.map((r) => r.src_ip))).toEqual(new Set(scan.findings.map((f) => f.host)));

      const high = join(tmp, 'high.jsonl');
      const run2 = startCli(ns.name, ['live', '-i', 'va', '-o', high, '--stats-interval', '0', '--update-interval', '0', '--min-confidence', 'high']);
      await run2.waitFor(/"msg":"capturing"/, 15_000);
      for (const c of CAPTURES) replay(ns, 'vb', c);
      await sleep(1000);
      expect((await run2.stop('SIGTERM')).code).toBe(0);
      const kept = streamLines(readFileSync(high, 'utf8'));
      expect(kept.records.length).toBeGreaterThan(0);
      expect(kept.records.every((r) => r.confidence === 'high')).toBe(true);
      const wanted = scan.findings.filter((f) => f.confidence === 'high').length;
      expect(kept.records.filter((r) => r.event === 'final')).toHaveLength(wanted);
      expect(kept.summary).toMatchObject({ findings: wanted, minConfidence: 'high', filteredOut: scan.findings.length - wanted });
    } finally {
      ns.del();
    }
  }, 60_000);
});
