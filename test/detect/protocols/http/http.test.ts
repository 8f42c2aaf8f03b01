import { MAX_HEAD, NEED_MORE, NOT_HTTP, authorityHost, parseHttpRequestHead, parseHttpResponseHead } from '../../../../src/detect/protocols/http/http';
import { mutations, parseEmbedded, sameResult } from '../../../support/craft-protocols';

/* Real requests captured on loopback from curl 7.88.1: a GET with an explicit Host, and a CONNECT through a proxy (-x --proxytunnel). */
const CURL_GET = Buffer.from('474554202f6170692f737461747320485454502f312e310d0a486f73743a20786d722e506f6f6c2e4578616d706c653a383038300d0a557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a', 'hex');
const CURL_CONNECT = Buffer.from('434f4e4e45435420786d722d6575312e6e616e6f706f6f6c2e6f72673a313434333320485454502f312e310d0a486f73743a20786d722d6575312e6e616e6f706f6f6c2e6f72673a31343433330d0a557365722d4167656e743a206375726c2f372e38382e310d0a50726f78792d436f6e6e656374696f6e3a204b6565702d416c6976650d0a0d0a', 'hex');

const req = (b: Buffer | string) => {
  const x = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  return parseHttpRequestHead(x, 0, x.length);
};
const res = (b: Buffer | string) => {
  const x = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  return parseHttpResponseHead(x, 0, x.length);
};
type Req = Exclude<ReturnType<typeof req>, number>;

