/**
 * Issue 13's evasions and the crash at the line cap, through the whole
 * analyzer: a login or a pool Host hidden behind padding is found up to the
 * configured line cap (maxLineBytes), and ordinary flows are still ruled out
 * at the inspect budget.
 */
import { DEFAULT_MAX_LINE_BYTES } from '../../src/detect/engine';
import { Conversation } from '../support/craft';
import { clientHello } from '../support/craft-protocols';
import { AGENT, LOGIN, WALLET, analyze, paddedHead, paddedJson } from './hostile';

let port = 40000;
/** A connection to a port no signature knows, so only content can flag it. */
function conn(): Conversation {
  port++;
  return new Conversation({ client: '10.13.0.5', server: '203.0.113.9', clientPort: port, serverPort: 7777 }).handshake();
}

const JOB = `{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"s1","job":{"blob":"${'0'.repeat(152)}","job_id":"j1","target":"b88d0600","algo":"rx/0"},"status":"OK"}}\n`;
const submit = (id: number) => ({ id, jsonrpc: '2.0', method: 'submit', params: { id: 's1', job_id: 'j1', nonce: '0a0b0c0d', result: 'ab'.repeat(32) } });

describe('a long line after a login (the RangeError at 16 KiB)', () => {
  test('a submit line of 16 KiB +- 2 whose newline is in the segment crossing 16 KiB is read, nothing thrown', () => {
    for (const length of [16382, 16383, 16384, 16385, 16386]) {
      const c = conn().client(JSON.stringify(LOGIN) + '\n').server(JOB);
      // 1460-byte segments: the 12th (bytes 16060..17520 of the line) crosses 16 KiB and carries the newline.
      c.client(paddedJson(submit(2), length) + '\n' + JSON.stringify(submit(3)) + '\n');
      const f = analyze([c]);
      expect([length, f.length, f[0].sharesSubmitted]).toEqual([length, 1, 2]);
    }
  });

  test('at a configured cap of 16 KiB: a line of 16384 bytes is read, 16385 dropped, the next line read either way', () => {
    for (const [length, shares] of [
      [16384, 2],
      [16385, 1],
    ]) {
      const c = conn().client(JSON.stringify(LOGIN) + '\n').server(JOB);
      c.client(paddedJson(submit(2), length) + '\n' + JSON.stringify(submit(3)) + '\n');
      const f = analyze([c], { maxLineBytes: 16384 });
      expect([length, f[0].sharesSubmitted]).toEqual([length, shares]);
    }
  });
});

describe('a login behind padding', () => {
  test('padded past the inspect budget and past 16 KiB, on a port no list knows: found up to the cap', () => {
    for (const length of [8193, 12000, 16385, 40000, DEFAULT_MAX_LINE_BYTES]) {
      const f = analyze([conn().client(paddedJson(LOGIN, length) + '\n')]);
      expect([length, f.length]).toEqual([length, 1]);
      expect(f[0].login).toBe(WALLET);
      expect(f[0].agent).toBe(AGENT);
      expect(f[0].protocol).toBe('cryptonote');
    }
  });

  test('leading blank lines and whitespace, 20 KB of them, then the login', () => {
    const pad = '\r\n \n\t\n'.repeat(4000);
    const f = analyze([conn().client(pad + '   ' + JSON.stringify(LOGIN) + '\n')]);
    expect(f).toHaveLength(1);
    expect(f[0].login).toBe(WALLET);
    const inLine = analyze([conn().client(' '.repeat(20000) + JSON.stringify(LOGIN) + '\n')]);
    expect(inLine.map((x) => x.login)).toEqual([WALLET]);
  });

  test('past the cap the line is dropped: not found at the default, found with a larger --max-line-bytes', () => {
    const text = paddedJson(LOGIN, DEFAULT_MAX_LINE_BYTES + 1) + '\n';
    expect(analyze([conn().client(text)])).toHaveLength(0);
    expect(analyze([conn().client(text)], { maxLineBytes: 256 * 1024 }).map((x) => x.login)).toEqual([WALLET]);
  });

  test('with a smaller cap, a login padded past the inspect budget but within the cap is still found', () => {
    expect(analyze([conn().client(paddedJson(LOGIN, 12000) + '\n')], { maxLineBytes: 12000 })).toHaveLength(1);
    expect(analyze([conn().client(paddedJson(LOGIN, 12001) + '\n')], { maxLineBytes: 12000 })).toHaveLength(0);
  });
});

