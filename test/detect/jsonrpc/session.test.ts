import { Evidence } from '../../../src/detect/evidence';
import { VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED } from '../../../src/detect/classifier';
import { JsonRpcSession } from '../../../src/detect/jsonrpc/session';
import { DEFAULT_MAX_LINE_BYTES } from '../../../src/detect/classifier';
import { LOGIN, WALLET, paddedJson } from '../hostile';
import { line, run, sigs, Step } from './support';

function noEvidence(ev: Evidence): void {
  expect(ev.level).toBe(0);
  expect(ev.protocol).toBeNull();
  expect(ev.notes).toEqual([]);
  expect(ev.minerDirection).toBe(-1);
  expect(ev.login).toBeNull();
}

describe('JsonRpcSession: traffic that is not pool mining', () => {
  test('Electrum wallet talking line JSON-RPC to its server', () => {
    const steps: Step[] = [
      [0, '{"jsonrpc": "2.0", "method": "server.version", "params": ["electrum/4.5.5", "1.4"], "id": 0}\n'],
      [1, '{"jsonrpc": "2.0", "result": ["ElectrumX 1.16.0", "1.4"], "id": 0}\n'],
      [0, '{"jsonrpc": "2.0", "method": "blockchain.headers.subscribe", "params": [], "id": 1}\n'],
      [1, '{"jsonrpc": "2.0", "result": {"hex": "00e0ff3f5b2c", "height": 842000}, "id": 1}\n'],
      [0, '{"jsonrpc": "2.0", "method": "blockchain.scripthash.subscribe", "params": ["8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161"], "id": 2}\n'],
      [1, '{"jsonrpc": "2.0", "result": null, "id": 2}\n'],
      [0, '{"jsonrpc": "2.0", "method": "blockchain.estimatefee", "params": [2], "id": 3}\n'],
      [0, '{"jsonrpc": "2.0", "method": "server.ping", "params": [], "id": 4}\n'],
      [0, '{"jsonrpc": "2.0", "method": "server.ping", "params": [], "id": 5}\n'],
      [0, '{"jsonrpc": "2.0", "method": "server.ping", "params": [], "id": 6}\n'],
      [0, '{"jsonrpc": "2.0", "method": "server.ping", "params": [], "id": 7}\n'],
      [0, '{"jsonrpc": "2.0", "method": "server.ping", "params": [], "id": 8}\n'],
    ];
    const r = run(steps);
    noEvidence(r.ev);
    expect(r.codes).not.toContain(VERDICT_MINING);
    // Eight lines without a mining method: the client side is given up.
    expect(r.last[0]).toBe(VERDICT_NOT_THIS);
    expect(r.last[1]).toBe(VERDICT_UNDECIDED);
  });

  test('bitcoind / monerod style JSON-RPC (getblockchaininfo, get_info) sent as lines', () => {
    const r = run([
      [0, line({ jsonrpc: '1.0', id: 'curltest', method: 'getblockchaininfo', params: [] })],
      [1, line({ result: { chain: 'main', blocks: 842000 }, error: null, id: 'curltest' })],
      [0, line({ jsonrpc: '2.0', id: '0', method: 'get_info' })],
      [1, line({ id: '0', jsonrpc: '2.0', result: { height: 3100000, status: 'OK' } })],
      [0, line({ jsonrpc: '2.0', id: '1', method: 'getbalance', params: { account_index: 0 } })],
    ]);
    noEvidence(r.ev);
  });

  test('a web API streaming JSON lines, mentioning mining methods only inside strings', () => {
    const r = run([
      [1, line({ type: 'article', title: 'How mining.subscribe works', body: 'send {"method":"mining.subscribe"} then login' })],
      [1, line({ type: 'ticker', symbol: 'XMR', price: 160.2, job: { blob: 'nothex', target: 'x' } })],
      [1, line({ id: 3, result: { status: 'OK' } })],
      [1, line({ id: 4, result: [['mining.notify_me', 'x']] })],
    ]);
    noEvidence(r.ev);
    expect(r.last[1]).toBe(VERDICT_UNDECIDED);
  });

  test('the byte budget: 4 KiB of non-mining JSON lines', () => {
    const big = line({ data: 'z'.repeat(1500) });
    const r = run([[1, big], [1, big]]);
    expect(r.last[1]).toBe(VERDICT_UNDECIDED);
    const r2 = run([[1, big + big + big]]);
    expect(r2.last[1]).toBe(VERDICT_NOT_THIS);
    noEvidence(r2.ev);
  });

  test('random text lines (SMTP, IRC) are not JSON-RPC after the first line', () => {
    const smtp = run([[1, '220 mail.example.com ESMTP Postfix\r\n'], [0, 'EHLO client.example.com\r\n'], [1, '250-mail.example.com\r\n']]);
    expect(smtp.last[1]).toBe(VERDICT_NOT_THIS);
    noEvidence(smtp.ev);
    const irc = run([[0, 'NICK miner\r\nUSER miner 0 * :mining.subscribe\r\n']]);
    expect(irc.last[0]).toBe(VERDICT_NOT_THIS);
    noEvidence(irc.ev);
  });

  test('HTTP browsing, even a page about pools, is not line JSON', () => {
    const r = run([
      [0, 'GET /news/best-mining-pool-2024 HTTP/1.1\r\nHost: coinpool-news.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n'],
    ]);
    expect(r.last).toEqual([VERDICT_NOT_THIS, VERDICT_NOT_THIS]);
    noEvidence(r.ev);
  });

  test('binary protocols: TLS, Bitcoin P2P, Monero Levin', () => {
    for (const hex of ['1603010200010001fc0303', 'f9beb4d976657273696f6e0000000000', '0121010101010101']) {
      const s = new JsonRpcSession(sigs);
      const ev = new Evidence();
      const b = Buffer.from(hex, 'hex');
      expect(s.feed(0, b, 0, b.length, ev)).toBe(VERDICT_NOT_THIS);
      // Once given up, later bytes of that direction are not looked at.
      const more = Buffer.from('{"id":1,"method":"mining.subscribe","params":[]}\n');
      expect(s.feed(0, more, 0, more.length, ev)).toBe(VERDICT_NOT_THIS);
      noEvidence(ev);
    }
  });

  test('a line with no newline for over the line cap gives the direction up', () => {
    const s = new JsonRpcSession(sigs);
    const ev = new Evidence();
    const b = Buffer.from('{"a":"' + 'x'.repeat(DEFAULT_MAX_LINE_BYTES));
    expect(s.feed(1, b, 0, b.length, ev)).toBe(VERDICT_NOT_THIS);
    noEvidence(ev);
  });
});

