import { LEVEL_HIGH, LEVEL_MEDIUM } from '../../../../src/detect/evidence';
import { VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED } from '../../../../src/detect/classifier';
import { JsonRpcSession } from '../../../../src/detect/jsonrpc/session';
import { bytewise, run, sigs, splitAt, Step } from '../../jsonrpc/support';

// A cpuminer session against a Bitcoin pool, message shapes as in the slush Stratum docs
// (spaces after colons, key order varying between the two sides).
const WALLET = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const NOTIFY =
  '{"params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", ' +
  '"01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008", ' +
  '"072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000", [], ' +
  '"00000002", "1c2ac4af", "504e86b9", false], "id": null, "method": "mining.notify"}\n';

const BTC: Step[] = [
  [0, '{"id": 1, "method": "mining.subscribe", "params": ["cpuminer/2.5.1"]}\n'],
  [
    1,
    '{"id": 1, "result": [[["mining.set_difficulty", "b4b6693b72a50c7116db18d6497cac52"], ["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], "error": null}\n',
  ],
  [0, `{"params": ["${WALLET}.rig1", "password"], "id": 2, "method": "mining.authorize"}\n`],
  [1, '{"error": null, "id": 2, "result": true}\n'],
  [1, '{"params": [32], "id": null, "method": "mining.set_difficulty"}\n' + NOTIFY],
  [0, `{"params": ["${WALLET}.rig1", "bf", "00000001", "504e86ed", "b2957c02"], "id": 4, "method": "mining.submit"}\n`],
  [1, '{"error": null, "id": 4, "result": true}\n'],
  [0, `{"params": ["${WALLET}.rig1", "bf", "00000002", "504e86ed", "0a957c11"], "id": 5, "method": "mining.submit"}\n`],
  [1, '{"error": [23, "Low difficulty share", null], "id": 5, "result": null}\n'],
];

function checkBtc(r: ReturnType<typeof run>): void {
  const ev = r.ev;
  expect(ev.protocol).toBe('stratum-v1');
  expect(ev.level).toBe(LEVEL_HIGH);
  expect(ev.minerDirection).toBe(0);
  expect(ev.minerSpoke && ev.poolSpoke).toBe(true);
  expect(ev.login).toBe(WALLET);
  expect(ev.worker).toBe('rig1');
  expect(ev.coin).toBe('BTC');
  expect(ev.agent).toBe('cpuminer/2.5.1');
  expect(ev.minerSoftware).toBe('cpuminer');
  expect(ev.difficulty).toBe(32);
  expect(ev.jobs).toBe(1);
  expect(ev.sharesSubmitted).toBe(2);
  expect(ev.sharesAccepted).toBe(1);
  expect(ev.sharesRejected).toBe(1);
  expect(ev.acceptedWork).toBe(32);
  expect(r.last).toEqual([VERDICT_MINING, VERDICT_MINING]);
}