describe('parseHttpRequestHead', () => {
  it('reads a real curl GET: method, target, host without port, user agent, headers', () => {
    const r = req(CURL_GET) as Req;
    expect(r.method).toBe('GET');
    expect(r.target).toBe('/api/stats');
    expect(r.host).toBe('xmr.pool.example');
    expect(r.userAgent).toBe('curl/7.88.1');
    expect([...r.headers.entries()]).toEqual([
      ['host', 'xmr.Pool.Example:8080'],
      ['user-agent', 'curl/7.88.1'],
      ['accept', '*/*'],
    ]);
    expect(r.headerEnd).toBe(CURL_GET.length);
  });

  it('reads a real curl CONNECT: target host:port, host from it', () => {
    const r = req(CURL_CONNECT) as Req;
    expect(r.method).toBe('CONNECT');
    expect(r.target).toBe('xmr-eu1.nanopool.org:14433');
    expect(r.host).toBe('xmr-eu1.nanopool.org');
    expect(r.headers.get('proxy-connection')).toBe('Keep-Alive');
  });

  it('takes the host from a CONNECT target even when the Host header differs', () => {
    const r = req('CONNECT pool.example:3333 HTTP/1.1\r\nHost: innocent.example\r\n\r\n') as Req;
    expect(r.target).toBe('pool.example:3333');
    expect(r.host).toBe('pool.example');
    const v6 = req('CONNECT [2001:db8::5]:3333 HTTP/1.1\r\n\r\n') as Req;
    expect(v6.host).toBe('2001:db8::5');
  });

  it('takes the host from an absolute-form target (a request to a forward proxy)', () => {
    const text = 'POST http://user@Solo.Pool.Example:8332/ HTTP/1.0\r\nHost: other\r\nX-Mining-Extensions: longpoll midstate\r\nContent-Length: 2\r\n\r\n{}';
    const r = req(text) as Req;
    expect(r.host).toBe('solo.pool.example');
    expect(r.headers.get('x-mining-extensions')).toBe('longpoll midstate');
    expect(r.headerEnd).toBe(text.length - 2);
  });

  it('says NEED_MORE for every prefix of a real request (head split across segments)', () => {
    for (const b of [CURL_GET, CURL_CONNECT]) {
      for (let k = 0; k < b.length; k++) {
        if (parseHttpRequestHead(b, 0, k) !== NEED_MORE) throw new Error(`prefix ${k}`);
      }
    }
  });

  it('reports where the body starts and ignores it', () => {
    const head = 'POST / HTTP/1.1\r\nHost: 10.0.0.5:8332\r\nContent-Type: application/json\r\n\r\n';
    const r = req(head + '{"method":"getwork","params":[],"id":1}\x00\xff') as Req;
    expect(r.headerEnd).toBe(head.length);
    expect(r.host).toBe('10.0.0.5');
  });

  it('tolerates bare LF line ends, header whitespace, folding and repeats', () => {
    const r = req('GET / HTTP/1.1\nHost:   a.example  \nX-A: 1\n\tcontinued\nX-A: 2\nHost: b.example\n\n') as Req;
    expect(r.host).toBe('a.example');
    expect(r.headers.get('x-a')).toBe('1 continued, 2');
    expect(r.headers.get('host')).toBe('a.example, b.example');
  });

  it('keeps at most MAX_HEADERS distinct headers but still finds the end, and Host and User-Agent after them', () => {
    let h = 'GET / HTTP/1.1\r\n';
    for (let i = 0; i < 100; i++) h += `X-H${i}: ${i}\r\n`;
    h += 'X-Late: dropped\r\nUser-Agent: late\r\nHost: Pool.Example:3333\r\n\r\n';
    const r = req(h) as Req;
    expect(r.headers.size).toBe(66);
    expect(r.headers.has('x-late')).toBe(false);
    expect(r.userAgent).toBe('late');
    expect(r.host).toBe('pool.example');
    expect(r.headerEnd).toBe(h.length);
  });

  it('takes a larger cap when asked: a head past MAX_HEAD is read whole up to it', () => {
    const big = 'GET / HTTP/1.1\r\nX-Big: ' + 'a'.repeat(MAX_HEAD) + '\r\nHost: pool.example\r\n\r\n';
    expect((parseHttpRequestHead(Buffer.from(big), 0, big.length, big.length) as Req).host).toBe('pool.example');
    expect(parseHttpRequestHead(Buffer.from(big), 0, big.length, big.length - 1)).toBe(NOT_HTTP);
    expect(parseHttpRequestHead(Buffer.from(big), 0, big.length - 2, big.length)).toBe(NEED_MORE);
  });

  it('gives NOT_HTTP for a head larger than MAX_HEAD, NEED_MORE below it', () => {
    const big = 'GET / HTTP/1.1\r\nX-Big: ' + 'a'.repeat(MAX_HEAD) + '\r\n\r\n';
    expect(req(big)).toBe(NOT_HTTP);
    expect(req(big.slice(0, MAX_HEAD - 10))).toBe(NEED_MORE);
  });

  it('rejects binary and non-HTTP streams early', () => {
    expect(req('{"id":1,"method":"mining.subscribe"}\n')).toBe(NOT_HTTP);
    expect(req('{')).toBe(NOT_HTTP);
    expect(req(Buffer.from([0x16, 3, 1, 2, 0]))).toBe(NOT_HTTP);
    expect(req('get / HTTP/1.1\r\n\r\n')).toBe(NOT_HTTP);
    expect(req('GET')).toBe(NEED_MORE);
    expect(req('GET\r\n')).toBe(NOT_HTTP);
    expect(req('GET /\x00 HTTP/1.1')).toBe(NOT_HTTP);
    expect(req('GET / HTTP/1.1')).toBe(NEED_MORE);
    expect(req('GET / SIP/2.0\r\n\r\n')).toBe(NOT_HTTP);
    expect(req('GET /  HTTP/1.1\r\n\r\n')).toBe(NOT_HTTP);
    expect(req('GET / HTTP/1.1\r\nBad Header\r\n\r\n')).toBe(NOT_HTTP);
    expect(req('GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n')).toBe(NOT_HTTP);
    expect(req('ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n')).toBe(NOT_HTTP);
    expect(req('')).toBe(NEED_MORE);
  });

  it('parses only inside [start, end)', () => {
    const b = Buffer.concat([Buffer.from('xx'), CURL_GET, Buffer.from('GET')]);
    const r = parseHttpRequestHead(b, 2, 2 + CURL_GET.length) as Req;
    expect(r.host).toBe('xmr.pool.example');
    expect(r.headerEnd).toBe(2 + CURL_GET.length);
    expect(parseHttpRequestHead(b, 2, 2 + CURL_GET.length - 1)).toBe(NEED_MORE);
  });
});

