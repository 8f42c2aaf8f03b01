import { Direction, Evidence, LEVEL_HIGH, LEVEL_MEDIUM } from '../../../../src/detect/evidence';
import { HttpMiningSession } from '../../../../src/detect/protocols/getwork/http-mining';
import { VERDICT_MINING, VERDICT_NOT_THIS } from '../../../../src/detect/classifier';
import { sigs } from '../../jsonrpc/support';

type Step = [Direction, string];

function post(path: string, headers: string[], body: object): string {
  const text = JSON.stringify(body);
  return [`POST ${path} HTTP/1.1`, ...headers, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`, '', text].join('\r\n');
}

function ok(headers: string[], body: object | string): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return ['HTTP/1.1 200 OK', ...headers, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`, '', text].join('\r\n');
}

function chunked(headers: string[], body: string, size: number): string {
  let out = ['HTTP/1.1 200 OK', ...headers, 'Transfer-Encoding: chunked', '', ''].join('\r\n');
  for (let i = 0; i < body.length; i += size) {
    const part = body.slice(i, i + size);
    out += Buffer.byteLength(part).toString(16) + '\r\n' + part + '\r\n';
  }
  return out + '0\r\n\r\n';
}

function run(steps: Step[], cut = 0, s = new HttpMiningSession(sigs), ev = new Evidence()) {
  const last: number[] = [-1, -1];
  for (const [dir, text] of steps) {
    const b = Buffer.from(text, 'latin1');
    const pieces = cut > 0 ? [b.subarray(0, Math.min(cut, b.length)), b.subarray(Math.min(cut, b.length))] : [b];
    for (const p of pieces) if (p.length) last[dir] = s.feed(dir, p, 0, p.length, ev);
  }
  return { ev, last, s };
}

const AUTH = 'Authorization: Basic ' + Buffer.from('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.rig3:x').toString('base64');
const DATA = '00000002' + 'ab'.repeat(62) + '00000000' + '0'.repeat(120);
const TARGET = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000';

const GETWORK: Step[] = [
  [0, post('/', ['Host: btc.example-pool.com:8332', AUTH, 'User-Agent: cgminer/4.10.0', 'X-Mining-Extensions: longpoll midstate rollntime submitold', 'X-Mining-Hashrate: 1200000000'], { method: 'getwork', params: [], id: 0 })],
  [1, ok(['X-Long-Polling: /LP', 'X-Roll-NTime: expire=120', 'X-Stratum: stratum+tcp://btc.example-pool.com:3333'], { result: { midstate: 'aa'.repeat(32), data: DATA, hash1: '00'.repeat(64), target: TARGET }, error: null, id: 0 })],
  [0, post('/', ['Host: btc.example-pool.com:8332', AUTH, 'User-Agent: cgminer/4.10.0', 'X-Mining-Extensions: longpoll midstate rollntime submitold'], { method: 'getwork', params: [DATA], id: 1 })],
  [1, ok([], { result: true, error: null, id: 1 })],
  [0, post('/', ['Host: btc.example-pool.com:8332', AUTH, 'User-Agent: cgminer/4.10.0', 'X-Mining-Extensions: longpoll midstate rollntime submitold'], { method: 'getwork', params: [DATA], id: 2 })],
  [1, ok(['X-Reject-Reason: stale-prevblk'], { result: false, error: null, id: 2 })],
];

