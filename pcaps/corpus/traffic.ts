/**
 * Ordinary traffic for the robustness corpus, as bare IP packets with times:
 * the generator wraps them in whatever link layer, tunnel and container a
 * file gets. Everything here is what an office, a home or a server room sends
 * every day, with the words a careless detector might trip on (coin, pool,
 * login, jsonrpc, a node's RPC, pool ports used by ordinary services).
 */
import { Conversation, ip, ipv4, ipv6, tcp, udp, type Timed } from '../../test/support/craft';
import { extHeader, fragHeader, ipv6Raw } from '../../test/support/craft-links';
import { bitcoinMessage, clientHello, dnsMessage, dnsTcp, levinMessage, serverHelloMessage, tlsRecords } from '../../test/support/craft-protocols';
import { XMRIG_JOB, XMRIG_LOGIN } from '../generate';

export type Rand = () => number;

export function pick<T>(r: Rand, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

export function int(r: Rand, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Who talks: a client and a server of one address family. */
export interface Hosts {
  client: string;
  server: string;
  v6: boolean;
}

export function hosts(r: Rand, v6: boolean): Hosts {
  if (v6) return { client: `2001:db8:${int(r, 1, 0xfff).toString(16)}::${int(r, 2, 0xfff).toString(16)}`, server: `2001:db8:ffff::${int(r, 1, 0xfff).toString(16)}`, v6 };
  return { client: `192.168.${int(r, 0, 20)}.${int(r, 2, 250)}`, server: `203.0.113.${int(r, 1, 250)}`, v6 };
}

const identity = (p: Buffer): Buffer => p;

function conversation(r: Rand, h: Hosts, serverPort: number, startMs: number): Conversation {
  return new Conversation({
    client: h.client,
    server: h.server,
    clientPort: int(r, 32768, 60999),
    serverPort,
    startMs,
    stepMs: int(r, 1, 40),
    link: identity,
    clientSeq: int(r, 0, 0xffffffff),
    serverSeq: int(r, 0, 0xffffffff),
  });
}

// ---------------------------------------------------------------- names an ordinary network resolves and visits

/** Ordinary sites, several with coin, pool or mine in the name. None is a mining pool. */
export const ORDINARY_NAMES = [
  'coindesk.com',
  'www.coindesk.com',
  'poolsuppliesplus.com',
  'www.poolsuppliesplus.com',
  'carpool.example',
  'pool.ntp.org',
  '0.debian.pool.ntp.org',
  '2.android.pool.ntp.org',
  'www.coinbase.com',
  'api.coingecko.com',
  'coinmarketcap.com',
  'minecraft.net',
  'www.miningweekly.com',
  'mempool.space',
  'blockstream.info',
  'electrum.org',
  'github.com',
  'registry.npmjs.org',
  'deb.debian.org',
  'www.google.com',
  'login.microsoftonline.com',
  'swimmingpool.example',
  'threadpool.internal.example',
  'hashicorp.com',
];

const COOKIES = ['session=8f2b1c; theme=dark', 'coinpref=btc; currency=usd; _ga=GA1.2.1234', 'pool=carpool; ride=share; sid=abc123', 'login=alice; remember=1'];

function httpGet(path: string, host: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\nAccept: */*\r\nAccept-Language: en-US,en;q=0.5\r\n${extra}Connection: keep-alive\r\n\r\n`;
}

function httpResponse(body: string | Buffer, type = 'text/html; charset=utf-8', extra = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nContent-Type: ${type}\r\nContent-Length: ${b.length}\r\n${extra}\r\n`), b]);
}

// ---------------------------------------------------------------- sessions

export type Session = (r: Rand, startMs: number, v6: boolean) => Timed[];

/** A browser reading a news site and its JSON API, cookies and a login form included. */
export const webBrowsing: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const host = pick(r, ORDINARY_NAMES);
  const c = conversation(r, h, pick(r, [80, 80, 8080]), t).handshake();
  c.client(httpGet('/markets/coin-prices?pool=top', host, `Cookie: ${pick(r, COOKIES)}\r\n`));
  c.server(httpResponse(`<html><head><title>Coin prices</title></head><body><h1>Bitcoin, Monero and mining pool news</h1>${'<p>stratum, hashrate, worker, difficulty</p>'.repeat(int(r, 1, 30))}</body></html>`));
  c.client(httpGet('/api/v1/prices?ids=bitcoin,monero', host, 'Accept: application/json\r\n'));
  c.server(httpResponse(JSON.stringify({ bitcoin: { usd: 97000 + int(r, 0, 999) }, monero: { usd: 160 }, updated: 1736931600 }), 'application/json'));
  // Zabbix's API is JSON-RPC 2.0 over HTTP and its login method is user.login.
  const form = JSON.stringify({ jsonrpc: '2.0', method: 'user.login', params: { username: 'Admin', password: 'zabbix' }, id: 1 });
  c.client(`POST /api_jsonrpc.php HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json-rpc\r\nContent-Length: ${form.length}\r\n\r\n${form}`);
  c.server(httpResponse('{"jsonrpc":"2.0","result":"0424bd59b807674191e7d77572075f33","id":1}', 'application/json', 'Set-Cookie: zbx_session=77aa; HttpOnly\r\n'));
  return c.close().frames;
};

/** TLS to an ordinary site: ClientHello with its SNI, a server flight, encrypted records. */
export const tlsSession: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const sni = pick(r, ORDINARY_NAMES);
  const c = conversation(r, h, pick(r, [443, 443, 443, 8443]), t).handshake();
  const tls13 = r() < 0.7;
  c.client(clientHello({ sni, alpn: ['h2', 'http/1.1'], grease: r() < 0.5, tls13, padTo: r() < 0.3 ? 512 : undefined, keyShareBytes: r() < 0.3 ? 1216 : 32 }));
  c.server(Buffer.concat([tlsRecords(serverHelloMessage(tls13), 16384, 22, 0x0303), tlsRecords(randomBytes(r, int(r, 800, 3000)), 16384, 23, 0x0303)]));
  for (let i = 0; i < int(r, 1, 4); i++) {
    c.client(tlsRecords(randomBytes(r, int(r, 30, 600)), 16384, 23, 0x0303));
    c.server(tlsRecords(randomBytes(r, int(r, 100, 4000)), 16384, 23, 0x0303));
  }
  return c.close().frames;
};

function dnsExchange(r: Rand, h: Hosts, t: number, name: string): Timed[] {
  const id = int(r, 0, 0xffff);
  const sport = int(r, 1024, 65535);
  const type = h.v6 && r() < 0.5 ? 28 : 1;
  const q = dnsMessage({ id, questions: [{ name, type }], edns: r() < 0.5 });
  const answers = [];
  if (r() < 0.3) answers.push({ name, type: 5, data: `edge.${name}` });
  for (let i = 0; i < int(r, 1, 4); i++) {
    answers.push({ name: answers.length > 0 && answers[0].type === 5 ? `edge.${name}` : name, type, data: type === 28 ? `2001:db8:aa::${i + 1}` : `198.18.${int(r, 0, 255)}.${int(r, 1, 254)}` });
  }
  const a = dnsMessage({ id, response: true, flags: 0x0180, questions: [{ name, type }], answers });
  const tns = (ms: number): bigint => BigInt(Math.round(ms * 1000)) * 1000n;
  return [
    { tsNs: tns(t), data: ip(h.client, h.server, 17, udp(h.client, h.server, sport, 53, q)) },
    { tsNs: tns(t + int(r, 1, 30)), data: ip(h.server, h.client, 17, udp(h.server, h.client, 53, sport, a)) },
  ];
}

/** A resolver answering lookups for ordinary names, pool.ntp.org among them. */
export const dnsLookups: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const out: Timed[] = [];
  for (let i = 0; i < int(r, 2, 8); i++) out.push(...dnsExchange(r, h, t + i * 15, pick(r, ORDINARY_NAMES)));
  return out;
};

