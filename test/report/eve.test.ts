/** EVE alert records: field by field on the bundled XMRig sample, a lookup alone, and the CLI's --format eve. */
import { join } from 'node:path';
import { communityId } from '../../src/report/community-id';
import { EVE_CATEGORY, EVE_SIGNATURES, SID_BASE, SID_OTHER, eveFlowId, eveRecord, eveTimestamp, renderEve } from '../../src/report/eve';
import type { Finding } from '../../src/report/finding';
import { runCli } from '../support/cli';
import { ROOT, eveValidator, findingsOf } from './eve-support';

const SAMPLE = join(ROOT, 'pcaps', 'samples', 'xmrig-stratum.pcap');
const EVE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$/;

describe('eveTimestamp', () => {
  test('ISO UTC to EVE time, microseconds and +0000', () => {
    expect(eveTimestamp('2026-12-04T19:48:29.123Z')).toBe('2026-12-04T19:48:29.123000+0000');
    expect(eveTimestamp('2026-12-04T19:48:29Z')).toBe('2026-12-04T19:48:29.000000+0000');
    expect(eveTimestamp('2026-12-04T19:48:29.123456Z')).toBe('2026-12-04T19:48:29.123456+0000');
    // Any other form is read as a date rather than passed through.
    expect(eveTimestamp('2026-12-04T20:48:29.5+01:00')).toBe('2026-12-04T19:48:29.500000+0000');
  });
});

describe('eveFlowId', () => {
  test('an integer below 2^53 from the Community ID, the same for both directions, different per connection', () => {
    const a = eveFlowId(communityId('10.1.2.3', '198.51.100.7', 50000, 3333, 6));
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(a).toBeGreaterThan(0);
    expect(a).toBe(eveFlowId(communityId('198.51.100.7', '10.1.2.3', 3333, 50000, 6)));
    expect(a).not.toBe(eveFlowId(communityId('10.1.2.3', '198.51.100.7', 50001, 3333, 6)));
  });
});

