/**
 * The captures of real programs under pcaps/real/ (recorded by
 * pcaps/lab/record.ts) against their manifest: each file is checked as a
 * classic pcap that tcpdump wrote with a full snap length, and poolwatch's CLI
 * must report exactly the findings the manifest expects — the miner's pool,
 * port, protocol, DNS name, login, worker, agent, algorithm and at least the
 * shares the stand-in pool received — and nothing at all for benign traffic.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import type { CaptureEntry } from '../../pcaps/lab/scenarios';
import { expectFinding, scanCapture } from './scan-cli';

const dir = join(packageRoot(), 'pcaps', 'real');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { captures: CaptureEntry[] };

describe('pcaps/real manifest', () => {
  test('covers the lab\'s required scenarios', () => {
    const names = manifest.captures.map((c) => c.scenario);
    const miners = manifest.captures.filter((c) => c.program === 'XMRig');
    const benign = manifest.captures.filter((c) => c.expect.findings.length === 0);
    expect(miners.length).toBeGreaterThanOrEqual(7);
    expect(benign.length).toBeGreaterThanOrEqual(4);
    for (const n of ['xmrig-plain-dns', 'xmrig-tls', 'xmrig-nicehash', 'xmrig-daemon', 'xmrig-port443', 'xmrig-keepalive', 'xmrig-small-mtu', 'stratum1-client', 'tls-sni-client']) {
      expect(names).toContain(n);
    }
  });
});

describe.each(manifest.captures.map((c) => [c.file, c] as const))('%s', (file, entry) => {
  const path = join(dir, file);

  test('is the classic pcap tcpdump wrote (Ethernet, full snap length, packet count as recorded)', () => {
    const b = readFileSync(path);
    expect(b.length).toBe(entry.bytes);
    expect(b.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(b.readUInt32LE(16)).toBe(262144);
    expect(b.readUInt32LE(20)).toBe(1);
    let n = 0;
    let maxLen = 0;
    for (let off = 24; off < b.length; n++) {
      const incl = b.readUInt32LE(off + 8);
      expect(b.readUInt32LE(off + 12)).toBe(incl); // nothing cut by the snap length
      maxLen = Math.max(maxLen, incl);
      off += 16 + incl;
    }
    expect(n).toBe(entry.packets);
    // Offloads are off in the lab, so no frame is larger than the link allows (MTU + Ethernet header).
    expect(maxLen).toBeLessThanOrEqual(entry.mtu + 14);
  });

  test(entry.expect.findings.length ? `poolwatch reports ${entry.scenario}` : `poolwatch reports nothing for ${entry.scenario}`, () => {
    const r = scanCapture(path);
    expect(r.stderr).not.toMatch(/Error|at .*\.js:\d+/);
    expect(r.summary).toBeDefined();
    for (const exp of entry.expect.findings) expectFinding(r.findings, exp);
    // Exactly these findings: no extra one for the DNS server, the stand-in's other traffic or a benign session.
    expect(r.findings.map((f) => `${String(f.pool)}:${String(f.poolPort)}`).sort()).toEqual(entry.expect.findings.map((f) => `${f.pool}:${f.poolPort}`).sort());
  });
});