/** DNS over TCP (a zone transfer-sized answer, or a truncated UDP answer retried). */
export const dnsTcpSession: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const name = pick(r, ORDINARY_NAMES);
  const c = conversation(r, h, 53, t).handshake();
  c.client(dnsTcp(dnsMessage({ id: 7, questions: [{ name }] })));
  c.server(dnsTcp(dnsMessage({ id: 7, response: true, flags: 0x0180, questions: [{ name }], answers: Array.from({ length: 40 }, (_, i) => ({ name, type: 1, data: `198.18.1.${i + 1}` })) })));
  return c.close().frames;
};

/** NTP client and server mode packets (after resolving pool.ntp.org). */
export const ntp: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const out = dnsExchange(r, h, t, pick(r, ['pool.ntp.org', '0.debian.pool.ntp.org', '3.pool.ntp.org']));
  for (let i = 0; i < int(r, 1, 4); i++) {
    const q = Buffer.alloc(48);
    q[0] = 0x23; // LI 0, version 4, mode 3
    randomBytes(r, 8).copy(q, 40);
    const a = Buffer.alloc(48);
    a[0] = 0x24;
    a[1] = 2;
    randomBytes(r, 40).copy(a, 8);
    const ms = t + 50 + i * 1000;
    out.push({ tsNs: BigInt(ms) * 1_000_000n, data: ip(h.client, h.server, 17, udp(h.client, h.server, 123, 123, q)) });
    out.push({ tsNs: BigInt(ms + 20) * 1_000_000n, data: ip(h.server, h.client, 17, udp(h.server, h.client, 123, 123, a)) });
  }
  return out;
};

