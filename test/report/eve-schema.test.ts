/**
 * EVE records of every committed capture validate against Suricata's own EVE
 * schema (test/fixtures/suricata/eve-schema.json), and the validator is strict
 * enough to fail what Suricata's schema forbids.
 */
import { eveRecord } from '../../src/report/eve';
import { committedCaptures, eveValidator, findingsOf, rel } from './eve-support';

const validate = eveValidator();

function problems(record: object): string[] {
  return validate(record) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.keyword}: ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

describe('EVE records against Suricata etc/schema.json', () => {
  const captures = committedCaptures();

  test('the committed captures are found', () => {
    expect(captures.length).toBeGreaterThan(50);
  });

  test('every record of every committed capture validates', async () => {
    const failures: string[] = [];
    const confidences = new Set<string>();
    const protocols = new Set<string>();
    let records = 0;
    for (const file of captures) {
      for (const f of await findingsOf(file)) {
        confidences.add(f.confidence);
        protocols.add(f.protocol);
        for (const event of ['new', 'update', 'final'] as const) {
          const r = eveRecord(f, { pcap_filename: rel(file), event });
          records++;
          for (const p of problems(r)) failures.push(`${rel(file)} ${f.host}->${String(f.pool)}:${String(f.poolPort)} ${event}: ${p}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Not vacuous: the committed captures make findings of every confidence, and of many dialects.
    expect([...confidences].sort()).toEqual(['high', 'low', 'medium']);
    expect(protocols.size).toBeGreaterThanOrEqual(10);
    expect(records).toBeGreaterThan(100);
  }, 120_000);

  test('the validator rejects what the schema forbids', () => {
    const ok = {
      timestamp: '2026-01-15T09:00:00.000000+0000', flow_id: 1, event_type: 'alert', src_ip: '10.0.0.1',
      alert: { action: 'allowed', gid: 1, signature_id: 1, rev: 1, signature: 's', category: 'c', severity: 1 },
    };
    expect(problems(ok)).toEqual([]);
    expect(problems({ ...ok, host: '10.0.0.1' }).join()).toMatch(/additionalProperties.*"host"/);
    expect(problems({ ...ok, timestamp: '2026-01-15T09:00:00.000Z' }).join()).toMatch(/pattern/);
    expect(problems({ ...ok, flow_id: 1.5 }).join()).toMatch(/integer/);
    expect(problems({ ...ok, alert: { ...ok.alert, metadata: { evidence: ['x'] } } }).join()).toMatch(/\/alert\/metadata additionalProperties.*"evidence"/);
    expect(problems({ ...ok, alert: { ...ok.alert, metadata: { tag: [1] } } }).join()).toMatch(/string/);
  });

  test('live records (in_iface) validate once in_iface, which Suricata writes in live capture, is admitted', async () => {
    const withIface = eveValidator({ in_iface: { type: 'string' } });
    const [f] = await findingsOf(captures.find((c) => c.endsWith('samples/xmrig-stratum.pcap'))!);
    const r = eveRecord(f, { in_iface: 'eth1', event: 'new' });
    expect(r.in_iface).toBe('eth1');
    expect(r).not.toHaveProperty('pcap_filename');
    expect(withIface(r)).toBe(true);
    // The vendored commit's schema itself does not list in_iface (README beside it).
    expect(validate(r)).toBe(false);
  });
});
