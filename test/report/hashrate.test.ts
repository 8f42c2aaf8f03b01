/**
 * Honest hash rate: a number only from enough accepted shares over a long enough window, in
 * the units the dialect fixes, with an exact Poisson interval; otherwise a note saying why.
 * Sessions are crafted packet by packet, so difficulty, share count and window are known.
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { loadSignatures } from '../../src/detect/signatures';
import type { Finding } from '../../src/report/finding';
import { difficultyUnit, estimateHashrate, gammaP, MIN_SHARES, MIN_WINDOW_SECONDS, namedAlgorithms, poissonInterval } from '../../src/report/hashrate';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/read';
import { packageRoot } from '../../src/paths';
import { Conversation, udpFrame, type Timed, timedFrame } from '../support/craft';
import { dnsMessage } from '../support/craft-protocols';

const sigs = loadSignatures();
const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const MINER = '10.1.0.6';
const POOL = '198.51.100.7';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);


function scan(...convs: Conversation[]): Finding[] {
  const a = new Analyzer(sigs, DEFAULT_ANALYZER_OPTIONS);
  const frames = convs.flatMap((c) => c.frames).sort((x, y) => (x.tsNs < y.tsNs ? -1 : x.tsNs > y.tsNs ? 1 : 0));
  for (const t of frames) a.frame(timedFrame(t));
  return a.finish();
}

/** 8-byte CryptoNote target (little-endian hex) for difficulty 2^bits: target 2^(64-bits). */
function target64(bits: number): string {
  const be = (1n << BigInt(64 - bits)).toString(16).padStart(16, '0');
  return be.match(/../g)!.reverse().join('');
}

function spanSeconds(c: Conversation): number {
  return Number(c.frames[c.frames.length - 1].tsNs - c.frames[0].tsNs) / 1e9;
}

/**
 * An XMRig-style session: login, a job at each difficulty (2^bits) in `plan`, that many accepted
 * shares after it, then `rejected` rejected shares; one packet every `stepMs`.
 */