describe('eveRecord', () => {
  let f: Finding;
  beforeAll(async () => {
    [f] = await findingsOf(SAMPLE);
  });

  test('the XMRig sample as a Suricata alert', () => {
    const r = eveRecord(f, { pcap_filename: 'pcaps/samples/xmrig-stratum.pcap' });
    const c = f.connections[0];
    expect(f.connections).toHaveLength(1);
    expect(r).toMatchObject({
      event_type: 'alert',
      pcap_filename: 'pcaps/samples/xmrig-stratum.pcap',
      src_ip: '10.1.2.3',
      src_port: c.srcPort,
      dest_ip: '198.51.100.7',
      dest_port: 3333,
      proto: 'TCP',
      app_proto: 'cryptonote',
      community_id: communityId('10.1.2.3', '198.51.100.7', c.srcPort, 3333, 6),
      alert: { action: 'allowed', gid: 1, signature_id: SID_BASE + 4, rev: 1, category: EVE_CATEGORY, severity: 1 },
    });
    expect(r.timestamp).toMatch(EVE_TIME);
    expect(r.timestamp).toBe(eveTimestamp(f.lastSeen));
    expect(r.flow).toEqual({ start: eveTimestamp(c.firstSeen), end: eveTimestamp(c.lastSeen) });
    expect(r.flow_id).toBe(eveFlowId(r.community_id!));
    expect(r.alert.signature).toBe(EVE_SIGNATURES.cryptonote.signature);
    expect(r.alert.metadata.signature_severity).toEqual(['Major']);
    expect(r.alert.metadata.tag).toEqual(expect.arrayContaining(['CoinMiner', 'confidence:high', 'protocol:cryptonote', `agent:${f.agent!}`, 'miner_software:XMRig', `login:${f.login!}`]));
    expect(r.metadata.flowvars.filter((v) => v.key === 'evidence').map((v) => v.value)).toEqual(f.evidence);
    expect(r.metadata.flowvars.filter((v) => v.key === 'connection')).toEqual([]);
    expect(r.metadata.flowints).toMatchObject({ flows: 1, packets: f.packets, bytes: f.bytes, shares_submitted: 2, shares_accepted: 2, connections: 1, connections_omitted: 0 });
    // No key outside Suricata's: the validator says so, and in_iface appears only when given.
    expect(eveValidator()(r)).toBe(true);
    expect(r).not.toHaveProperty('in_iface');
  });

  test('the event kind travels in flowvars; the 5-tuple and flow_id stay the same across new, update and final', () => {
    const rs = (['new', 'update', 'final'] as const).map((event) => eveRecord(f, { in_iface: 'eth1', event }));
    expect(rs.map((r) => r.metadata.flowvars[0])).toEqual([{ key: 'event', value: 'new' }, { key: 'event', value: 'update' }, { key: 'event', value: 'final' }]);
    expect(new Set(rs.map((r) => r.flow_id)).size).toBe(1);
  });

  test('several connections: the first gives the 5-tuple, the others are listed', () => {
    const second = { ...f.connections[0], srcPort: f.connections[0].srcPort + 1, communityId: communityId(f.host, f.pool!, f.connections[0].srcPort + 1, f.poolPort!, 6) };
    const r = eveRecord({ ...f, flows: 3, connections: [f.connections[0], second], connectionsOmitted: 1 });
    expect(r.src_port).toBe(f.connections[0].srcPort);
    expect(r.metadata.flowvars.filter((v) => v.key === 'connection')).toEqual([
      { key: 'connection', value: second.communityId, src_port: second.srcPort, first_seen: eveTimestamp(second.firstSeen), last_seen: eveTimestamp(second.lastSeen), packets: second.packets, bytes: second.bytes },
    ]);
    expect(r.metadata.flowints).toMatchObject({ connections: 3, connections_omitted: 1 });
    expect(eveValidator()(r)).toBe(true);
  });

  test('a lookup alone: the host, no destination, ports or Community ID; severity 3', async () => {
    const [d] = await findingsOf(join(ROOT, 'pcaps', 'detect', 'dns-lookup-only.pcap'));
    expect(d.protocol).toBe('dns');
    const r = eveRecord(d, { pcap_filename: 'x.pcap' });
    expect(r).toMatchObject({ src_ip: d.host, app_proto: 'dns', alert: { signature_id: SID_BASE + 12, severity: 3 } });
    for (const k of ['dest_ip', 'dest_port', 'src_port', 'proto', 'community_id', 'flow']) expect(r).not.toHaveProperty(k);
    expect(Number.isSafeInteger(r.flow_id)).toBe(true);
    expect(eveValidator()(r)).toBe(true);
  });

  test('signature ids: one per protocol word, distinct, in the documented range; an unknown word gets the catch-all', () => {
    const sids = Object.values(EVE_SIGNATURES).map((s) => s.sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of [...sids, SID_OTHER]) expect(s >= SID_BASE && s < SID_BASE + 100).toBe(true);
    expect(eveRecord({ ...f, protocol: 'future-dialect' }).alert.signature_id).toBe(SID_OTHER);
  });

  test('attacker-chosen text: line separators and C1 controls are escaped, the value kept', () => {
    const agent = 'XMRig\u2028{"event_type":"alert"}\u0085';
    const line = renderEve([{ ...f, agent }]);
    expect(line.split('\n')).toHaveLength(2);
    expect(line).not.toMatch(/[\u2028\u0085]/);
    expect(JSON.parse(line).alert.metadata.tag).toContain(`agent:${agent}`);
  });
});

describe('scan --format eve', () => {
  test('only EVE alert lines, one per finding; no summary line', () => {
    const r = runCli(['scan', join(ROOT, 'pcaps', 'samples'), '--format', 'eve']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event_type: string; src_ip: string });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event_type: 'alert', src_ip: '10.1.2.3', dest_ip: '198.51.100.7', dest_port: 3333 });
    expect(eveValidator()(lines[0])).toBe(true);
  });
});
