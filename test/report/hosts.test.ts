/**
 * The per-host story: one line per host at the top of the table (pools, first and last seen,
 * time connected with overlaps counted once, sessions, strongest confidence), made from the
 * findings of a crafted capture with two hosts, overlapping sessions and a DNS lookup alone.
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { loadSignatures } from '../../src/detect/signatures';
import type { Finding, Summary } from '../../src/report/finding';
import { coveredSeconds, durationText, hostStories } from '../../src/report/hosts';
import { renderTable } from '../../src/report/writers';
import { Conversation, udpFrame, type Timed, timedFrame } from '../support/craft';
import { clientHello, dnsMessage } from '../support/craft-protocols';

const sigs = loadSignatures();
const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const A = '10.7.0.10';
const B = '10.7.0.20';
const POOL1 = '198.51.100.31';
const POOL2 = '198.51.100.32';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);


function xmrig(client: string, server: string, port: number, startMs: number, stepMs: number): Conversation {
  const c = new Conversation({ client, server, clientPort: port, serverPort: 3333, startMs, stepMs }).handshake();
  c.client(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${WALLET}","pass":"x","agent":"XMRig/6.16.0 (Linux x86_64) libuv/1.38.0 gcc/9.3.0"}}\n`);
  c.server(`{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":{"blob":"${'0'.repeat(152)}","job_id":"j1","target":"b88d0600","algo":"rx/0"},"status":"OK"}}\n`);
  c.client(`{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"s1","job_id":"j1","nonce":"0a0b0c0d","result":"${'ab'.repeat(32)}"}}\n`);
  c.server('{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n');
  return c.close();
}

function span(c: Conversation): [number, number] {
  return [Number(c.frames[0].tsNs / 1_000_000n), Number(c.frames[c.frames.length - 1].tsNs / 1_000_000n)];
}

/** Host A: two overlapping sessions to POOL1, a later one to POOL2. Host B: TLS to a pool by SNI, and a lookup alone. */
const a1 = xmrig(A, POOL1, 50001, T0, 2000);
const a2 = xmrig(A, POOL1, 50002, T0 + 10_000, 2000);
const a3 = xmrig(A, POOL2, 50003, T0 + 120_000, 1000);
const tls = new Conversation({ client: B, server: '203.0.113.50', clientPort: 50100, serverPort: 443, startMs: T0 + 5000, stepMs: 500 }).handshake().client(clientHello({ sni: 'xmr-eu1.nanopool.org' })).close();
const lookup = udpFrame(B, '10.7.0.53', 53000, 53, dnsMessage({ id: 7, questions: [{ name: 'gulf.moneroocean.stream', type: 1 }] }), T0 + 300_000);

function scan(): Finding[] {
  const frames = [...a1.frames, ...a2.frames, ...a3.frames, ...tls.frames, lookup].sort((x, y) => (x.tsNs < y.tsNs ? -1 : x.tsNs > y.tsNs ? 1 : 0));
  const an = new Analyzer(sigs, DEFAULT_ANALYZER_OPTIONS);
  for (const t of frames) an.frame(timedFrame(t));
  return an.finish();
}

const summary = (n: number): Summary => ({ type: 'summary', files: 1, packets: 0, bytes: 0, seconds: 0, flows: 0, findings: n, warnings: [], skipped: [] });

describe('host stories', () => {
  const findings = scan();

  test('the capture gives the findings the stories are made of', () => {
    expect(findings.filter((f) => f.host === A).map((f) => [f.pool, f.flows])).toEqual([[POOL1, 2], [POOL2, 1]]);
    expect(findings.filter((f) => f.host === B).map((f) => f.protocol).sort()).toEqual(['dns', 'tls']);
  });

  test('one story per host: pools, first and last seen, time with overlaps once, sessions, strongest confidence', () => {
    const stories = hostStories(findings);
    expect(stories.map((s) => s.host)).toEqual([A, B]);
    const [sa, sb] = stories;
    const [s1, e1] = span(a1);
    const [s2, e2] = span(a2);
    const [s3, e3] = span(a3);
    expect(s2).toBeLessThan(e1); // the first two overlap
    expect(sa.miningSeconds).toBeCloseTo((Math.max(e1, e2) - s1 + (e3 - s3)) / 1000, 3);
    expect(sa.sessions).toBe(3);
    expect(sa.confidence).toBe('high');
    expect(sa.firstSeen).toBe(new Date(s1).toISOString());
    expect(sa.lastSeen).toBe(new Date(e3).toISOString());
    expect(sa.pools).toEqual([`${POOL1}:3333`, `${POOL2}:3333`]);
    // The lookup alone is no session and no mining time, but it is in B's story.
    const [ts, te] = span(tls);
    expect(sb.sessions).toBe(1);
    expect(sb.miningSeconds).toBeCloseTo((te - ts) / 1000, 3);
    expect(sb.confidence).toBe('medium');
    expect(sb.pools).toContain('gulf.moneroocean.stream');
    expect(sb.lastSeen).toBe(new Date(T0 + 300_000).toISOString());
  });

  test('a finding with connections past the list bound keeps its own mining time', () => {
    const f = findings.find((x) => x.host === A && x.pool === POOL1)!;
    const cut: Finding = { ...f, connections: f.connections.slice(0, 1), connectionsOmitted: 1 };
    const [story] = hostStories([cut]);
    expect(story.miningSeconds).toBeCloseTo(f.miningSeconds, 6);
    expect(story.miningSeconds).toBeGreaterThan(coveredSeconds(cut.connections.map((c) => [Date.parse(c.firstSeen), Date.parse(c.lastSeen)])));
  });

  test('the table opens with one line per host, before the first finding', () => {
    const lines = renderTable(findings, summary(findings.length)).split('\n');
    expect(lines[0]).toBe('Hosts (2):');
    const sa = hostStories(findings)[0];
    expect(lines[1]).toBe(`  ${A}  HIGH, 3 session(s), mining ${durationText(sa.miningSeconds)}, ${sa.firstSeen} .. ${sa.lastSeen}, pools ${POOL1}:3333, ${POOL2}:3333`);
    expect(lines[2]).toMatch(new RegExp(`^  ${B.replace(/\./g, '\\.')}  MEDIUM, 1 session\\(s\\), mining .* pools .*gulf\\.moneroocean\\.stream`));
    const firstFinding = lines.findIndex((l) => /^(HIGH|MEDIUM|LOW)\s/.test(l));
    expect(firstFinding).toBe(4);
    expect(lines.filter((l) => /^(HIGH|MEDIUM|LOW)\s/.test(l))).toHaveLength(findings.length);
  });

  test('a host whose only finding is a lookup says so', () => {
    const only = findings.filter((f) => f.protocol === 'dns');
    const lines = renderTable(only, summary(only.length)).split('\n');
    expect(lines[1]).toMatch(/^ {2}10\.7\.0\.20 {2}LOW, DNS lookups only, no connection, /);
  });

  test('durations read as people say them', () => {
    expect(durationText(5.25)).toBe('5.3 s');
    expect(durationText(90)).toBe('1.5 min');
    expect(durationText(7200)).toBe('2.0 h');
    expect(durationText(3 * 86400)).toBe('3.0 d');
  });
});
