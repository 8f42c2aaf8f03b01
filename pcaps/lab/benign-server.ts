/**
 * Ordinary servers for the lab's benign captures: a web site over HTTP and
 * HTTPS, and two cryptocurrency-node JSON-RPC endpoints that are not mining
 * (a Bitcoin Core style node on 8332 with basic auth, an Ethereum node on 8545).
 *
 *   node dist/pcaps/lab/benign-server.js '<json BenignConfig>'
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface BenignConfig {
  webHost: string;
  rpcHost: string;
  cert: string;
  key: string;
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lab intranet</title></head>
<body><h1>Welcome</h1><p>Nothing to see here: an ordinary page served inside the poolwatch lab.</p>
${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n'.repeat(20)}</body></html>
`;

function web(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/favicon.ico') {
    res.writeHead(404);
    return void res.end();
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(PAGE), 'Cache-Control': 'max-age=60' });
  res.end(PAGE);
}

function rpc(handler: (method: string, params: unknown) => unknown, jsonrpc: string | undefined) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      let msg: { id?: unknown; method?: string; params?: unknown } = {};
      try {
        msg = JSON.parse(body) as typeof msg;
      } catch {
        res.writeHead(400);
        return void res.end();
      }
      const result = handler(msg.method ?? '', msg.params);
      const out = JSON.stringify(jsonrpc ? { jsonrpc, id: msg.id, result } : { result, error: null, id: msg.id });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    });
  };
}

let blocks = 871_234;

function bitcoin(method: string): unknown {
  switch (method) {
    case 'getblockchaininfo':
      return { chain: 'main', blocks, headers: blocks, bestblockhash: `00000000000000000002${randomBytes(22).toString('hex')}`, difficulty: 102289407543323.8, verificationprogress: 0.9999987, initialblockdownload: false, pruned: false, warnings: '' };
    case 'getblockcount':
      return blocks;
    case 'getnetworkinfo':
      return { version: 270000, subversion: '/Satoshi:27.0.0/', protocolversion: 70016, connections: 10, networkactive: true };
    case 'getbalance':
      return 0.0123;
    default:
      return null;
  }
}

function ethereum(method: string): unknown {
  switch (method) {
    case 'eth_blockNumber':
      return `0x${(20_512_345 + (blocks++ % 5)).toString(16)}`;
    case 'eth_chainId':
      return '0x1';
    case 'net_version':
      return '1';
    case 'eth_getBalance':
      return '0x2386f26fc10000';
    case 'eth_gasPrice':
      return '0x3b9aca00';
    default:
      return null;
  }
}

if (require.main === module) {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as BenignConfig;
  process.on('SIGTERM', () => process.exit(0));
  const tls = { cert: readFileSync(cfg.cert), key: readFileSync(cfg.key) };
  const servers: [string, number, ReturnType<typeof createHttp>][] = [
    [cfg.webHost, 80, createHttp(web)],
    [cfg.webHost, 443, createHttps(tls, web)],
    [cfg.rpcHost, 8332, createHttp(rpc(bitcoin, undefined))],
    [cfg.rpcHost, 8545, createHttp(rpc(ethereum, '2.0'))],
  ];
  let pending = servers.length;
  for (const [host, port, s] of servers) {
    s.listen(port, host, () => {
      if (--pending === 0) console.log(JSON.stringify({ event: 'listening' }));
    });
  }
}
