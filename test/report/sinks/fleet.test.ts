import { FleetMerge } from '../../../src/report/sinks/fleet';
import { findingMessage } from '../../../src/report/sinks/message';
import { makeFindings } from './findings';

describe('merging findings from several sensors', () => {
  const findings = makeFindings(5);

  test('one finding per identity; a sensor\'s later record supersedes its earlier; sensors\' counters add up', () => {
    const m = new FleetMerge();
    // Sensor a saw hosts 0..3 (new, then update with a share more), sensor b hosts 2..4.
    for (const f of findings.slice(0, 4)) m.add(findingMessage(f, 'new').value, 'sensor-a');
    for (const f of findings.slice(0, 4)) m.add(findingMessage({ ...f, sharesSubmitted: f.sharesSubmitted + 1, lastSeen: '2026-01-15T10:00:00.000Z' }, 'update').value, 'sensor-a');
    for (const f of findings.slice(2, 5)) m.add(findingMessage({ ...f, firstSeen: '2026-01-15T08:00:00.000Z' }, 'final').value, 'sensor-b');
    const out = m.findings();
    expect(out.map((f) => f.host)).toEqual(findings.map((f) => f.host).sort());
    expect(m.sensors).toEqual(['sensor-a', 'sensor-b']);
    expect(m.records).toBe(11);
    expect(m.ignored).toBe(0);
    const only = (host: string) => out.find((f) => f.host === host)!;
    const a0 = only(findings[0].host);
    expect(a0.sensors).toEqual(['sensor-a']);
    expect(a0.sharesSubmitted).toBe(findings[0].sharesSubmitted + 1);
    expect(a0.packets).toBe(findings[0].packets);
    expect('event' in a0).toBe(false);
    const both = only(findings[2].host);
    expect(both.sensors).toEqual(['sensor-a', 'sensor-b']);
    expect(both.packets).toBe(findings[2].packets * 2);
    expect(both.sharesSubmitted).toBe(findings[2].sharesSubmitted * 2 + 1);
    expect(both.firstSeen).toBe('2026-01-15T08:00:00.000Z');
    expect(both.lastSeen).toBe('2026-01-15T10:00:00.000Z');
    expect(both.evidence).toEqual(findings[2].evidence);
    expect(both.connections).toHaveLength(findings[2].connections.length * 2);
    expect(only(findings[4].host).sensors).toEqual(['sensor-b']);
  });

  test('the most confident sensor\'s protocol leads; names come from whoever has them', () => {
    const m = new FleetMerge();
    const f = findings[0];
    m.add(JSON.stringify({ ...f, confidence: 'medium', protocol: 'tcp', login: null, agent: null }), 'edge');
    m.add(JSON.stringify(f), 'core');
    const [merged] = m.findings();
    expect(merged.confidence).toBe(f.confidence);
    expect(merged.protocol).toBe(f.protocol);
    expect(merged.login).toBe(f.login);
    expect(merged.agent).toBe(f.agent);
  });

  test('records that are no poolwatch JSON finding are counted and left out: EVE alerts, summaries, broken text', () => {
    const m = new FleetMerge();
    expect(m.add(findingMessage(findings[0], 'new', 'eve').value, 's')).toBe(false);
    expect(m.add('{"type":"summary","files":1}', 's')).toBe(false);
    expect(m.add('{"type":"finding","host":1}', 's')).toBe(false);
    expect(m.add('not json', 's')).toBe(false);
    expect(m.add('', 's')).toBe(false);
    expect(m.findings()).toEqual([]);
    expect(m.ignored).toBe(5);
  });
});
