/**
 * Issue #13: a mining session sent as IP fragments is found as if it had been
 * sent whole, by one thread and by sharded worker threads, and tshark
 * reassembles the committed capture to the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { readCapture } from '../../src/capture/read';
import { writePcap } from '../../src/capture/writer';
import { loadSignatures } from '../../src/detect/signatures';
import { packageRoot } from '../../src/paths';
import type { Finding } from '../../src/report/finding';
import { scanThreaded } from '../../src/shard/run';
import { XMR_WALLET, fragmentedXmrig } from '../../pcaps/detect/generate';
import { Conversation, toRecords, udpFrame, type Timed } from '../support/craft';
import { dnsMessage } from '../support/craft-protocols';
import { fragmentFrames, type Piece } from '../support/fragments';

const COMMITTED = join(packageRoot(), 'pcaps', 'detect', 'fragmented-xmrig.pcap');
const dir = mkdtempSync(join(tmpdir(), 'pw-frag-'));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

async function scanOne(path: string): Promise<{ findings: Finding[]; analyzer: Analyzer }> {
  const analyzer = new Analyzer(loadSignatures(), { ...DEFAULT_ANALYZER_OPTIONS });
  const warnings: string[] = [];
  await readCapture(path, analyzer, (w) => warnings.push(w.message));
  expect(warnings).toEqual([]);
  return { findings: analyzer.finish(), analyzer };
}

async function scanSharded(path: string, threads: number): Promise<{ findings: Finding[]; warnings: string[] }> {
  const run = await scanThreaded([{ path, explicit: true }], [], { ...DEFAULT_ANALYZER_OPTIONS }, threads, () => {});
  return { findings: run.report.findings(), warnings: run.warnings };
}

const LOGIN = (wallet: string): string => `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${wallet}","pass":"x","agent":"XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0","algo":["rx/0"]}}\n`;
const JOB = `{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"a1b2","job":{"blob":"${'0e'.repeat(76)}","job_id":"j1","target":"b88d0600","algo":"rx/0","height":3100000,"seed_hash":"${'5a'.repeat(32)}"},"status":"OK"}}\n`;

/** A login and job between `client` and `server`; IPv6 when the addresses are. */
function session(client: string, server: string, port: number, login = LOGIN(XMR_WALLET)): Timed[] {
  return new Conversation({ client, server, clientPort: port, serverPort: 3333 }).handshake().client(login).server(JOB).close().frames;
}