describe('Stratum v1', () => {
  test('a whole session, one message per call', () => {
    const r = run(BTC);
    checkBtc(r);
    expect(r.ev.notes).toContain('client sent mining.subscribe (agent cpuminer/2.5.1)');
    expect(r.ev.notes).toContain('pool sent mining.notify (new job)');
    expect(r.ev.notes.some((n) => n.includes('Low difficulty share'))).toBe(true);
    // Medium as soon as the miner alone has spoken.
    expect(r.codes[0]).toBe(VERDICT_MINING);
  });

  test('the level is medium after the subscribe alone and high once the pool answers', () => {
    const s = new JsonRpcSession(sigs);
    const one = run(BTC.slice(0, 1), undefined, s);
    expect(one.ev.level).toBe(LEVEL_MEDIUM);
    run(BTC.slice(1, 2), undefined, s, one.ev);
    expect(one.ev.level).toBe(LEVEL_HIGH);
  });

  test('every message split at every byte position gives the same result', () => {
    const longest = Math.max(...BTC.map(([, t]) => Buffer.byteLength(t)));
    for (let k = 1; k < longest; k++) checkBtc(run(BTC, splitAt(k)));
  });

  test('byte-by-byte feeding', () => {
    checkBtc(run(BTC, bytewise));
  });

  test('all lines of a direction in one chunk, CRLF line ends', () => {
    const crlf = (ss: Step[]) => ss.map(([d, t]) => [d, t.replace(/\n/g, '\r\n')] as Step);
    const c = crlf(BTC);
    const joined: Step[] = [
      [0, c[0][1]],
      [1, c[1][1]],
      [0, c[2][1]],
      [1, c[3][1] + c[4][1]],
      [0, c[5][1]],
      [1, c[6][1]],
      [0, c[7][1]],
      [1, c[8][1]],
    ];
    checkBtc(run(joined));
    // Both directions' whole streams at once: answers still find their requests.
    const all0 = c.filter(([d]) => d === 0).map(([, t]) => t).join('');
    const all1 = c.filter(([d]) => d === 1).map(([, t]) => t).join('');
    checkBtc(run([[0, all0], [1, all1]]));
  });

  test('the miner is the side that opened the flow or not: directions follow the messages', () => {
    // The capture saw the pool speak first, so the pool is direction 0.
    const swapped = BTC.map(([d, t]) => [d === 0 ? 1 : 0, t] as Step);
    const r = run([swapped[1], ...swapped.slice(0, 1), ...swapped.slice(2)]);
    expect(r.ev.minerDirection).toBe(1);
    expect(r.ev.sharesAccepted).toBe(1);
  });

  test('mid-stream pickup: starts inside a notify, then pushes and submits identify it', () => {
    const r = run([
      [1, NOTIFY.slice(57)],
      [1, '{"params": [1024], "id": null, "method": "mining.set_difficulty"}\n'],
    ]);
    expect(r.ev.protocol).toBe('stratum-v1');
    expect(r.ev.level).toBe(LEVEL_MEDIUM);
    expect(r.ev.minerDirection).toBe(0);
    expect(r.ev.poolSpoke).toBe(true);
    expect(r.ev.minerSpoke).toBe(false);
    expect(r.last[1]).toBe(VERDICT_MINING);
    run([[0, BTC[5][1].slice(10)], [0, BTC[7][1]], [1, BTC[8][1]]], undefined, r.session, r.ev);
    expect(r.ev.level).toBe(LEVEL_HIGH);
    // The first submit was cut, the second counted and answered with an error.
    expect(r.ev.sharesSubmitted).toBe(1);
    expect(r.ev.sharesRejected).toBe(1);
    expect(r.ev.login).toBe(WALLET);
  });

  test('a gap drops the partial line and resyncs at the next newline', () => {
    const s = new JsonRpcSession(sigs);
    const r = run([[0, BTC[0][1]], [1, BTC[1][1]], [0, '{"params": ["' + WALLET]], undefined, s);
    s.gap(0);
    // The rest of the cut line would make no sense; the next whole line is read.
    run([[0, '.rig1", "bf", "00000001"], "id": 9, "method": "mining.submit"}\n' + BTC[2][1]]], undefined, s, r.ev);
    expect(r.ev.sharesSubmitted).toBe(0);
    expect(r.ev.login).toBe(WALLET);
  });

  test('BIP 310 mining.configure sent before subscribe (ASIC miner)', () => {
    const r = run([
      [0, '{"method": "mining.configure", "id": 1, "params": [["version-rolling"], {"version-rolling.mask": "1fffe000", "version-rolling.min-bit-count": 2}]}\n'],
      [1, '{"error": null, "id": 1, "result": {"version-rolling": true, "version-rolling.mask": "18000000"}}\n'],
      [0, '{"id": 2, "method": "mining.subscribe", "params": ["bmminer/2.0.0"]}\n'],
    ]);
    expect(r.ev.notes[0]).toBe('client sent mining.configure (BIP 310: version-rolling)');
    expect(r.ev.level).toBe(LEVEL_HIGH);
    expect(r.ev.minerSoftware).toBe('cgminer');
  });

  test('NiceHash-signed subscribe is noted', () => {
    const r = run([[0, '{"id":1,"method":"mining.subscribe","params":["NiceHash/1.0.0","1672531200000","7c4a8d09ca3762af61e59520943dc26494f8941b7c4a8d09ca3762af61e59520"]}\n']]);
    expect(r.ev.agent).toBe('NiceHash/1.0.0');
    expect(r.ev.notes[0]).toContain('NiceHash-signed');
  });

  test('Zcash ZIP 301 subscribe names the pool host (EWBF capture shape)', () => {
    const r = run([
      [0, '{"id":1,"method":"mining.subscribe","params":["EWBF 0.3.4b",null,"zec-asia1.nanopool.org","6666"]}\n'],
      [1, '{"id":1,"result":[null,"bbb5010000000000e8d04fec14a31432"],"error":null}\n'],
      [1, '{"id":null,"params":["00028f5c0000000000000000000000000000000000000000000000000000000"],"method":"mining.set_target"}\n'],
      [0, '{"id":2,"method":"mining.authorize","params":["t1d7wj89Zf2xgEKjqCtKjs3xudXUraUsYkc.c2h2lhome/c2h2@me.com","z"]}\n'],
      [1, '{"id":2,"result":true,"error":null}\n'],
    ]);
    expect(r.ev.domain).toBe('zec-asia1.nanopool.org');
    expect(r.ev.coin).toBe('ZEC');
    expect(r.ev.login).toBe('t1d7wj89Zf2xgEKjqCtKjs3xudXUraUsYkc');
    expect(r.ev.worker).toBe('c2h2lhome');
    expect(r.ev.target).toBe('00028f5c0000000000000000000000000000000000000000000000000000000');
    expect(r.ev.level).toBe(LEVEL_HIGH);
    expect(r.ev.minerSoftware).toBe('Equihash miner');
  });

  test('key order and jsonrpc member do not matter; string ids are attributed', () => {
    const r = run([
      [0, '{"jsonrpc":"2.0","params":["ltc1qg82p0pd0y8ll2dtj8vp0kzv4k5r5m3ghp3jcuh.w2","x"],"method":"mining.authorize","id":"a7"}\n'],
      [1, '{"result":true,"jsonrpc":"2.0","id":"a7"}\n'],
    ]);
    expect(r.ev.coin).toBe('LTC');
    expect(r.ev.worker).toBe('w2');
    expect(r.ev.poolSpoke).toBe(true);
    expect(r.ev.level).toBe(LEVEL_HIGH);
  });

  test('an answer travelling the same way as the request is not attributed to it', () => {
    const r = run([
      [0, BTC[5][1]],
      [0, '{"error": null, "id": 4, "result": true}\n'],
    ]);
    expect(r.ev.sharesAccepted).toBe(0);
    expect(r.ev.poolSpoke).toBe(false);
  });

  test('undecided until a whole line arrives', () => {
    const s = new JsonRpcSession(sigs);
    const r = run([[0, '{"id": 1, "method": "mining.sub']], undefined, s);
    expect(r.last[0]).toBe(VERDICT_UNDECIDED);
    expect(r.ev.level).toBe(0);
    expect(run([[0, 'scribe", "params": []}\n']], undefined, s, r.ev).last[0]).toBe(VERDICT_MINING);
  });

  test('HTTP or TLS in a direction is not line JSON', () => {
    expect(run([[0, 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n']]).last[0]).toBe(VERDICT_NOT_THIS);
    const tls = Buffer.from('16030100f4010000f00303', 'hex').toString('latin1');
    const s = new JsonRpcSession(sigs);
    const r = run([], undefined, s);
    expect(s.feed(0, Buffer.from(tls, 'latin1'), 0, tls.length, r.ev)).toBe(VERDICT_NOT_THIS);
    expect(r.ev.level).toBe(0);
  });
});