describe('HttpMiningSession', () => {
  test('getwork with mining headers, basic-auth login, submit accepted and rejected', () => {
    for (const cut of [0, 1, 7, 40, 200, 333]) {
      const { ev, last } = run(GETWORK, cut);
      expect(ev.protocol).toBe('getwork');
      expect(ev.level).toBe(LEVEL_HIGH);
      expect(ev.minerDirection).toBe(0);
      expect(ev.agent).toBe('cgminer/4.10.0');
      expect(ev.minerSoftware).toBe('cgminer');
      expect(ev.login).toBe('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa');
      expect(ev.worker).toBe('rig3');
      expect(ev.coin).toBe('BTC');
      expect(ev.domain).toBe('btc.example-pool.com');
      expect(ev.jobs).toBe(1);
      expect(ev.sharesSubmitted).toBe(2);
      expect(ev.sharesAccepted).toBe(1);
      expect(ev.sharesRejected).toBe(1);
      expect(ev.notes).toContain('pool rejected a share: stale-prevblk');
      expect(ev.notes[0]).toContain('calls getwork');
      expect(last).toEqual([VERDICT_MINING, VERDICT_MINING]);
    }
  });

  test('getwork flow cut at every byte position', () => {
    const longest = Math.max(...GETWORK.map(([, t]) => t.length));
    for (let cut = 1; cut < longest; cut++) {
      const { ev } = run(GETWORK, cut);
      expect([ev.level, ev.jobs, ev.sharesSubmitted, ev.sharesAccepted, ev.sharesRejected, ev.login]).toEqual([
        LEVEL_HIGH,
        1,
        2,
        1,
        1,
        '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
      ]);
    }
  });

  test('getblocktemplate with capabilities; a chunked template answer', () => {
    const template = JSON.stringify({
      result: { capabilities: ['proposal'], version: 536870912, rules: ['csv', '!segwit', 'taproot'], previousblockhash: '00'.repeat(32), transactions: [], coinbasevalue: 312500000, target: '00'.repeat(32), mintime: 1700000000, noncerange: '00000000ffffffff', curtime: 1700000100, bits: '17034219', height: 842000 },
      error: null,
      id: 0,
    });
    const { ev, last } = run([
      [0, post('/', ['Host: 127.0.0.1:8332', 'User-Agent: bfgminer/5.5.0'], { id: 0, method: 'getblocktemplate', params: [{ capabilities: ['coinbasetxn', 'workid', 'coinbase/append'], rules: ['segwit'] }] })],
      [1, chunked([], template, 100)],
    ]);
    expect(ev.protocol).toBe('getwork');
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.jobs).toBe(1);
    expect(ev.domain).toBeNull(); // an address, not a name
    expect(ev.notes).toContain('getblocktemplate request lists capabilities/rules (BIP 22/23)');
    expect(last).toEqual([VERDICT_MINING, VERDICT_MINING]);
  });

  test('monerod get_block_template: wallet_address is the login', () => {
    const wallet = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';
    const { ev } = run([
      [0, post('/json_rpc', ['Host: node.example.org:18081'], { jsonrpc: '2.0', id: '0', method: 'get_block_template', params: { wallet_address: wallet, reserve_size: 60 } })],
      [1, ok([], { id: '0', jsonrpc: '2.0', result: { blockhashing_blob: '0e0e' + 'ab'.repeat(38), blocktemplate_blob: '0e0e' + 'cd'.repeat(100), difficulty: 395000000000, height: 3100000, reserved_offset: 130, status: 'OK', untrusted: false } })],
      [0, post('/json_rpc', ['Host: node.example.org:18081'], { jsonrpc: '2.0', id: '0', method: 'submit_block', params: ['0e0e' + 'ef'.repeat(100)] })],
      [1, ok([], { id: '0', jsonrpc: '2.0', result: { status: 'OK', untrusted: false } })],
    ]);
    expect(ev.protocol).toBe('getwork');
    expect(ev.login).toBe(wallet);
    expect(ev.coin).toBe('XMR');
    expect(ev.difficulty).toBe(395000000000);
    expect(ev.sharesSubmitted).toBe(1);
    expect(ev.sharesAccepted).toBe(1);
    expect(ev.acceptedWork).toBe(395000000000);
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.notes[0]).toContain('get_block_template');
  });

  test('mid-stream pickup inside a body resyncs at the next start line', () => {
    const tail = GETWORK[0][1].slice(-30) + GETWORK[2][1];
    const { ev, last } = run([[0, tail]]);
    expect(ev.level).toBe(LEVEL_MEDIUM);
    expect(ev.sharesSubmitted).toBe(1);
    expect(last[0]).toBe(VERDICT_MINING);
  });

  test('plain browsing: no evidence, VERDICT_NOT_THIS both ways', () => {
    const { ev, last } = run([
      [0, 'GET /markets/coin-pool-news HTTP/1.1\r\nHost: news.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: text/html\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 40\r\n\r\n<html><body>mining.subscribe</body></ht'],
    ]);
    expect(ev.level).toBe(0);
    expect(ev.notes).toEqual([]);
    expect(last).toEqual([VERDICT_NOT_THIS, VERDICT_NOT_THIS]);
    // A chunked HTML page is judged by its head too.
    const html = run([[1, 'HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n<html\r\n']]);
    expect(html.last[1]).toBe(VERDICT_NOT_THIS);
    expect(html.ev.level).toBe(0);
  });

  test('node JSON-RPC that is not mining (getblock has previousblockhash too)', () => {
    const steps: Step[] = [];
    for (let i = 0; i < 3; i++) {
      steps.push([0, post('/', ['Host: 127.0.0.1:8332', 'Authorization: Basic dXNlcjpwYXNz'], { jsonrpc: '1.0', id: i, method: 'getblock', params: ['00'.repeat(32)] })]);
      steps.push([1, ok([], { result: { hash: '00'.repeat(32), confirmations: 3, height: 842000, previousblockhash: '11'.repeat(32) }, error: null, id: i })]);
    }
    const { ev, last } = run(steps);
    expect(ev.level).toBe(0);
    expect(ev.login).toBeNull();
    expect(last).toEqual([VERDICT_NOT_THIS, VERDICT_NOT_THIS]);
  });

  test('not HTTP at all: binary start is given up at once', () => {
    const s = new HttpMiningSession(sigs);
    const ev = new Evidence();
    const b = Buffer.from('1603010200010001fc0303', 'hex');
    expect(s.feed(0, b, 0, b.length, ev)).toBe(VERDICT_NOT_THIS);
    expect(ev.level).toBe(0);
  });
});