function rpcPost(host: string, body: string, auth = true): string {
  return `POST / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: curl/8.5.0\r\n${auth ? 'Authorization: Basic dXNlcjpwYXNz\r\n' : ''}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

/** A wallet or script talking JSON-RPC to its own Bitcoin Core node (not mining). */
export const bitcoinRpc: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 8332, t).handshake();
  // getmininginfo is read-only node monitoring (every node dashboard polls it), not mining.
  for (const method of ['getblockchaininfo', 'getnetworkinfo', 'getbalance', 'getrawmempool', 'getmininginfo']) {
    c.client(rpcPost(`${h.server}:8332`, JSON.stringify({ jsonrpc: '1.0', id: 'curltest', method, params: [] })));
    c.server(httpResponse(JSON.stringify({ result: { chain: 'main', blocks: 870000 + int(r, 0, 999), difficulty: 1.1e14, mediantime: 1736900000 }, error: null, id: 'curltest' }), 'application/json'));
  }
  return c.close().frames;
};

/** A dapp backend asking an Ethereum node for the block number and balances. */
export const ethereumRpc: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 8545, t).handshake();
  c.client(rpcPost(`${h.server}:8545`, '{"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":1}', false));
  c.server(httpResponse('{"jsonrpc":"2.0","id":1,"result":"0x1480a3c"}', 'application/json'));
  c.client(rpcPost(`${h.server}:8545`, '{"jsonrpc":"2.0","method":"eth_getBalance","params":["0x742d35Cc6634C0532925a3b844Bc454e4438f44e","latest"],"id":2}', false));
  c.server(httpResponse('{"jsonrpc":"2.0","id":2,"result":"0x1bc16d674ec80000"}', 'application/json'));
  c.client(rpcPost(`${h.server}:8545`, '[{"jsonrpc":"2.0","method":"eth_chainId","params":[],"id":3},{"jsonrpc":"2.0","method":"net_version","params":[],"id":4}]', false));
  c.server(httpResponse('[{"jsonrpc":"2.0","id":3,"result":"0x1"},{"jsonrpc":"2.0","id":4,"result":"1"}]', 'application/json'));
  return c.close().frames;
};

/** An Electrum wallet: newline-delimited JSON-RPC, very like stratum on the wire, but a wallet. */
export const electrum: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, pick(r, [50001, 50001, 50002]), t).handshake();
  c.client('{"jsonrpc":"2.0","method":"server.version","params":["electrum/4.5.5","1.4"],"id":0}\n');
  c.server('{"jsonrpc":"2.0","result":["ElectrumX 1.16.0","1.4"],"id":0}\n');
  c.client('{"jsonrpc":"2.0","method":"blockchain.headers.subscribe","params":[],"id":1}\n');
  c.server(`{"jsonrpc":"2.0","result":{"hex":"${randomBytes(r, 80).toString('hex')}","height":870123},"id":1}\n`);
  c.client('{"jsonrpc":"2.0","method":"blockchain.scripthash.get_balance","params":["8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161"],"id":2}\n');
  c.server('{"jsonrpc":"2.0","result":{"confirmed":103873966,"unconfirmed":23684400},"id":2}\n');
  c.client('{"jsonrpc":"2.0","method":"server.ping","params":[],"id":3}\n');
  c.server('{"jsonrpc":"2.0","result":null,"id":3}\n');
  return c.close().frames;
};

/** A language server over TCP: JSON-RPC 2.0 with Content-Length framing. */
export const languageServer: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, pick(r, [2087, 6008, 3333]), t).handshake();
  const msg = (o: object): string => {
    const s = JSON.stringify(o);
    return `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
  };
  c.client(msg({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: 4242, rootUri: 'file:///home/alice/pool-heater', capabilities: {} } }));
  c.server(msg({ jsonrpc: '2.0', id: 1, result: { capabilities: { textDocumentSync: 1, hoverProvider: true } } }));
  c.client(msg({ jsonrpc: '2.0', method: 'initialized', params: {} }));
  c.client(msg({ jsonrpc: '2.0', id: 2, method: 'textDocument/hover', params: { textDocument: { uri: 'file:///home/alice/pool-heater/mine.py' }, position: { line: 3, character: 7 } } }));
  c.server(msg({ jsonrpc: '2.0', id: 2, result: { contents: 'def submit(job_id, nonce): ...' } }));
  return c.close().frames;
};

