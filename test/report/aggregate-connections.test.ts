/**
 * Provenance: each finding lists its connections (miner port, Community ID, times,
 * packets, bytes), earliest first and bounded, the same whether flows ended in one
 * thread or were sharded over several.
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS, type AnalyzerOptions } from '../../src/analyzer';
import { loadSignatures } from '../../src/detect/signatures';
import { Aggregator } from '../../src/report/aggregate';
import { communityId } from '../../src/report/community-id';
import { MAX_CONNECTIONS } from '../../src/report/connections';
import { Conversation, udpFrame, type Timed, timedFrame } from '../support/craft';
import { dnsMessage } from '../support/craft-protocols';

const sigs = loadSignatures();
const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const MINER = '10.1.0.6';
const POOL = '198.51.100.7';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);


/** One XMRig-style session: login, job, a share accepted, close. */
function session(clientPort: number, startMs: number, client = MINER): Conversation {
  const c = new Conversation({ client, server: POOL, clientPort, serverPort: 3333, startMs }).handshake();
  c.client(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${WALLET}","pass":"x","agent":"XMRig/6.16.0 (Linux x86_64) libuv/1.38.0 gcc/9.3.0"}}\n`);
  c.server(`{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":{"blob":"${'0'.repeat(152)}","job_id":"j1","target":"b88d0600","algo":"rx/0"},"status":"OK"}}\n`);
  c.client(`{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"s1","job_id":"j1","nonce":"0a0b0c0d","result":"${'ab'.repeat(32)}"}}\n`);
  c.server('{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n');
  return c.close();
}

function analyze(frames: Timed[], extra: Partial<AnalyzerOptions> = {}): Analyzer {
  const a = new Analyzer(sigs, { ...DEFAULT_ANALYZER_OPTIONS, ...extra });
  for (const t of frames) a.frame(timedFrame(t));
  return a;
}

describe('connections of a finding', () => {
  test('one session: its miner port, Community ID, times, packets and bytes', () => {
    const c = session(50600, T0);
    const [f, ...rest] = analyze(c.frames).finish();
    expect(rest).toHaveLength(0);
    expect(f.connections).toEqual([
      {
        srcPort: 50600,
        communityId: communityId(MINER, POOL, 50600, 3333, 6),
        firstSeen: new Date(T0).toISOString(),
        lastSeen: new Date(T0 + c.frames.length - 1).toISOString(),
        packets: c.frames.length,
        bytes: f.bytes,
      },
    ]);
    expect(f.connectionsOmitted).toBe(0);
    // The pre-existing fields come first and keep their order; the new ones follow the evidence.
    const keys = Object.keys(f);
    expect(keys.slice(keys.indexOf('evidence'))).toEqual(['evidence', 'connections', 'connectionsOmitted']);
  });

  test('a session picked up mid-stream from the pool side still names the miner port', () => {
    const c = session(50601, T0);
    // Start the capture at the pool's job: the flow's side A is then the pool.
    const frames = c.frames.slice(c.frames.findIndex((t, i) => i > 3 && t.data.includes(Buffer.from('"job"'))));
    const [f] = analyze(frames).finish();
    expect(f.host).toBe(MINER);
    expect(f.connections.map((x) => x.srcPort)).toEqual([50601]);
    expect(f.connections[0].communityId).toBe(communityId(POOL, MINER, 3333, 50601, 6));
  });

  test('a flow still open is listed in a report written mid-capture', () => {
    const c = session(50602, T0);
    const open = c.frames.slice(0, c.frames.length - 3);
    const a = analyze(open);
    const [f] = a.report.findings();
    expect(f.connections).toHaveLength(1);
    expect(f.connections[0].packets).toBe(open.length);
    expect(f.connections[0].communityId).toBe(communityId(MINER, POOL, 50602, 3333, 6));
  });

  test(`bounded: the earliest ${MAX_CONNECTIONS} are listed, the rest counted`, () => {
    const n = MAX_CONNECTIONS + 7;
    // Later sessions use lower ports and the sessions are fed newest first, so neither port nor arrival order gives time order.
    const sessions = Array.from({ length: n }, (_, i) => session(60000 - i, T0 + i * 60_000));
    const frames = sessions.reverse().flatMap((s) => s.frames);
    const [f] = analyze(frames).finish();
    expect(f.flows).toBe(n);
    expect(f.connections).toHaveLength(MAX_CONNECTIONS);
    expect(f.connectionsOmitted).toBe(n - MAX_CONNECTIONS);
    expect(f.connections.map((x) => x.srcPort)).toEqual(Array.from({ length: MAX_CONNECTIONS }, (_, i) => 60000 - i));
    expect(f.connections[0].firstSeen).toBe(f.firstSeen);
  });

  test('sharded over two analyzers and merged: the same connections as one analyzer', () => {
    const n = MAX_CONNECTIONS + 20;
    const frames = Array.from({ length: n }, (_, i) => session(40000 + ((i * 7919) % 20000), T0 + i * 1000)).flatMap((s) => s.frames);
    const one = analyze(frames).finish();
    const merged = new Aggregator();
    for (let shard = 0; shard < 2; shard++) {
      const a = analyze(frames, { shard, shards: 2 });
      a.finish();
      // Structured clone, as the worker threads send it.
      merged.merge(structuredClone(a.report.state()));
    }
    expect(JSON.stringify(merged.findings())).toBe(JSON.stringify(one));
    expect(one[0].connectionsOmitted).toBe(n - MAX_CONNECTIONS);
  });

  test('two miners: each finding lists only its own connections; a DNS lookup alone lists none', () => {
    const lookup = dnsMessage({ id: 77, response: true, flags: 0x0180, questions: [{ name: 'pool.supportxmr.com' }], answers: [{ name: 'pool.supportxmr.com', type: 1, data: '203.0.113.9' }] });
    const frames = [...session(50700, T0).frames, ...session(50701, T0 + 10, '10.1.0.7').frames, udpFrame('192.0.2.53', '10.1.0.8', 53, 41000, lookup, T0 + 20)];
    const findings = analyze(frames).finish();
    expect(findings.map((f) => `${f.host} ${f.protocol} ${f.connections.map((x) => x.srcPort).join(',')}`).sort()).toEqual(['10.1.0.6 cryptonote 50700', '10.1.0.7 cryptonote 50701', '10.1.0.8 dns ']);
    expect(findings.find((f) => f.protocol === 'dns')?.connectionsOmitted).toBe(0);
  });
});
