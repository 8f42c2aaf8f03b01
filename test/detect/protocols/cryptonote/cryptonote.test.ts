import { LEVEL_HIGH, LEVEL_MEDIUM } from '../../../../src/detect/evidence';
import { targetDifficulty } from '../../../../src/detect/protocols/cryptonote/cryptonote';
import { VERDICT_MINING, VERDICT_NOT_THIS } from '../../../../src/detect/classifier';
import { JsonRpcSession } from '../../../../src/detect/jsonrpc/session';
import { loadSignatures } from '../../../../src/detect/signatures';
import { bytewise, line, run, sigs, splitAt, Step } from '../../jsonrpc/support';

// XMRig 6.16.0 against a Monero pool; fields and order as XMRig's Client sends them.
const WALLET = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
const AGENT = 'XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0';
const SESSION = '8f93e9f1-6d2b-4d22-b0c9-d8d8a4a1d2f0';
const BLOB =
  '0e0ec3d8d59306a4e5fb4a1fd8a5b4f3a60de2d3b8b0f6d8e3b75c3fa3e8f44dcc6a2b85ab79d900000000' +
  '4d5c8d0d2c2e1c6a1c14f7e2bbd7a8f9b7fa44b1dcb73a6e5e4f76b7b3c3b0ea01';
const SEED = 'c4f8a2c3bf4b0b4db0a2b1fd7d3bd8e1a3a1f6c0c7d9d1e7a2b5c6d7e8f90a1b';
const RESULT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d700000';

const login = {
  id: 1,
  jsonrpc: '2.0',
  method: 'login',
  params: { login: WALLET, pass: 'x', agent: AGENT, rigid: 'rig01', algo: ['cn/r', 'cn-pico', 'rx/0', 'rx/wow', 'argon2/chukwav2', 'ghostrider'] },
};
const job1 = { blob: BLOB, job_id: 'Zdnn2Rw5rT7LwKXt1Kyw0UKmSAdl', target: 'b88d0600', algo: 'rx/0', height: 2495183, seed_hash: SEED };
const reply = { id: 1, jsonrpc: '2.0', error: null, result: { id: SESSION, job: job1, extensions: ['algo', 'nicehash', 'connect', 'tls', 'keepalive'], status: 'OK' } };
const push = { jsonrpc: '2.0', method: 'job', params: { ...job1, job_id: 'IbPo9XhgXJr8ywzLV3MHSgEUlR9R', target: 'f3220000' } };
const submit = (id: number, nonce: string) => ({
  id,
  jsonrpc: '2.0',
  method: 'submit',
  params: { id: SESSION, job_id: 'IbPo9XhgXJr8ywzLV3MHSgEUlR9R', nonce, result: RESULT, algo: 'rx/0' },
});

const XMR: Step[] = [
  [0, line(login)],
  [1, line(reply)],
  [1, line(push)],
  [0, line(submit(2, '8a010000'))],
  [1, line({ id: 2, jsonrpc: '2.0', error: null, result: { status: 'OK' } })],
  [0, line(submit(3, 'c2030000'))],
  [1, line({ id: 3, jsonrpc: '2.0', error: { code: -1, message: 'Low difficulty share' } })],
  [0, line({ id: 4, jsonrpc: '2.0', method: 'keepalived', params: { id: SESSION } })],
  [1, line({ id: 4, jsonrpc: '2.0', error: null, result: { status: 'KEEPALIVED' } })],
];

const DIFF2 = Math.floor(0xffffffff / 0x000022f3);

function checkXmr(r: ReturnType<typeof run>): void {
  const ev = r.ev;
  expect(ev.protocol).toBe('cryptonote');
  expect(ev.level).toBe(LEVEL_HIGH);
  expect(ev.minerDirection).toBe(0);
  expect(ev.login).toBe(WALLET);
  expect(ev.coin).toBe('XMR');
  expect(ev.worker).toBe('rig01');
  expect(ev.agent).toBe(AGENT);
  expect(ev.minerSoftware).toBe('XMRig');
  expect(ev.algorithms).toEqual(['cn/r', 'cn-pico', 'rx/0', 'rx/wow', 'argon2/chukwav2', 'ghostrider']);
  expect(ev.jobs).toBe(2);
  expect(ev.difficulty).toBe(DIFF2);
  expect(ev.target).toBe('f3220000');
  expect(ev.sharesSubmitted).toBe(2);
  expect(ev.sharesAccepted).toBe(1);
  expect(ev.sharesRejected).toBe(1);
  expect(ev.acceptedWork).toBe(DIFF2);
  expect(r.last).toEqual([VERDICT_MINING, VERDICT_MINING]);
}