describe('a pool Host behind a long request head', () => {
  const web = (): Conversation => {
    port++;
    return new Conversation({ client: '10.13.0.6', server: '198.51.100.80', clientPort: port, serverPort: 80 }).handshake();
  };

  test('heads of 8 KiB to the cap with the Host last: found', () => {
    for (const length of [9000, 16385, 30000, DEFAULT_MAX_LINE_BYTES]) {
      const f = analyze([web().client(paddedHead('xmr-eu1.nanopool.org', length))]);
      expect([length, f.length]).toEqual([length, 1]);
      expect(f[0].domain).toBe('xmr-eu1.nanopool.org');
      expect(f[0].poolName).toBe('Nanopool');
    }
    expect(analyze([web().client(paddedHead('xmr-eu1.nanopool.org', DEFAULT_MAX_LINE_BYTES + 1))])).toHaveLength(0);
  });

  test('a head dripped a byte at a time is found, and in time linear in its size', () => {
    const head = paddedHead('xmr-eu1.nanopool.org', 30000);
    const t0 = process.hrtime.bigint();
    const f = analyze([web().client(head, 1)]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(f.map((x) => x.domain)).toEqual(['xmr-eu1.nanopool.org']);
    // Parsing the head again for each byte would be 30 000 parses of up to 30 KB (about 450 M byte reads).
    expect(ms).toBeLessThan(20000);
  });

  test('Host after 100 other headers: found', () => {
    let head = 'GET / HTTP/1.1\r\n';
    for (let i = 0; i < 100; i++) head += `X-H${i}: ${i}\r\n`;
    head += 'Host: xmr-eu1.nanopool.org\r\n\r\n';
    expect(analyze([web().client(head)]).map((x) => x.domain)).toEqual(['xmr-eu1.nanopool.org']);
  });
});

describe('ordinary flows are ruled out at the budget as before', () => {
  test('JSON lines that are not mining, and text, past 8 KiB: nothing, and no line kept open', () => {
    const rpc = conn();
    for (let i = 0; i < 40; i++) rpc.client(JSON.stringify({ id: i, jsonrpc: '2.0', method: 'getbalance', params: ['x'.repeat(300)] }) + '\n');
    const text = conn().client('{' + 'lorem ipsum '.repeat(5000));
    expect(analyze([rpc, text])).toHaveLength(0);
  });
});

describe('flows read past the budget at once are bounded', () => {
  test('with every place taken, one more open line is decided at the budget; a freed place serves the next flow', () => {
    // 4 MiB lines: OVERTIME_BYTES / (2 * 4 MiB) = 16 places, the least there are.
    const options = { maxLineBytes: 4 * 1024 * 1024 };
    const text = paddedJson(LOGIN, 20000) + '\n';
    const flows: Conversation[] = [];
    for (let i = 0; i < 17; i++) flows.push(conn().client(text.slice(0, 10000)));
    for (const c of flows) c.client(text.slice(10000));
    // Interleave: every flow's first half (past the 8 KiB budget, line open), then every second half.
    const firstHalves = flows.map((c) => ({ frames: c.frames.slice(0, -7) }));
    const rest = flows.map((c) => ({ frames: c.frames.slice(-7) }));
    expect(flows[0].frames).toHaveLength(3 + 7 + 7);
    const mixed = [...firstHalves, ...rest];
    // One finding per (host, pool, port): its flows are the connections that showed the login.
    const flowsFound = (f: ReturnType<typeof analyze>): number => f.reduce((n, x) => n + x.flows, 0);
    expect(flowsFound(analyze(mixed, options))).toBe(16);
    // Those 16 were decided (found), so their places are free again for flows that come later.
    const later = conn().client(text);
    expect(flowsFound(analyze([...mixed, later], options))).toBe(17);
  });
});

describe('a pool SNI in a ClientHello padded past the inspect budget', () => {
  const tls = (): Conversation => {
    port++;
    return new Conversation({ client: '10.13.0.7', server: '198.51.100.90', clientPort: port, serverPort: 443 }).handshake();
  };

  test('one record of up to 16 KiB, sent in 1460-byte segments or a byte at a time: found', () => {
    for (const padTo of [9000, 16000]) {
      for (const mss of [1460, 1]) {
        const f = analyze([tls().client(clientHello({ sni: 'xmr-eu1.nanopool.org', padTo }), mss)]);
        expect([padTo, mss, f.map((x) => x.domain)]).toEqual([padTo, mss, ['xmr-eu1.nanopool.org']]);
      }
    }
  });

  test('an ordinary padded hello gives nothing', () => {
    expect(analyze([tls().client(clientHello({ sni: 'www.example.com', padTo: 12000 }))])).toHaveLength(0);
  });
});
