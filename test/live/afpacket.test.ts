/**
 * The AF_PACKET ring on a real veth (namespace made and removed here): kernel
 * timestamps follow a replay's spacing, the BPF filter compiled by libpcap
 * really filters in the kernel, the snap length is honoured in the ring, and
 * VLAN-tagged frames arrive byte for byte. Needs root and `ip netns`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAfPacket } from '../../src/capture/afpacket/native';
import { writePcap, type Record } from '../../src/capture/writer';
import { sampleRecords } from '../capture/collect';
import { ether, ip, tcp } from '../support/craft';
import { VethNs, labAvailable, missing } from './netns';
import type { Dump, DumpRequest } from './ring-dump';

const avail = labAvailable();
const addon = loadAfPacket();
const maybe = avail.ok ? describe : describe.skip;
const title = avail.ok ? 'AF_PACKET ring on a veth' : `AF_PACKET ring on a veth (skipped: ${avail.why}; needs root and ip netns)`;

const DUMP = join(__dirname, 'ring-dump.js');
const tmp = mkdtempSync(join(tmpdir(), 'pw-live-ring-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** ring-dump inside the namespace; resolves once it is bound, then with its dump. */
async function dump(ns: VethNs, req: DumpRequest): Promise<{ done: Promise<Dump> }> {
  const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, DUMP, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  const limit = setTimeout(() => child.kill('SIGKILL'), req.ms + 10_000);
  const done = new Promise<Dump>((resolve, reject) =>
    child.on('close', (code) => {
      clearTimeout(limit);
      if (code === 0) resolve(JSON.parse(out) as Dump);
      else reject(new Error(`ring-dump exit ${code}: ${err}`));
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      err += t;
      if (err.includes('ready')) resolve();
    });
    child.on('close', () => reject(new Error(`ring-dump ended before it was ready: ${err}`)));
  });
  return { done };
}

function pcapFile(name: string, records: Record[]): string {
  const file = join(tmp, name);
  writeFileSync(file, writePcap(records, { linkType: 1 }));
  return file;
}

maybe(title, () => {
  beforeAll(() => {
    expect(missing(['tcpreplay'])).toEqual([]);
    // On Linux `npm ci` builds the addon (.ci/run installs what it needs): missing, it is a set-up error, not a reason to skip.
    expect(typeof addon === 'string' ? addon : null).toBeNull();
  });

  test('kernel timestamps (ns) follow the replay: 100 frames at 50 pps are 20 ms apart, bytes as sent', async () => {
    const records = sampleRecords(100);
    const file = pcapFile('spacing.pcap', records);
    const ns = new VethNs().up();
    try {
      const d = await dump(ns, { device: 'va', filter: '', snaplen: 65535, count: 100, ms: 15_000 });
      const before = BigInt(Date.now()) * 1_000_000n;
      ns.exec(['tcpreplay', '-q', '-i', 'vb', '--pps', '50', '--timer', 'nano', file], 30_000);
      const got = await d.done;
      expect(got.frames).toHaveLength(100);
      expect(got.stats).toEqual({ packets: 100, drops: 0, freezes: 0 });
      expect(got.frames.map((f) => f.hex)).toEqual(records.map((r) => r.data.toString('hex')));
      const ts = got.frames.map((f) => BigInt(f.ts));
      // The wall clock of this replay, not the capture file's (which is from 2023).
      expect(ts[0] >= before - 1_000_000_000n && ts[0] < before + 10_000_000_000n).toBe(true);
      const gaps = ts.slice(1).map((t, i) => Number(t - ts[i]) / 1e6);
      const sorted = [...gaps].sort((a, b) => a - b);
      // Gaps of 20 ms, far above what a busy machine's scheduling does to tcpreplay's pacing
      // (at 2 ms a descheduled sender caught up in bursts and most gaps were 15 us).
      expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThan(16);
      expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(24);
      const span = Number(ts[ts.length - 1] - ts[0]) / 1e6;
      expect(span).toBeGreaterThan(99 * 20 * 0.8);
      expect(span).toBeLessThan(99 * 20 * 1.3);
      // Not all equal, not all the moment they were read: real per-packet times, below the microsecond.
      expect(new Set(got.frames.map((f) => f.ts.slice(-3))).size).toBeGreaterThan(20);
    } finally {
      ns.del();
    }
  }, 60_000);

  test('a BPF filter (compiled by libpcap, run in the kernel) keeps only what it names; the snap length cuts in the ring', async () => {
    const records = sampleRecords(400);
    const file = pcapFile('mixed.pcap', records);
    const ns = new VethNs().up();
    try {
      // Every other record is a DNS datagram: 200 of the 400 pass the filter.
      const d = await dump(ns, { device: 'va', filter: 'udp and dst port 53', snaplen: 100, count: 200, ms: 15_000 });
      ns.exec(['tcpreplay', '-q', '-i', 'vb', '--pps', '2000', file], 30_000);
      const got = await d.done;
      const udp = records.filter((_, i) => i % 2 === 1);
      // Filtered packets never reach the ring, and the kernel does not count them.
      expect(got.stats).toEqual({ packets: 200, drops: 0, freezes: 0 });
      expect(got.frames.map((f) => [f.cap, f.orig])).toEqual(udp.map((r) => [Math.min(100, r.data.length), r.data.length]));
      expect(got.frames.map((f) => f.hex)).toEqual(udp.map((r) => r.data.subarray(0, 100).toString('hex')));
    } finally {
      ns.del();
    }
  }, 60_000);

  test('802.1Q and QinQ frames arrive byte for byte (a tag the kernel takes off is put back)', async () => {
    const seg = (n: number) => ip('10.0.0.1', '10.0.0.2', 6, tcp('10.0.0.1', '10.0.0.2', 40000 + n, 3333, `frame ${n}`, { flags: 'PA' }));
    const records: Record[] = [ether(seg(1), 0x0800, [42]), ether(seg(2), 0x0800, [7, 42]), ether(seg(3)), ether(seg(4), 0x0800, [4094])].map((data, i) => ({ tsNs: BigInt(i) * 1_000_000n, data }));
    const file = pcapFile('vlan.pcap', records);
    const ns = new VethNs().up();
    try {
      const d = await dump(ns, { device: 'va', filter: '', snaplen: 65535, count: 4, ms: 10_000 });
      ns.exec(['tcpreplay', '-q', '-i', 'vb', '--pps', '100', file], 30_000);
      const got = await d.done;
      expect(got.frames.map((f) => f.hex)).toEqual(records.map((r) => r.data.toString('hex')));
      expect(got.frames.map((f) => f.orig)).toEqual(records.map((r) => r.data.length));
    } finally {
      ns.del();
    }
  }, 60_000);
});