describe('JsonRpcSession: direction handling', () => {
  test('a direction given up is read again, from the next line, once the other shows mining', () => {
    const s = new JsonRpcSession(sigs);
    const r = run([[0, 'garbage line one\nnot json either\n']], undefined, s);
    expect(r.last[0]).toBe(VERDICT_NOT_THIS);
    run([[1, '{"id":null,"method":"mining.notify","params":["1","2","3","4","5","6","7","8",true]}\n']], undefined, s, r.ev);
    expect(r.ev.minerDirection).toBe(0);
    // The engine feeds direction 0 again: the tail of a cut line is skipped, the next submit counted.
    const again = run([[0, 'ms":[]}\n{"id":5,"method":"mining.submit","params":["w","1","2","3","4"]}\n']], undefined, s, r.ev);
    expect(again.last[0]).toBe(VERDICT_MINING);
    expect(r.ev.sharesSubmitted).toBe(1);
  });

  test('a view into a larger buffer: only [start, end) is read', () => {
    const s = new JsonRpcSession(sigs);
    const ev = new Evidence();
    const text = '{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n';
    const b = Buffer.from('{"id":9,"method":"mining.submit","params":[]}\n' + text + '{"id":10,"method":"mining.submit","params":[]}\n');
    const from = b.indexOf(text);
    expect(s.feed(0, b, from, from + text.length, ev)).toBe(VERDICT_MINING);
    expect(ev.sharesSubmitted).toBe(0);
    expect(ev.agent).toBe('cpuminer/2.5.1');
  });
});