/** Ordinary services on ports mining pools also use: a dev server on 3333, Selenium on 4444, Jupyter on 8888, Mosquitto on 1883. */
export const poolPortService: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const which = int(r, 0, 4);
  if (which === 0) {
    const c = conversation(r, h, 3333, t).handshake();
    c.client(httpGet('/', 'localhost:3333'));
    c.server(httpResponse('<!doctype html><html><head><script type="module" src="/@vite/client"></script></head><body><div id="root"></div></body></html>'));
    c.client(httpGet('/src/main.tsx', 'localhost:3333'));
    c.server(httpResponse('import { submit } from "./worker";\nexport const pool = new WorkerPool(4);\n', 'application/javascript'));
    return c.close().frames;
  }
  if (which === 1) {
    const c = conversation(r, h, 4444, t).handshake();
    const body = JSON.stringify({ capabilities: { alwaysMatch: { browserName: 'firefox' } } });
    c.client(`POST /session HTTP/1.1\r\nHost: grid:4444\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    c.server(httpResponse(JSON.stringify({ value: { sessionId: 'a1b2c3', capabilities: { browserName: 'firefox' } } }), 'application/json'));
    return c.close().frames;
  }
  if (which === 2) {
    const c = conversation(r, h, 8888, t).handshake();
    c.client(httpGet('/api/kernels', 'localhost:8888', 'Authorization: token 0123456789abcdef\r\n'));
    c.server(httpResponse('[{"id":"5f1c","name":"python3","last_activity":"2026-01-15T09:00:00Z","execution_state":"idle"}]', 'application/json'));
    return c.close().frames;
  }
  if (which === 3) {
    // MQTT CONNECT / CONNACK / PUBLISH on 1883 (poolin's stratum port is also Mosquitto's).
    const c = conversation(r, h, 1883, t).handshake();
    const id = Buffer.from('sensor-pool-pump');
    const connect = Buffer.concat([Buffer.from([0x10, 12 + id.length, 0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60, 0, id.length]), id]);
    c.client(connect);
    c.server(Buffer.from([0x20, 2, 0, 0]));
    const topic = Buffer.from('home/pool/temperature');
    const payload = Buffer.from('{"celsius":27.5}');
    c.client(Buffer.concat([Buffer.from([0x30, 2 + topic.length + payload.length, 0, topic.length]), topic, payload]));
    return c.close().frames;
  }
  // SMTP on 25: stratum is sometimes run there too, so the port alone must mean nothing.
  const c = conversation(r, h, 25, t).handshake();
  c.server('220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n');
  c.client('EHLO client.example.org\r\n');
  c.server('250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n');
  c.client('MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n');
  c.server('250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n');
  c.client('Subject: pool party saturday\r\n\r\nBring coins for the vending machine. The mining museum trip is off.\r\n.\r\nQUIT\r\n');
  c.server('250 2.0.0 Ok: queued as 4F2A1\r\n221 2.0.0 Bye\r\n');
  return c.close().frames;
};

/** A Bitcoin full node's peer connection: version, verack, ping, pong. */
export const bitcoinP2p: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 8333, t).handshake();
  const version = randomBytes(r, 102);
  version.writeInt32LE(70016, 0);
  c.client(bitcoinMessage('f9beb4d9', 'version', version));
  c.server(Buffer.concat([bitcoinMessage('f9beb4d9', 'version', randomBytes(r, 102)), bitcoinMessage('f9beb4d9', 'verack', Buffer.alloc(0))]));
  c.client(bitcoinMessage('f9beb4d9', 'verack', Buffer.alloc(0)));
  c.client(bitcoinMessage('f9beb4d9', 'ping', randomBytes(r, 8)));
  c.server(bitcoinMessage('f9beb4d9', 'pong', randomBytes(r, 8)));
  return c.close().frames;
};

/** A Monero node's Levin handshake with a peer on 18080. */
export const moneroLevin: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 18080, t).handshake();
  c.client(levinMessage(1001, randomBytes(r, int(r, 200, 400))));
  c.server(levinMessage(1001, randomBytes(r, int(r, 1000, 3000)), false, 2));
  c.client(levinMessage(1002, randomBytes(r, 60)));
  return c.close().frames;
};

/** SSH: banners in clear, then binary packets. */
export const ssh: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 22, t).handshake();
  c.server('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  c.client('SSH-2.0-OpenSSH_9.6\r\n');
  for (let i = 0; i < int(r, 2, 6); i++) {
    c.client(randomBytes(r, int(r, 40, 1400)));
    c.server(randomBytes(r, int(r, 40, 1400)));
  }
  return c.close().frames;
};

/** A large download with a lost and retransmitted segment and segments arriving out of order. */
export const download: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 80, t).handshake();
  c.client(httpGet('/debian-cd/debian-12-netinst.iso', 'deb.debian.org'));
  const first = c.frames.length;
  c.server(httpResponse(randomBytes(r, int(r, 40_000, 160_000)), 'application/octet-stream'));
  const frames = c.close().frames;
  const body = frames.slice(first, frames.length - 3);
  // Swap a few neighbours (reordering on the path) and repeat some (retransmissions).
  for (let k = 0; k < 6; k++) {
    const i = int(r, 0, body.length - 2);
    const a = body[i];
    body[i] = body[i + 1];
    body[i + 1] = a;
  }
  const out = [...frames.slice(0, first), ...body, ...frames.slice(frames.length - 3)];
  for (let k = 0; k < 4; k++) {
    const i = int(r, first, first + body.length - 1);
    out.splice(i + int(r, 1, 5), 0, { tsNs: out[i].tsNs + 200_000_000n, data: out[i].data });
  }
  return out;
};

/** A download whose server sequence numbers wrap past 2^32 mid-transfer. */
export const wrappingDownload: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = new Conversation({ client: h.client, server: h.server, clientPort: int(r, 32768, 60999), serverPort: pick(r, [80, 8080]), startMs: t, stepMs: 1, link: identity, clientSeq: 0xfffffff0, serverSeq: 0xffff0000 + int(r, 0, 0xff00) });
  c.handshake().client(httpGet('/backups/pool-heater-firmware.bin', 'updates.example'));
  c.server(httpResponse(randomBytes(r, int(r, 70_000, 120_000)), 'application/octet-stream'));
  return c.close().frames;
};

/** A SYN scan of `ports` ports on one target (a vulnerability scanner in the office): one tiny flow per port. */
export function portScan(r: Rand, t: number, ports: number): Timed[] {
  const scanner = '192.168.7.66';
  const target = `192.168.7.${int(r, 1, 60)}`;
  const out: Timed[] = [];
  const ns = (us: number): bigint => BigInt(Math.round(us)) * 1000n;
  for (let i = 0; i < ports; i++) {
    const port = 1 + ((i * 7919) % 65535);
    const sport = 40000 + (i % 20000);
    const at = t * 1000 + i * 50;
    out.push({ tsNs: ns(at), data: ip(scanner, target, 6, tcp(scanner, target, sport, port, Buffer.alloc(0), { seq: 0x1000 + i, flags: 'S', window: 1024 })) });
    const open = port === 22 || port === 80 || port === 443 || port === 3333 || port === 8080;
    out.push({ tsNs: ns(at + 20), data: ip(target, scanner, 6, tcp(target, scanner, port, sport, Buffer.alloc(0), { seq: open ? 0x9000 : 0, ack: 0x1001 + i, flags: open ? 'SA' : 'RA' })) });
    if (open) out.push({ tsNs: ns(at + 30), data: ip(scanner, target, 6, tcp(scanner, target, sport, port, Buffer.alloc(0), { seq: 0x1001 + i, flags: 'R' })) });
  }
  return out;
}

/** Chatter: QUIC-like UDP on 443, mDNS, SSDP, syslog, ICMP echo. */
export const chatter: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const out: Timed[] = [];
  const ns = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
  for (let i = 0; i < int(r, 2, 6); i++) {
    const q = randomBytes(r, int(r, 30, 1200));
    q[0] = 0xc0 | (q[0] & 0x0f);
    out.push({ tsNs: ns(t + i * 3), data: ip(h.client, h.server, 17, udp(h.client, h.server, 51000 + i, 443, q)) });
  }
  out.push({ tsNs: ns(t + 40), data: ip(h.client, h.server, 17, udp(h.client, h.server, 5353, 5353, dnsMessage({ id: 0, flags: 0, questions: [{ name: '_googlecast._tcp.local', type: 12 }] }))) });
  out.push({ tsNs: ns(t + 41), data: ip(h.client, h.server, 17, udp(h.client, h.server, 40000, 1900, 'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n')) });
  out.push({ tsNs: ns(t + 42), data: ip(h.client, h.server, 17, udp(h.client, h.server, 514, 514, '<30>Jan 15 09:00:00 poolpump systemd[1]: Started Mining museum kiosk.')) });
  const echo = Buffer.alloc(64);
  echo[0] = v6 ? 128 : 8;
  randomBytes(r, 56).copy(echo, 8);
  out.push({ tsNs: ns(t + 43), data: v6 ? ipv6(h.client, h.server, 58, echo) : ipv4(h.client, h.server, 1, echo) });
  return out;
};

/** UDP DNS answers split into IP fragments, and IPv6 with extension headers in front of TCP and UDP. */
export const fragmented: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const name = pick(r, ORDINARY_NAMES);
  const big = dnsMessage({ id: 9, response: true, flags: 0x0180, questions: [{ name, type: 16 }], answers: Array.from({ length: 12 }, () => ({ name, type: 16, raw: Buffer.concat([Buffer.from([200]), Buffer.alloc(200, 0x61)]) })) });
  const seg = udp(h.server, h.client, 53, 40053, big);
  const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
  const out: Timed[] = [];
  if (!v6) {
    for (let off = 0; off < seg.length; off += 1480) {
      const part = seg.subarray(off, Math.min(seg.length, off + 1480));
      out.push({ tsNs: ns(t + off / 1480), data: ipv4(h.server, h.client, 17, part, { id: 0x4242, fragmentOffset: off, moreFragments: off + 1480 < seg.length }) });
    }
    return out;
  }
  for (let off = 0; off < seg.length; off += 1448) {
    const part = seg.subarray(off, Math.min(seg.length, off + 1448));
    out.push({ tsNs: ns(t + off / 1448), data: ipv6Raw(h.server, h.client, 44, Buffer.concat([fragHeader(17, off, off + 1448 < seg.length), part])) });
  }
  // Hop-by-hop and destination options ahead of an ordinary TCP exchange.
  for (const f of webBrowsing(r, t + 100, true)) out.push({ tsNs: f.tsNs, data: withExtensions(f.data) });
  return out;
};

/** Puts hop-by-hop and destination-options headers between an IPv6 header and its payload. */
export function withExtensions(p: Buffer): Buffer {
  if (p[0] >> 4 !== 6) return p;
  const next = p[6];
  const exts = Buffer.concat([extHeader(60, 6), extHeader(next, 14)]);
  const out = Buffer.concat([p.subarray(0, 40), exts, p.subarray(40)]);
  out[6] = 0;
  out.writeUInt16BE(p.readUInt16BE(4) + exts.length, 4);
  return out;
}

/** Someone reading about the stratum protocol: a wiki page quoting stratum messages and pool URLs. */
export const docsPage: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 80, t).handshake();
  c.client(httpGet('/wiki/Stratum_mining_protocol', 'en.bitcoin.example', `Cookie: ${pick(r, COOKIES)}\r\n`));
  const page =
    '<html><body><h1>Stratum mining protocol</h1><p>The miner subscribes, authorizes, then receives jobs:</p><pre>\n' +
    '{"id": 1, "method": "mining.subscribe", "params": []}\n' +
    '{"id": 1, "result": [[["mining.set_difficulty", "b4b6693b72a50c7116db18d6497cac52"], ["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], "error": null}\n' +
    '{"id": 2, "method": "mining.authorize", "params": ["slush.miner1", "password"]}\n' +
    '{"params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000"], "id": null, "method": "mining.notify"}\n' +
    '</pre><p>Pools publish URLs such as stratum+tcp://xmr.nanopool.org:14433 and stratum+ssl://pool.supportxmr.com:443.</p>' +
    '<p>XMRig logs in with {"method":"login","params":{"login":"WALLET","pass":"x","agent":"XMRig/6.21.0"}}.</p></body></html>';
  c.server(httpResponse(page));
  return c.close().frames;
};

/** A dapp backend subscribed to new blocks over a node's WebSocket JSON-RPC (client frames masked, server frames not). */
export const websocketRpc: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, pick(r, [8546, 80]), t).handshake();
  c.client(`GET / HTTP/1.1\r\nHost: ${h.server}:8546\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  c.server('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
  const frame = (text: string, masked: boolean): Buffer => {
    const p = Buffer.from(text);
    const head = p.length < 126 ? Buffer.from([0x81, (masked ? 0x80 : 0) | p.length]) : Buffer.from([0x81, (masked ? 0x80 : 0) | 126, p.length >> 8, p.length & 0xff]);
    if (!masked) return Buffer.concat([head, p]);
    const key = randomBytes(r, 4);
    for (let i = 0; i < p.length; i++) p[i] ^= key[i & 3];
    return Buffer.concat([head, key, p]);
  };
  c.client(frame('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}', true));
  c.server(frame('{"jsonrpc":"2.0","id":1,"result":"0x9cef478923ff08bf67fde6c64013158d"}', false));
  for (let i = 0; i < int(r, 2, 5); i++) {
    c.server(frame(`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9cef478923ff08bf67fde6c64013158d","result":{"number":"0x${(21500000 + i).toString(16)}","hash":"0x${randomBytes(r, 32).toString('hex')}","difficulty":"0x0","nonce":"0x0000000000000000","miner":"0x95222290dd7278aa3ddd389cc1e1d165cc4bafe5"}}}`, false));
  }
  return c.close().frames;
};

/** A browser behind a corporate proxy: CONNECT to ordinary sites, then TLS through the tunnel. */
export const proxyConnect: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const sni = pick(r, ORDINARY_NAMES);
  const c = conversation(r, h, pick(r, [3128, 8080]), t).handshake();
  c.client(`CONNECT ${sni}:443 HTTP/1.1\r\nHost: ${sni}:443\r\nProxy-Connection: keep-alive\r\nUser-Agent: Mozilla/5.0\r\n\r\n`);
  c.server('HTTP/1.1 200 Connection established\r\n\r\n');
  c.client(clientHello({ sni, alpn: ['h2'], tls13: true, grease: true }));
  c.server(Buffer.concat([tlsRecords(serverHelloMessage(true), 16384, 22, 0x0303), tlsRecords(randomBytes(r, 2000), 16384, 23, 0x0303)]));
  return c.close().frames;
};

/** TLS to ordinary services that listen on ports pools also use (MinIO on 9000, a Synology on 5001, adb-over-TLS on 5555). */
export const tlsOnPoolPort: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const [port, sni] = pick(r, [
    [9000, 'minio.internal.example'],
    [5555, 'adb.lab.example'],
    [4444, 'grid.ci.example'],
    [7777, 'coin-counter.internal.example'],
    [3333, 'dev.poolsuppliesplus.com'],
  ] as const);
  const c = conversation(r, h, port, t).handshake();
  c.client(clientHello({ sni, alpn: ['http/1.1'], tls13: r() < 0.5 }));
  c.server(Buffer.concat([tlsRecords(serverHelloMessage(false), 16384, 22, 0x0303), tlsRecords(randomBytes(r, 1500), 16384, 23, 0x0303)]));
  c.client(tlsRecords(randomBytes(r, 300), 16384, 23, 0x0303));
  return c.close().frames;
};