describe('pcaps/detect/fragmented-xmrig.pcap', () => {
  test('gives the finding of the same session sent whole, field for field', async () => {
    const { findings, analyzer } = await scanOne(COMMITTED);
    const whole = await scanOne(file('whole.pcap', fragmentedXmrig(false)));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ host: '10.20.60.10', pool: '198.51.100.60', poolPort: 3333, protocol: 'cryptonote', confidence: 'high', login: XMR_WALLET, worker: 'frag-rig-60', sharesAccepted: 2 });
    expect(findings).toEqual(whole.findings);
    expect(analyzer.decodeStats.reassembled).toBe(5);
    expect(analyzer.decodeStats.fragmentOverlaps).toBe(0);
    expect(analyzer.warningLines()).toEqual([]);
  });

  test('worker threads (two shards) report what one thread does', async () => {
    const one = await scanOne(COMMITTED);
    const sharded = await scanSharded(COMMITTED, 3);
    expect(sharded.findings).toEqual(one.findings);
    expect(sharded.warnings).toEqual([]);
  });

  const tshark = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
  (tshark.status === 0 ? test : test.skip)('tshark reassembles the same TCP payloads as the session sent whole', () => {
    const payloads = (path: string): string[] => {
      const r = spawnSync('tshark', ['-r', path, '-T', 'fields', '-e', 'tcp.payload'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    const whole = payloads(file('whole-tshark.pcap', fragmentedXmrig(false)));
    expect(whole.length).toBe(7);
    expect(payloads(COMMITTED)).toEqual(whole);
  });
});

describe('fragmented sessions crafted here', () => {
  test.each([
    ['IPv4', '10.20.61.10', '198.51.100.61'],
    ['IPv6', '2001:db8:61::10', '2001:db8:61::1'],
  ])('%s: in order, reversed and overlapping, the finding of the whole session', async (_v, client, server) => {
    const sent = session(client, server, 51061);
    const orders: Array<(p: Piece[]) => Piece[]> = [(p) => p, (p) => [...p].reverse(), (p) => [...p, ...p.slice(1, 3)]];
    const want = (await scanOne(file(`whole-${_v}.pcap`, writePcap(toRecords(sent), { linkType: 1 })))).findings;
    expect(want).toHaveLength(1);
    expect(want[0].login).toBe(XMR_WALLET);
    for (const [i, order] of orders.entries()) {
      const got = await scanOne(file(`frag-${_v}-${i}.pcap`, writePcap(toRecords(fragmentFrames(sent, 64, order)), { linkType: 1 })));
      expect(got.findings).toEqual(want);
    }
  });

  test('a login missing a fragment is not found, and nothing is held at the end', async () => {
    const sent = fragmentFrames(session('10.20.62.10', '198.51.100.62', 51062), 64, (p) => p.filter((_, i) => i !== 1));
    const got = await scanOne(file('missing.pcap', writePcap(toRecords(sent), { linkType: 1 })));
    expect(got.findings.map((f) => f.login)).not.toContain(XMR_WALLET);
  });

  test('a forged overlap: the first copy is read, the summary line names file, offset and hosts, by one thread and by shards alike', async () => {
    const forged = '4' + '9'.repeat(XMR_WALLET.length - 1);
    // The forged wallet sits in the overlap: sent first, it is what the host keeps, and what is reported.
    const real = session('10.20.63.10', '198.51.100.63', 51063);
    let n = 0;
    const order = (p: Piece[]): Piece[] => {
      if (n++ > 0) return p;
      const at = LOGIN(XMR_WALLET).indexOf(XMR_WALLET) + 20;
      const start = Math.floor(at / 8) * 8;
      const fake = Buffer.from(LOGIN(forged)).subarray(start - 20, start - 20 + 64);
      return [{ start, end: start + 64, bytes: fake }, ...p];
    };
    const path = file('forged.pcap', writePcap(toRecords(fragmentFrames(real, 64, order)), { linkType: 1 }));
    const one = await scanOne(path);
    expect(one.analyzer.decodeStats.fragmentOverlaps).toBeGreaterThan(0);
    const lines = one.analyzer.warningLines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: offset \\d+: IPv4 fragment 10\\.20\\.63\\.10 -> 198\\.51\\.100\\.63 .*different bytes`));
    expect(one.findings).toHaveLength(1);
    expect(one.findings[0].login).not.toBe(XMR_WALLET);
    const sharded = await scanSharded(path, 3);
    expect(sharded.findings).toEqual(one.findings);
    expect(sharded.warnings).toEqual(lines);
  });

  test('a DNS answer sent as UDP fragments ties its address to the pool, as the whole answer does, by one thread and by shards', async () => {
    const name = 'xmr-eu1.nanopool.org';
    const q = [{ name, type: 1 }];
    const answers = Array.from({ length: 12 }, (_, i) => ({ name, type: 1, ttl: 300, data: `198.51.100.${64 + i}` }));
    const answer = dnsMessage({ id: 0x6464, response: true, flags: 0x0180, questions: q, answers, edns: true });
    const t0 = Date.UTC(2026, 1, 2, 11, 0, 0);
    const dns = [udpFrame('10.20.64.10', '10.20.64.53', 41064, 53, dnsMessage({ id: 0x6464, questions: q, edns: true }), t0), udpFrame('10.20.64.53', '10.20.64.10', 53, 41064, answer, t0 + 5)];
    const tls = new Conversation({ client: '10.20.64.10', server: '198.51.100.70', clientPort: 51064, serverPort: 14433, startMs: t0 + 50 })
      .handshake().client(Buffer.from('170303004a' + 'ab'.repeat(74), 'hex')).close().frames;
    const whole = await scanOne(file('dns-whole.pcap', writePcap(toRecords([...dns, ...tls]), { linkType: 1 })));
    expect(whole.findings).toHaveLength(1);
    expect(whole.findings[0]).toMatchObject({ host: '10.20.64.10', pool: '198.51.100.70', domain: name });
    const path = file('dns-frag.pcap', writePcap(toRecords([...fragmentFrames(dns, 64, (p) => [...p].reverse()), ...tls]), { linkType: 1 }));
    const got = await scanOne(path);
    // The question fits in one fragment's room and goes whole; the answer goes in pieces.
    expect(got.analyzer.decodeStats.reassembled).toBe(1);
    expect(got.findings).toEqual(whole.findings);
    expect((await scanSharded(path, 3)).findings).toEqual(whole.findings);
  });
});