describe('CryptoNote (XMRig)', () => {
  test('whole session', () => {
    const r = run(XMR);
    checkXmr(r);
    expect(r.ev.notes[0]).toBe(`client sent login (agent ${AGENT})`);
    expect(r.ev.notes).toContain('pool answered login with a job');
  });

  test('split at every byte position', () => {
    const longest = Math.max(...XMR.map(([, t]) => t.length));
    for (let k = 1; k < longest; k += 1) checkXmr(run(XMR, splitAt(k)));
  });

  test('byte by byte, and all of each direction in one chunk with CRLF', () => {
    checkXmr(run(XMR, bytewise));
    const d0 = XMR.filter(([d]) => d === 0).map(([, t]) => t.replace('\n', '\r\n')).join('');
    const d1 = XMR.filter(([d]) => d === 1).map(([, t]) => t.replace('\n', '\r\n')).join('');
    checkXmr(run([[0, d0], [1, d1]]));
  });

  test('target difficulty: 4-byte and 8-byte little-endian targets', () => {
    // b88d0600 is 0x00068db8 read little-endian.
    expect(targetDifficulty('b88d0600')).toBe(Math.floor(0xffffffff / 0x00068db8));
    expect(targetDifficulty('ffffffff')).toBe(1);
    // 8-byte: 2^64 / t with t = 0x0000000100000000 -> 2^32.
    expect(targetDifficulty('0000000001000000')).toBe(2 ** 32);
    expect(targetDifficulty('00000000')).toBeNull();
  });

  test('mid-stream: a pushed job alone is medium with the miner on the far side', () => {
    const r = run([[1, line(push).slice(30) + line(push)]]);
    expect(r.ev.protocol).toBe('cryptonote');
    expect(r.ev.level).toBe(LEVEL_MEDIUM);
    expect(r.ev.minerDirection).toBe(0);
    expect(r.ev.jobs).toBe(1);
    expect(r.last[1]).toBe(VERDICT_MINING);
  });

  test('mid-stream: submits alone identify the miner; a login reply seen without its login too', () => {
    const r = run([[1, line(submit(7, '00112233'))]]);
    expect(r.ev.minerDirection).toBe(1);
    expect(r.ev.level).toBe(LEVEL_MEDIUM);
    const o = run([[0, line({ ...reply, id: 99 })]]);
    expect(o.ev.poolSpoke).toBe(true);
    expect(o.ev.minerDirection).toBe(1);
    expect(o.ev.difficulty).toBe(Math.floor(0xffffffff / 0x00068db8));
  });

  test('base64-wrapped lines (XMRig fork) are read and noted', () => {
    const wrap = (s: string) => Buffer.from(s.trimEnd()).toString('base64') + '\n';
    const r = run(XMR.map(([d, t]) => [d, wrap(t)] as Step));
    checkXmr(r);
    expect(r.ev.notes.some((n) => n.includes('base64'))).toBe(true);
  });

  test('a login without agent, algo or rigid is not enough', () => {
    const r = run([[0, line({ id: 1, method: 'login', params: { login: 'alice', pass: 'hunter2' } })]]);
    expect(r.ev.level).toBe(0);
    expect(r.ev.protocol).toBeNull();
  });

  test('an over-long line is dropped and the stream resyncs', () => {
    const s = new JsonRpcSession(sigs);
    const r = run([[0, line(login)], [0, '{"x":"' + 'a'.repeat(20000) + '"}\n' + line(submit(2, '8a010000'))]], undefined, s);
    expect(r.ev.sharesSubmitted).toBe(1);
  });
});

describe('not CryptoNote', () => {
  test('generic JSON-RPC with login-like words never gives evidence', () => {
    const lines: Step[] = [
      [0, line({ id: 1, jsonrpc: '2.0', method: 'status', params: [] })],
      [1, line({ id: 1, jsonrpc: '2.0', result: { status: 'OK', uptime: 20 } })],
      [0, line({ id: 2, jsonrpc: '2.0', method: 'submit', params: { form: 'contact', text: 'hello' } })],
      [1, line({ id: 2, jsonrpc: '2.0', result: true })],
      [1, line({ jsonrpc: '2.0', method: 'job', params: { name: 'backup', state: 'running' } })],
    ];
    const r = run(lines);
    expect(r.ev.level).toBe(0);
    expect(r.ev.notes).toEqual([]);
    expect(r.codes.every((c) => c !== VERDICT_MINING)).toBe(true);
    const more = run(Array.from({ length: 8 }, (_, i) => [0, line({ id: i, method: 'keepalive', params: null })] as Step));
    expect(more.last[0]).toBe(VERDICT_NOT_THIS);
    expect(more.ev.level).toBe(0);
  });
});

describe('with the shipped signature data', () => {
  test('the XMRig agent is named through loadSignatures', () => {
    const r = run(XMR.slice(0, 2), undefined, new JsonRpcSession(loadSignatures()));
    expect(r.ev.minerSoftware).toBe('XMRig');
    expect(r.ev.level).toBe(LEVEL_HIGH);
  });
});