/** Kodi's JSON-RPC over raw TCP (9090): requests, answers and server-pushed notifications, no newlines between them. */
export const kodi: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const c = conversation(r, h, 9090, t).handshake();
  c.client('{"jsonrpc":"2.0","method":"JSONRPC.Ping","id":1}');
  c.server('{"id":1,"jsonrpc":"2.0","result":"pong"}');
  c.client('{"jsonrpc":"2.0","method":"Player.GetActivePlayers","id":"players"}');
  c.server('{"id":"players","jsonrpc":"2.0","result":[{"playerid":1,"playertype":"internal","type":"video"}]}');
  c.server('{"jsonrpc":"2.0","method":"Player.OnPlay","params":{"data":{"item":{"id":42,"type":"movie"},"player":{"playerid":1,"speed":1}},"sender":"xbmc"}}');
  c.server('{"jsonrpc":"2.0","method":"Player.OnPause","params":{"data":{"item":{"id":42,"type":"movie"},"player":{"playerid":1,"speed":0}},"sender":"xbmc"}}');
  return c.close().frames;
};

/** A Monero wallet talking to its own wallet RPC and node RPC (balances, heights), and a Grin wallet's owner API. */
export const walletRpc: Session = (r, t, v6) => {
  const h = hosts(r, v6);
  const which = int(r, 0, 2);
  const port = [18082, 18081, 3420][which];
  const c = conversation(r, h, port, t).handshake();
  const post = (path: string, body: string): string => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  if (which === 0) {
    c.client(post('/json_rpc', '{"jsonrpc":"2.0","id":"0","method":"get_balance","params":{"account_index":0}}'));
    c.server(httpResponse('{"id":"0","jsonrpc":"2.0","result":{"balance":157443303037455077,"unlocked_balance":157360317826255077,"multisig_import_needed":false}}', 'application/json'));
    c.client(post('/json_rpc', '{"jsonrpc":"2.0","id":"1","method":"get_address","params":{"account_index":0}}'));
    c.server(httpResponse('{"id":"1","jsonrpc":"2.0","result":{"address":"55LTR8KniP4LQGJSPtbYDacR7dz8RBFnsfAKMaMuwUNYX6aQbBcovzDPyrQF9KXF9tVU6Xk3K8no1BywnJX6GvZX8yJsXvt"}}', 'application/json'));
  } else if (which === 1) {
    c.client(post('/json_rpc', '{"jsonrpc":"2.0","id":"0","method":"get_info"}'));
    c.server(httpResponse('{"id":"0","jsonrpc":"2.0","result":{"height":3312345,"difficulty":412345678901,"target":120,"tx_pool_size":31,"status":"OK","synchronized":true}}', 'application/json'));
    c.client(post('/get_height', '{}'));
    c.server(httpResponse('{"height":3312345,"status":"OK","untrusted":false}', 'application/json'));
  } else {
    c.client(post('/v3/owner', '{"jsonrpc":"2.0","method":"retrieve_summary_info","params":{"token":"d202964900000000","refresh_from_node":true,"minimum_confirmations":1},"id":1}'));
    c.server(httpResponse('{"id":1,"jsonrpc":"2.0","result":{"Ok":[true,{"amount_awaiting_confirmation":"0","last_confirmed_height":"2345678","total":"12500000000"}]}}', 'application/json'));
  }
  return c.close().frames;
};

