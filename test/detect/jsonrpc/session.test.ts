import { Evidence } from '../../../src/detect/evidence';
import { JsonRpcSession, MINING, NOT_JSONRPC, UNDECIDED } from '../../../src/detect/jsonrpc/session';
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
    expect(r.codes).not.toContain(MINING);
    // Eight lines without a mining method: the client side is given up.
    expect(r.last[0]).toBe(NOT_JSONRPC);
    expect(r.last[1]).toBe(UNDECIDED);
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
    expect(r.last[1]).toBe(UNDECIDED);
  });

  test('the byte budget: 4 KiB of non-mining JSON lines', () => {
    const big = line({ data: 'z'.repeat(1500) });
    const r = run([[1, big], [1, big]]);
    expect(r.last[1]).toBe(UNDECIDED);
    const r2 = run([[1, big + big + big]]);
    expect(r2.last[1]).toBe(NOT_JSONRPC);
    noEvidence(r2.ev);
  });

  test('random text lines (SMTP, IRC) are not JSON-RPC after the first line', () => {
    const smtp = run([[1, '220 mail.example.com ESMTP Postfix\r\n'], [0, 'EHLO client.example.com\r\n'], [1, '250-mail.example.com\r\n']]);
    expect(smtp.last[1]).toBe(NOT_JSONRPC);
    noEvidence(smtp.ev);
    const irc = run([[0, 'NICK miner\r\nUSER miner 0 * :mining.subscribe\r\n']]);
    expect(irc.last[0]).toBe(NOT_JSONRPC);
    noEvidence(irc.ev);
  });

  test('HTTP browsing, even a page about pools, is not line JSON', () => {
    const r = run([
      [0, 'GET /news/best-mining-pool-2024 HTTP/1.1\r\nHost: coinpool-news.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n'],
      [1, 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n'],
    ]);
    expect(r.last).toEqual([NOT_JSONRPC, NOT_JSONRPC]);
    noEvidence(r.ev);
  });

  test('binary protocols: TLS, Bitcoin P2P, Monero Levin', () => {
    for (const hex of ['1603010200010001fc0303', 'f9beb4d976657273696f6e0000000000', '0121010101010101']) {
      const s = new JsonRpcSession(sigs);
      const ev = new Evidence();
      const b = Buffer.from(hex, 'hex');
      expect(s.feed(0, b, 0, b.length, ev)).toBe(NOT_JSONRPC);
      // Once given up, later bytes of that direction are not looked at.
      const more = Buffer.from('{"id":1,"method":"mining.subscribe","params":[]}\n');
      expect(s.feed(0, more, 0, more.length, ev)).toBe(NOT_JSONRPC);
      noEvidence(ev);
    }
  });

  test('a line with no newline for over 16 KiB gives the direction up', () => {
    const s = new JsonRpcSession(sigs);
    const ev = new Evidence();
    const b = Buffer.from('{"a":"' + 'x'.repeat(17000));
    expect(s.feed(1, b, 0, b.length, ev)).toBe(NOT_JSONRPC);
    noEvidence(ev);
  });
});

describe('JsonRpcSession: direction handling', () => {
  test('a direction given up is read again, from the next line, once the other shows mining', () => {
    const s = new JsonRpcSession(sigs);
    const r = run([[0, 'garbage line one\nnot json either\n']], undefined, s);
    expect(r.last[0]).toBe(NOT_JSONRPC);
    run([[1, '{"id":null,"method":"mining.notify","params":["1","2","3","4","5","6","7","8",true]}\n']], undefined, s, r.ev);
    expect(r.ev.minerDirection).toBe(0);
    // The engine feeds direction 0 again: the tail of a cut line is skipped, the next submit counted.
    const again = run([[0, 'ms":[]}\n{"id":5,"method":"mining.submit","params":["w","1","2","3","4"]}\n']], undefined, s, r.ev);
    expect(again.last[0]).toBe(MINING);
    expect(r.ev.sharesSubmitted).toBe(1);
  });

  test('a view into a larger buffer: only [start, end) is read', () => {
    const s = new JsonRpcSession(sigs);
    const ev = new Evidence();
    const text = '{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}\n';
    const b = Buffer.from('{"id":9,"method":"mining.submit","params":[]}\n' + text + '{"id":10,"method":"mining.submit","params":[]}\n');
    const from = b.indexOf(text);
    expect(s.feed(0, b, from, from + text.length, ev)).toBe(MINING);
    expect(ev.sharesSubmitted).toBe(0);
    expect(ev.agent).toBe('cpuminer/2.5.1');
  });
});
