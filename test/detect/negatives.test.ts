/**
 * Issue #3: ordinary traffic gives no finding. The captures are committed in
 * pcaps/detect/neg-*.pcap (made by pcaps/detect/generate.ts); each is scanned
 * in process, and the lot once through the CLI with and without --nodes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { readCapture } from '../../src/capture/read';
import { loadSignatures } from '../../src/detect/signatures';
import { packageRoot } from '../../src/paths';
import type { Finding, NodeContact } from '../../src/report/finding';
import { CAPTURES } from '../../pcaps/detect/generate';
import { parseJsonl, runCli } from '../support/cli';

const DIR = join(packageRoot(), 'pcaps', 'detect');
const NEGATIVES = CAPTURES.map(([name]) => name).filter((n) => n.startsWith('neg-'));

async function scan(name: string): Promise<{ findings: Finding[]; nodes: NodeContact[]; packets: number }> {
  const analyzer = new Analyzer(loadSignatures(), { ...DEFAULT_ANALYZER_OPTIONS });
  const warnings: string[] = [];
  await readCapture(join(DIR, name), analyzer, (w) => warnings.push(w.message));
  expect(warnings).toEqual([]);
  const findings = analyzer.finish();
  return { findings, nodes: analyzer.report.nodes(), packets: analyzer.packets };
}

/** Records in a classic little-endian pcap: walked from the file, so the count is the file's own. */
function recordsIn(name: string): number {
  const b = readFileSync(join(DIR, name));
  let n = 0;
  for (let o = 24; o + 16 <= b.length; o += 16 + b.readUInt32LE(o + 8)) n++;
  return n;
}

const brief = (f: Finding) => `${f.host} -> ${String(f.pool)}:${String(f.poolPort)} ${f.protocol} ${f.confidence} ${String(f.domain)}`;

describe('ordinary traffic gives no finding', () => {
  test.each([
    ['neg-web-http.pcap', 'web pages whose names hold "coin" and "pool" (coindesk.com, poolsuppliesplus.com, coinmarketcap.com)'],
    ['neg-tls.pcap', 'TLS with ordinary SNIs (www.google.com, github.com, www.coinbase.com)'],
    ['neg-dns-ntp.pcap', 'DNS for pool.ntp.org, 0.pool.ntp.org, 2.debian.pool.ntp.org and an ordinary name, then NTP'],
    ['neg-wallet-rpc.pcap', 'JSON-RPC to wallet nodes: bitcoind getblockchaininfo, geth eth_blockNumber / eth_getBalance over HTTP and as raw TCP lines'],
    ['neg-ssh.pcap', 'SSH: banners, KEXINIT, encrypted packets'],
  ])('%s: %s', async (name) => {
    const r = await scan(name);
    expect(r.findings.map(brief)).toEqual([]);
    expect(r.nodes).toEqual([]);
    // The whole capture was read (a negative that stopped early would prove nothing).
    expect(r.packets).toBe(recordsIn(name));
  });

  test('node peer traffic (Bitcoin version/verack on 8333, Monero Levin on 18080) is no finding, only a node contact', async () => {
    const r = await scan('neg-node-p2p.pcap');
    expect(r.findings.map(brief)).toEqual([]);
    expect(r.nodes.map(({ firstSeen, lastSeen, ...n }) => n)).toEqual([
      { type: 'node', host: '10.20.34.10', peer: '203.0.113.41', peerPort: 8333, protocol: 'bitcoin-p2p', flows: 1, packets: 11, bytes: 837 },
      { type: 'node', host: '10.20.34.10', peer: '203.0.113.42', peerPort: 18080, protocol: 'monero-p2p', flows: 1, packets: 12, bytes: 4128 },
    ]);
  });

  test('a shared CDN address: TLS with an ordinary SNI to an address a pool DNS answer gave is no pool connection', async () => {
    const r = await scan('neg-shared-cdn.pcap');
    expect(r.findings.filter((f) => f.poolPort === 443).map(brief)).toEqual([]);
  });

  test('a shared CDN address: plain HTTP whose Host names an ordinary site is no pool connection either', async () => {
    const r = await scan('neg-shared-cdn.pcap');
    expect(r.findings.filter((f) => f.poolPort === 80).map(brief)).toEqual([]);
  });

  test('a shared CDN address: the pool lookup itself stays a low dns finding, without a pool address, counted once', async () => {
    const r = await scan('neg-shared-cdn.pcap');
    expect(r.findings.map(brief)).toEqual(['10.20.36.10 -> null:null dns low c3pool.com']);
    expect(r.findings[0].evidence).toEqual(['looked up pool host c3pool.com (C3Pool) 1 time(s) via 10.20.36.53; answered 203.0.113.44; no connection to it seen']);
  });
});

describe('the CLI on the negative captures', () => {
  const files = NEGATIVES.map((n) => join(DIR, n));

  test('no finding but the shared-CDN lookup; node lines only with --nodes, typed "node"', () => {
    const plain = runCli(['scan', ...files, '--format', 'jsonl']);
    expect([plain.status, plain.stderr]).toEqual([0, '']);
    const a = parseJsonl(plain.stdout);
    expect(a.findings.map((f) => [f.type, f.host, f.protocol, f.domain])).toEqual([['finding', '10.20.36.10', 'dns', 'c3pool.com']]);
    expect(a.summary).toMatchObject({ files: NEGATIVES.length, findings: 1, warnings: [] });

    const withNodes = runCli(['scan', ...files, '--format', 'jsonl', '--nodes']);
    expect(withNodes.status).toBe(0);
    const b = parseJsonl(withNodes.stdout);
    const nodes = b.findings.filter((f) => f.type === 'node');
    expect(b.findings.filter((f) => f.type === 'finding')).toEqual(a.findings);
    expect(nodes.map((n) => [n.host, n.peer, n.peerPort, n.protocol])).toEqual([
      ['10.20.34.10', '203.0.113.41', 8333, 'bitcoin-p2p'],
      ['10.20.34.10', '203.0.113.42', 18080, 'monero-p2p'],
    ]);
  });
});