export const ORDINARY_SESSIONS: Array<[string, Session]> = [
  ['kodi', kodi],
  ['wallet-rpc', walletRpc],
  ['docs-page', docsPage],
  ['websocket-rpc', websocketRpc],
  ['proxy-connect', proxyConnect],
  ['tls-pool-port', tlsOnPoolPort],
  ['web', webBrowsing],
  ['tls', tlsSession],
  ['dns', dnsLookups],
  ['dns-tcp', dnsTcpSession],
  ['ntp', ntp],
  ['bitcoin-rpc', bitcoinRpc],
  ['ethereum-rpc', ethereumRpc],
  ['electrum', electrum],
  ['lsp', languageServer],
  ['pool-port-service', poolPortService],
  ['bitcoin-p2p', bitcoinP2p],
  ['monero-levin', moneroLevin],
  ['ssh', ssh],
  ['download', download],
  ['wrapping-download', wrappingDownload],
  ['chatter', chatter],
  ['fragmented', fragmented],
];

// ---------------------------------------------------------------- the planted miner

export const MINER = { host: '10.1.2.3', pool: '198.51.100.7', poolPort: 3333 };
export const MINER6 = { host: '2001:db8:1::3', pool: '2001:db8:2::7', poolPort: 3333 };

/** XMRig logging in to a pool and submitting a share (the stratum login of pcaps/generate.ts). */
export function miningSession(r: Rand, t: number, v6: boolean): Timed[] {
  const m = v6 ? MINER6 : MINER;
  const c = new Conversation({ client: m.host, server: m.pool, clientPort: 49152, serverPort: m.poolPort, startMs: t, stepMs: 3, link: identity, clientSeq: int(r, 0, 0xffffffff) });
  c.handshake().client(XMRIG_LOGIN).server(XMRIG_JOB);
  c.client('{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"8d5a1c2f","job_id":"xmr-1","nonce":"0b010000","result":"e1364b2f9c39e7d1a8c0b6f29e1f30d1a6b0d8e0f3bd1cf2f3ac0e9ab1a20000"}}\n');
  c.server('{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n');
  return c.close().frames;
}