function xmrig(plan: Array<[bits: number, shares: number]>, o: { stepMs: number; port?: number; startMs?: number; rejected?: number }): Conversation {
  const c = new Conversation({ client: MINER, server: POOL, clientPort: o.port ?? 50600, serverPort: 3333, startMs: o.startMs ?? T0, stepMs: o.stepMs }).handshake();
  c.client(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${WALLET}","pass":"x","agent":"XMRig/6.16.0 (Linux x86_64) libuv/1.38.0 gcc/9.3.0"}}\n`);
  let id = 2;
  plan.forEach(([bits, shares], i) => {
    const job = `{"blob":"${'0'.repeat(152)}","job_id":"j${i}","target":"${target64(bits)}","algo":"rx/0"}`;
    if (i === 0) c.server(`{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":${job},"status":"OK"}}\n`);
    else c.server(`{"jsonrpc":"2.0","method":"job","params":${job}}\n`);
    for (let k = 0; k < shares; k++, id++) {
      c.client(`{"id":${id},"jsonrpc":"2.0","method":"submit","params":{"id":"s1","job_id":"j${i}","nonce":"${id.toString(16).padStart(8, '0')}","result":"${'ab'.repeat(32)}"}}\n`);
      c.server(`{"id":${id},"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n`);
    }
  });
  for (let k = 0; k < (o.rejected ?? 0); k++, id++) {
    c.client(`{"id":${id},"jsonrpc":"2.0","method":"submit","params":{"id":"s1","job_id":"j0","nonce":"${id.toString(16).padStart(8, '0')}","result":"${'cd'.repeat(32)}"}}\n`);
    c.server(`{"id":${id},"jsonrpc":"2.0","error":{"code":-1,"message":"Low difficulty share"}}\n`);
  }
  return c.close();
}

describe('exact Poisson interval', () => {
  test('matches the published Garwood bounds', () => {
    // Garwood (1936) 95 % limits, as tabulated (e.g. Ulm 1990).
    const table: Array<[number, number, number]> = [
      [0, 0, 3.6889],
      [1, 0.0253, 5.5716],
      [5, 1.6235, 11.6683],
      [10, 4.7954, 18.3904],
      [100, 81.3639, 121.627],
    ];
    for (const [n, lo, hi] of table) {
      const [l, h] = poissonInterval(n);
      expect(l).toBeCloseTo(lo, 3);
      expect(h).toBeCloseTo(hi, 2);
    }
  });

  test('a million shares: close to n ± 1.96 √n, and quick', () => {
    const started = Date.now();
    const [l, h] = poissonInterval(1_000_000);
    expect(Math.abs(l - (1_000_000 - 1960))).toBeLessThan(5);
    expect(Math.abs(h - (1_000_000 + 1960))).toBeLessThan(5);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('the regularised gamma is a distribution function', () => {
    // P(1, x) = 1 - e^-x exactly.
    for (const x of [0.1, 1, 3, 20]) expect(gammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 12);
    expect(gammaP(50, 0)).toBe(0);
    expect(gammaP(50, 1000)).toBeCloseTo(1, 12);
  });
});

describe('difficulty units by dialect', () => {
  test('dialects that fix the unit', () => {
    expect(difficultyUnit('cryptonote', ['rx/0']).hashes).toBe(1);
    expect(difficultyUnit('eth-proxy', []).hashes).toBe(1);
    expect(difficultyUnit('ethereum-stratum', []).hashes).toBe(2 ** 32);
    expect(difficultyUnit('stratum-v1', ['sha256d']).hashes).toBe(2 ** 32);
    expect(difficultyUnit('stratum-v1', ['scrypt']).hashes).toBe(2 ** 16);
    expect(difficultyUnit('stratum-v1', namedAlgorithms([], 'sha256asicboost.auto.nicehash.com')).hashes).toBe(2 ** 32);
    // A host name that names another algorithm, or none, says nothing about Stratum v1's unit.
    expect(namedAlgorithms([], 'randomxmonero.auto.nicehash.com')).toEqual([]);
    expect(namedAlgorithms([], 'scrypt.example.com')).toEqual([]);
  });

  test('no guess where the traffic does not say the algorithm or the unit is not hashes', () => {
    for (const p of ['stratum-v1', 'grin', 'beam', 'stratum-v2', 'tls']) {
      const u = difficultyUnit(p, []);
      expect(u.hashes).toBeNull();
      expect('why' in u && u.why.length > 0).toBe(true);
    }
  });
});

describe('hash rate of crafted sessions', () => {
  test('10 accepted shares at difficulty 2^20 over a known window: the exact estimate and interval', () => {
    const c = xmrig([[20, 10]], { stepMs: 5000 });
    const [f] = scan(c);
    const T = spanSeconds(c);
    expect(T).toBeGreaterThan(MIN_WINDOW_SECONDS);
    expect(f.sharesAccepted).toBe(10);
    expect(f.hashrateWindowSeconds).toBeCloseTo(T, 3);
    expect(f.work).toBe(10 * 2 ** 20);
    const rate = (10 * 2 ** 20) / T;
    expect(f.hashrate).toBeCloseTo(rate, 0);
    expect(f.hashrateLow!).toBeCloseTo((rate * 4.7954) / 10, 0);
    expect(f.hashrateHigh!).toBeCloseTo((rate * 18.3904) / 10, -1);
    expect(f.hashrateLow!).toBeLessThan(f.hashrate!);
    expect(f.hashrateHigh!).toBeGreaterThan(f.hashrate!);
    expect(f.hashrateNote).toMatch(/^10 accepted shares in \d+ s; CryptoNote target/);
    expect(f.miningSeconds).toBeCloseTo(T, 3);
    expect(f.reportedHashrate).toBeNull();
  });

  test('difficulty changing mid-session: work is the sum of each share at its own difficulty', () => {
    const c = xmrig([[16, 3], [18, 4]], { stepMs: 6000 });
    const [f] = scan(c);
    const T = spanSeconds(c);
    expect(f.work).toBe(3 * 2 ** 16 + 4 * 2 ** 18);
    expect(f.hashrate).toBeCloseTo((3 * 2 ** 16 + 4 * 2 ** 18) / T, 0);
  });

  test('rejected shares add no work and no count', () => {
    const c = xmrig([[20, 6]], { stepMs: 5000, rejected: 4 });
    const [f] = scan(c);
    expect(f.sharesRejected).toBe(4);
    expect(f.work).toBe(6 * 2 ** 20);
    expect(f.hashrate).toBeCloseTo((6 * 2 ** 20) / spanSeconds(c), 0);
  });

  test('two overlapping connections: the window counts the overlap once', () => {
    const a = xmrig([[20, 10]], { stepMs: 5000, port: 50601 });
    const b = xmrig([[20, 10]], { stepMs: 5000, port: 50602, startMs: T0 + 60_000 });
    const [f] = scan(a, b);
    const union = (Number(b.frames[b.frames.length - 1].tsNs - a.frames[0].tsNs)) / 1e9;
    expect(f.flows).toBe(2);
    expect(f.hashrateWindowSeconds).toBeCloseTo(union, 3);
    expect(f.miningSeconds).toBeCloseTo(union, 3);
    expect(f.hashrate).toBeCloseTo((20 * 2 ** 20) / union, 0);
  });

  test('too few shares, or too short a window, gives a note and no number', () => {
    const few = xmrig([[20, MIN_SHARES - 1]], { stepMs: 20_000 });
    const [f] = scan(few);
    expect(spanSeconds(few)).toBeGreaterThan(MIN_WINDOW_SECONDS);
    expect(f.hashrate).toBeNull();
    expect(f.hashrateLow).toBeNull();
    expect(f.hashrateHigh).toBeNull();
    expect(f.hashrateNote).toMatch(new RegExp(`^too few shares \\(${MIN_SHARES - 1} in \\d+ s;`));
    expect(f.work).toBe((MIN_SHARES - 1) * 2 ** 20);

    const quick = xmrig([[20, 10]], { stepMs: 100 });
    const [g] = scan(quick);
    expect(g.hashrate).toBeNull();
    expect(g.hashrateNote).toBe(`too few shares (10 in ${spanSeconds(quick).toFixed(1)} s; an estimate needs at least ${MIN_SHARES} over ${MIN_WINDOW_SECONDS} s)`);
  });

  test('Stratum v1 without a named algorithm: work and rate null, the reason given', () => {
    const c = new Conversation({ client: MINER, server: POOL, clientPort: 50610, serverPort: 3333, startMs: T0, stepMs: 5000 }).handshake();
    c.client('{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n');
    c.server('{"id":1,"result":[[["mining.set_difficulty","1"],["mining.notify","1"]],"0a1b2c3d",4],"error":null}\n');
    c.client('{"id":2,"method":"mining.authorize","params":["rig.1","x"]}\n');
    c.server('{"id":2,"result":true,"error":null}\n{"id":null,"method":"mining.set_difficulty","params":[65536]}\n');
    for (let i = 0; i < 10; i++) {
      c.client(`{"id":${10 + i},"method":"mining.submit","params":["rig.1","j1","00000000","5e9a0000","${(0x1000 + i).toString(16)}"]}\n`);
      c.server(`{"id":${10 + i},"result":true,"error":null}\n`);
    }
    const [f] = scan(c.close());
    expect(f.protocol).toBe('stratum-v1');
    expect(f.sharesAccepted).toBe(10);
    expect(f.hashrate).toBeNull();
    expect(f.work).toBeNull();
    expect(f.hashrateNote).toMatch(/does not say the algorithm/);
  });

  test('Stratum v1 to a pool host that names its algorithm (scrypt.auto.nicehash.com): Scrypt units, 2^16 hashes per difficulty 1', () => {
    const host = 'scrypt.auto.nicehash.com';
    const answer = udpFrame('10.1.0.53', MINER, 53, 53001, dnsMessage({ id: 9, response: true, flags: 0x0180, questions: [{ name: host }], answers: [{ name: host, type: 1, data: POOL, ttl: 600 }] }), T0 - 1000);
    const c = new Conversation({ client: MINER, server: POOL, clientPort: 50611, serverPort: 3333, startMs: T0, stepMs: 5000 }).handshake();
    c.client('{"id":1,"method":"mining.subscribe","params":["cgminer/4.10.0"]}\n');
    c.server('{"id":1,"result":[[["mining.set_difficulty","1"],["mining.notify","1"]],"0a1b2c3d",4],"error":null}\n');
    c.client('{"id":2,"method":"mining.authorize","params":["rig.1","x"]}\n');
    c.server('{"id":2,"result":true,"error":null}\n{"id":null,"method":"mining.set_difficulty","params":[512]}\n');
    for (let i = 0; i < 8; i++) {
      c.client(`{"id":${10 + i},"method":"mining.submit","params":["rig.1","j1","00000000","5e9a0000","${(0x1000 + i).toString(16)}"]}\n`);
      c.server(`{"id":${10 + i},"result":true,"error":null}\n`);
    }
    c.close();
    const a = new Analyzer(sigs, DEFAULT_ANALYZER_OPTIONS);
    for (const t of [answer, ...c.frames]) a.frame(timedFrame(t));
    const f = a.finish().find((x) => x.pool === POOL)!;
    expect(f.domain).toBe(host);
    expect(f.protocol).toBe('stratum-v1');
    expect(f.work).toBe(8 * 512 * 2 ** 16);
    expect(f.hashrate).toBeCloseTo((8 * 512 * 2 ** 16) / spanSeconds(c), -1);
    expect(f.hashrateNote).toMatch(/Scrypt \(difficulty 1 = 2\^16 hashes\)/);
  });

  test("the miner's own claim is kept apart (eth_submitHashrate)", () => {
    const hex64 = (n: number) => n.toString(16).padStart(64, '0');
    const c = new Conversation({ client: MINER, server: POOL, clientPort: 50620, serverPort: 8008, startMs: T0 }).handshake();
    c.client('{"worker": "eth1.0", "jsonrpc": "2.0", "params": ["0x52bc44d5378309ee2abf1539bf71de1b7d7be3b5.rig", "x"], "id": 2, "method": "eth_submitLogin"}\n');
    c.server('{"id":2,"jsonrpc":"2.0","result":true}\n');
    c.client(`{"id": 6, "jsonrpc": "2.0", "method": "eth_submitHashrate", "params": ["0x${hex64(30_000_000)}", "0x${hex64(73)}"]}\n`);
    c.server('{"id":6,"jsonrpc":"2.0","result":true}\n');
    c.client(`{"id": 7, "jsonrpc": "2.0", "method": "eth_submitHashrate", "params": ["0x${hex64(31_500_000)}", "0x${hex64(73)}"]}\n`);
    c.server('{"id":7,"jsonrpc":"2.0","result":true}\n');
    const [f] = scan(c.close());
    expect(f.protocol).toBe('eth-proxy');
    expect(f.reportedHashrate).toBe(31_500_000);
    expect(f.hashrate).toBeNull();
  });

  test("the miner's own claim: mining.hashrate (hex without 0x, as ethminer writes it)", () => {
    const c = new Conversation({ client: MINER, server: POOL, clientPort: 50630, serverPort: 4444, startMs: T0 }).handshake();
    c.client('{"id":1,"jsonrpc":"2.0","method":"mining.hello","params":{"agent":"ethminer-0.19.0","host":"eu1-etc.ethermine.org","port":"115c","proto":"EthereumStratum/2.0.0"}}\n');
    c.server('{"id":1,"result":{"encoding":"plain","maxerrors":"5","node":"Geth/v1.10.8","proto":"EthereumStratum/2.0.0","resume":"1","timeout":"b4"}}\n');
    c.client('{"id":9,"jsonrpc":"2.0","method":"mining.hashrate","params":["500000","w-123"]}\n');
    const [f] = scan(c.close());
    expect(f.protocol).toBe('ethereum-stratum');
    expect(f.reportedHashrate).toBe(0x500000);
  });

  test("the miner's own claim: X-Mining-Hashrate of a getwork request (decimal)", async () => {
    const a = new Analyzer(sigs, DEFAULT_ANALYZER_OPTIONS);
    await readCapture(join(packageRoot(), 'pcaps', 'detect', 'getwork-http.pcap'), { frame: (fr) => a.frame(fr) }, () => {});
    const [f] = a.finish();
    expect(f.protocol).toBe('getwork');
    expect(f.reportedHashrate).toBe(3670016000);
  });

  test('estimateHashrate: accepted shares whose difficulty was never seen give no work', () => {
    const e = estimateHashrate({ protocol: 'getwork', algorithms: [], domain: null, shares: 0, work: 0, miningMs: 4000, windowMs: 56, sharesAccepted: 2, reportedHashrate: null });
    expect(e.work).toBeNull();
    expect(e.hashrate).toBeNull();
    expect(e.hashrateNote).toMatch(/difficulty of the accepted shares was not seen/);
    expect(e.miningSeconds).toBe(4);
  });
});
