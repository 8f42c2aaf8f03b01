/**
 * Regenerates the synthetic sample captures under pcaps/samples/ byte for
 * byte (fixed addresses, times and sequence numbers):
 *   npm run pcaps
 * Real-client captures live in pcaps/real/ and come from the lab (pcaps/lab/).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePcap, writePcapng } from '../src/capture/writer';
import { Conversation, toRecords, type Timed } from '../test/support/craft';
import { packageRoot } from '../src/paths';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

export const XMRIG_LOGIN =
  '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0","algo":["rx/0","cn/r","cn/2"]}}\n';
export const XMRIG_JOB =
  '{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"8d5a1c2f","job":{"blob":"0e0ea7e7c3a2066d3b6f0c3f57cbb9b2e1f93e16d9a4bd64f3c1c1e1d9c0f40d6a3a3e2b0f0000000012f7a7ae0de4a2b1b6a6d3a43c0bd5fb8ccf95f6d9cbd6d2b5a9d4c0d9b26d2b0c","job_id":"xmr-1","target":"b88d0600","algo":"rx/0","height":3100000,"seed_hash":"5e5b3d8f2d8c1d5a3e44e9a2d7d1f2c3b4a5968778695a4b3c2d1e0f1a2b3c4d"},"extensions":["algo","nicehash","connect","tls","keepalive"],"status":"OK"}}\n';

/** A host mining Monero with XMRig against a pool: login, job, two shares. */
export function miningSession(): Timed[] {
  const c = new Conversation({ client: '10.1.2.3', server: '198.51.100.7', clientPort: 49152, serverPort: 3333, startMs: T0 });
  c.handshake().client(XMRIG_LOGIN).server(XMRIG_JOB);
  c.client('{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"8d5a1c2f","job_id":"xmr-1","nonce":"0b010000","result":"e1364b2f9c39e7d1a8c0b6f29e1f30d1a6b0d8e0f3bd1cf2f3ac0e9ab1a20000"}}\n');
  c.server('{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n');
  c.client('{"id":3,"jsonrpc":"2.0","method":"submit","params":{"id":"8d5a1c2f","job_id":"xmr-1","nonce":"2f050000","result":"5a1f09a0e5ea8e0d2c1b3f40b6f26a0d9e0c1b2a3f4e5d6c7b8a9e0f1d2c0000"}}\n');
  c.server('{"id":3,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}\n');
  return c.close().frames;
}

/** Ordinary web browsing: one HTTP request and answer. */
export function webSession(): Timed[] {
  const c = new Conversation({ client: '10.1.2.4', server: '203.0.113.80', clientPort: 50000, serverPort: 80, startMs: T0 + 5000 });
  c.handshake().client('GET /news/coin-prices HTTP/1.1\r\nHost: www.example-coinpool-news.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n');
  c.server('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 48\r\n\r\n<html><body>Bitcoin price is up today</body></html>');
  return c.close().frames;
}

function main(): void {
  const dir = join(packageRoot(), 'pcaps', 'samples');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'xmrig-stratum.pcap'), writePcap(toRecords(miningSession()), { linkType: 1 }));
  writeFileSync(join(dir, 'web-browsing.pcapng'), writePcapng([{ interfaces: [{ linkType: 1 }], records: toRecords(webSession()) }]));
}

if (require.main === module) main();