describe('JsonRpcSession: the line cap (issue 13)', () => {
  const submit = { id: 2, jsonrpc: '2.0', method: 'submit', params: { id: 's1', job_id: 'j1', nonce: '0a0b0c0d', result: 'ab'.repeat(32) } };
  const next = line({ id: 3, jsonrpc: '2.0', method: 'submit', params: { id: 's1', job_id: 'j1', nonce: '0a0b0c0e', result: 'cd'.repeat(32) } });

  /** After a login, a submit line of `length` bytes whose newline (and the next line) arrive in the segment that crosses `cap`. */
  function crossing(cap: number, length: number, s = new JsonRpcSession(sigs, cap)): { ev: Evidence; codes: number[] } {
    const ev = new Evidence();
    const codes: number[] = [];
    const feed = (b: Buffer): void => {
      codes.push(s.feed(0, b, 0, b.length, ev));
    };
    feed(Buffer.from(line(LOGIN)));
    const text = Buffer.from(paddedJson(submit, length) + '\n' + next);
    const cut = cap - 10;
    feed(text.subarray(0, cut));
    feed(text.subarray(cut));
    return { ev, codes };
  }

  for (const cap of [1024, 16 * 1024, DEFAULT_MAX_LINE_BYTES]) {
    test(`cap ${cap}: a line of cap - 1 or cap bytes is read, one of cap + 1 dropped, and the next line read either way`, () => {
      for (const [length, shares] of [
        [cap - 1, 2],
        [cap, 2],
        [cap + 1, 1],
        [cap + 2, 1],
      ]) {
        const r = crossing(cap, length);
        expect([length, r.ev.sharesSubmitted]).toEqual([length, shares]);
        expect(r.codes).toEqual([VERDICT_MINING, VERDICT_MINING, VERDICT_MINING]);
      }
    });
  }

  test('the default cap is what a session takes without one, and at least 16 KiB', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBeGreaterThanOrEqual(16 * 1024);
    expect(crossing(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES, new JsonRpcSession(sigs)).ev.sharesSubmitted).toBe(2);
    expect(crossing(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_LINE_BYTES + 1, new JsonRpcSession(sigs)).ev.sharesSubmitted).toBe(1);
  });

  test('every split of a line around the cap: never a throw, read exactly when it fits', () => {
    const cap = 600;
    for (let length = cap - 3; length <= cap + 3; length++) {
      const text = Buffer.from(paddedJson(submit, length) + '\n' + next);
      for (let cut = 1; cut < text.length; cut += 7) {
        const s = new JsonRpcSession(sigs, cap);
        const ev = new Evidence();
        const login = Buffer.from(line(LOGIN));
        s.feed(0, login, 0, login.length, ev);
        s.feed(0, text, 0, cut, ev);
        s.feed(0, text, cut, text.length, ev);
        expect([length, cut, ev.sharesSubmitted]).toEqual([length, cut, length <= cap ? 2 : 1]);
      }
    }
  });

  test('a login padded in front of its method is read whole, up to the cap', () => {
    for (const length of [9000, 20000, DEFAULT_MAX_LINE_BYTES]) {
      const r = run([[0, paddedJson(LOGIN, length) + '\n']], (b) => [b.subarray(0, 1460), b.subarray(1460)]);
      expect([length, r.ev.login]).toEqual([length, WALLET]);
      expect(r.last[0]).toBe(VERDICT_MINING);
    }
    const over = run([[0, paddedJson(LOGIN, DEFAULT_MAX_LINE_BYTES + 1) + '\n']]);
    expect(over.ev.login).toBeNull();
    expect(over.last[0]).toBe(VERDICT_NOT_THIS);
  });

  test('open(): while a line that began like JSON, or a run of blank lines, is unfinished and under the cap', () => {
    const s = new JsonRpcSession(sigs, 1000);
    const ev = new Evidence();
    const give = (t: string): number => {
      const b = Buffer.from(t);
      return s.feed(0, b, 0, b.length, ev);
    };
    expect(s.open(0)).toBe(false);
    give('\n\r\n  \n');
    expect(s.open(0)).toBe(true);
    give('   {"pad":"' + 'x'.repeat(900));
    expect(s.open(0)).toBe(true);
    expect(s.open(1)).toBe(false);
    // Blank lines and the open line together count against the cap.
    give('x'.repeat(100));
    expect(s.open(0)).toBe(false);
    const t = new JsonRpcSession(sigs, 1000);
    const b = Buffer.from('hello there, no JSON here');
    t.feed(0, b, 0, b.length, ev);
    expect(t.open(0)).toBe(false);
  });
});