describe('parseHttpResponseHead', () => {
  it('reads a getwork pool reply head', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Long-Polling: /LP\r\nX-Stratum: stratum+tcp://pool.example:3333\r\n\r\n';
    const r = res(head + '{"result":') as Exclude<ReturnType<typeof res>, number>;
    expect(r.version).toBe('HTTP/1.1');
    expect(r.status).toBe(200);
    expect(r.reason).toBe('OK');
    expect(r.headers.get('x-stratum')).toBe('stratum+tcp://pool.example:3333');
    expect(r.headers.get('x-long-polling')).toBe('/LP');
    expect(r.headerEnd).toBe(head.length);
  });

  it('reads a status line without a reason and a proxy answer to CONNECT', () => {
    expect((res('HTTP/1.1 204\r\n\r\n') as { status: number }).status).toBe(204);
    const r = res('HTTP/1.0 200 Connection established\r\n\r\n') as { reason: string; headers: Map<string, string> };
    expect(r.reason).toBe('Connection established');
    expect(r.headers.size).toBe(0);
  });

  it('says NEED_MORE for prefixes and NOT_HTTP for other streams', () => {
    const h = 'HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n';
    for (let k = 0; k < h.length; k++) expect(res(h.slice(0, k))).toBe(NEED_MORE);
    expect(res('HTTX/1.1 200 OK\r\n\r\n')).toBe(NOT_HTTP);
    expect(res('HTTP/1.1 20 OK\r\n\r\n')).toBe(NOT_HTTP);
    expect(res('HTTP/1.1 2000 OK\r\n\r\n')).toBe(NOT_HTTP);
    expect(res('HTTP/2 200\r\n\r\n')).toBe(NOT_HTTP);
    expect(res('{"id":1,"result":true}\n')).toBe(NOT_HTTP);
    expect(res(Buffer.from([0x16, 3, 3, 0, 0x40]))).toBe(NOT_HTTP);
  });
});

describe('authorityHost', () => {
  it('strips user info, port, brackets and a trailing dot, and lower-cases', () => {
    expect(authorityHost('Pool.Example.:3333')).toBe('pool.example');
    expect(authorityHost('[2001:DB8::1]:80')).toBe('2001:db8::1');
    expect(authorityHost('u:p@h.example')).toBe('h.example');
    expect(authorityHost(':80')).toBeNull();
  });
});

describe('robustness', () => {
  const bases = [
    CURL_GET,
    CURL_CONNECT,
    Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\nbody'),
    Buffer.from('HTTP/1.1 200 OK\r\nX-Stratum: stratum+tcp://a:1\r\nContent-Length: 3\r\n\r\nabc'),
  ];
  it('never throws and never reads outside its range on 10000 mutated or random inputs', () => {
    let differ = 0;
    let parsed = 0;
    for (const input of mutations(0x4774, bases, 10000)) {
      const [a, b] = parseEmbedded(input, parseHttpRequestHead);
      const [c, d] = parseEmbedded(input, parseHttpResponseHead);
      if (!sameResult(a, b) || !sameResult(c, d)) differ++;
      if (typeof a === 'object' || typeof c === 'object') parsed++;
    }
    expect(differ).toBe(0);
    expect(parsed).toBeGreaterThan(1000);
  });

  it('handles start/end outside the buffer', () => {
    expect(parseHttpRequestHead(CURL_GET, -1, 5)).toBe(NOT_HTTP);
    expect(parseHttpRequestHead(CURL_GET, 0, CURL_GET.length + 1)).toBe(NOT_HTTP);
    expect(parseHttpResponseHead(CURL_GET, 9, 3)).toBe(NOT_HTTP);
  });
});
