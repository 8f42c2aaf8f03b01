/**
 * The live benchmark's own accounting on real processes and real tool output:
 * /proc CPU of a process tree with threads and a child, the pcap cut and
 * repeat it replays and scans, and what tcpreplay, trafgen, tcpdump,
 * ndpiReader and poolwatch live print about one replay of a sample capture in
 * a namespace of the test's own (needs root; skipped otherwise).
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILD_CLI, CLI_SHIM, repoRoot } from '../../bench/common';
import { cutPcap, repeatPcap } from '../../bench/live/cut';
import { Netns } from '../../bench/live/netns';
import { comparableFindings, findingsDiff, median, spread } from '../../bench/live/parse';
import { parseStat, processTree, treeCpu, voluntarySwitches } from '../../bench/live/proc';
import { sleep, startCapturer, tcpreplay, trafgen, trafgenConfig } from '../../bench/live/tools';

const SAMPLE = path.join(repoRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap');
const WEB = path.join(repoRoot(), 'pcaps', 'samples', 'web-browsing.pcapng');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-livebench-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const onPath = (t: string): boolean => ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].some((d) => fs.existsSync(path.join(d, t)));

describe('/proc accounting', () => {
  it('reads a stat line whose command name holds spaces and parentheses', async () => {
    const odd = path.join(tmp, 'a) (b c');
    fs.copyFileSync('/bin/sleep', odd);
    fs.chmodSync(odd, 0o755);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await sleep(200);
      const st = parseStat(fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8'));
      expect(st.pid).toBe(child.pid);
      expect(st.comm).toBe('a) (b c');
      expect(st.ppid).toBe(process.pid);
      expect(st.state).toBe('S');
      expect(st.threads).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('counts the CPU of every thread and child process of a tree, an exited thread too', async () => {
    // The child burns 0.3 s of CPU in a worker thread that then exits, starts a grandchild that
    // burns 0.3 s of its own, and waits; the tree's CPU must hold both.
    const burn = 'const t0=process.cpuUsage();while(process.cpuUsage(t0).user<300000){}';
    const script = `
      const { Worker } = require('node:worker_threads');
      const { spawn } = require('node:child_process');
      const w = new Worker(${JSON.stringify(burn)}, { eval: true });
      w.on('exit', () => {
        const g = spawn(process.execPath, ['-e', ${JSON.stringify(burn + 'setTimeout(()=>{},30000)')}], { stdio: 'ignore' });
        setTimeout(() => { console.log(g.pid); }, 1500);
      });
      setTimeout(() => {}, 30000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let grandchild = 0;
    try {
      grandchild = await new Promise<number>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
      const tree = processTree(child.pid!);
      expect(tree.map((p) => p.pid).sort()).toEqual([child.pid!, grandchild].sort());
      const cpu = treeCpu(child.pid!);
      expect(cpu.processes).toBe(2);
      expect(cpu.seconds).toBeGreaterThanOrEqual(0.6);
      expect(cpu.userS + cpu.systemS).toBeCloseTo(cpu.seconds, 6);
      // The worker thread is gone, yet the child's own stat still holds its 0.3 s.
      const own = treeCpu(grandchild).seconds;
      expect(cpu.seconds - own).toBeGreaterThanOrEqual(0.3);
      expect(cpu.threads.some((t) => t.pid === grandchild)).toBe(true);
    } finally {
      if (grandchild) process.kill(grandchild, 'SIGKILL');
      child.kill('SIGKILL');
    }
  });

  it('counts the times a thread slept and woke', async () => {
    const child = spawn(process.execPath, ['-e', 'let n=0;const t=()=>{if(++n<40)setTimeout(t,5);else console.log("done")};t();setTimeout(()=>{},30000)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      const cpu = treeCpu(child.pid!);
      expect(cpu.sleeps).toBeGreaterThanOrEqual(40);
      expect(cpu.sleeps).toBe(cpu.threads.reduce((a, t) => a + t.sleeps, 0));
      expect(voluntarySwitches('/proc/self/status')).toBeGreaterThan(0);
      expect(voluntarySwitches('/proc/no-such-pid/status')).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('pcap cut and repeat', () => {
  it('cuts the first records byte for byte and repeats them under one header', () => {
    const cut = path.join(tmp, 'cut.pcap');
    expect(cutPcap(SAMPLE, cut, 5)).toBe(5);
    const src = fs.readFileSync(SAMPLE);
    const got = fs.readFileSync(cut);
    expect(got.length).toBeLessThan(src.length);
    expect(got.equals(src.subarray(0, got.length))).toBe(true);
    expect(execFileSync('capinfos', ['-M', '-c', cut], { encoding: 'utf8' })).toMatch(/Number of packets:\s+5\b/);
    expect(cutPcap(SAMPLE, path.join(tmp, 'all.pcap'), 1000)).toBe(12);
    const rep = path.join(tmp, 'rep.pcap');
    repeatPcap(cut, rep, 3);
    expect(execFileSync('capinfos', ['-M', '-c', rep], { encoding: 'utf8' })).toMatch(/Number of packets:\s+15\b/);
    expect(() => cutPcap(WEB, path.join(tmp, 'ng.pcap'), 1)).toThrow(/not a classic pcap/);
  });
});

describe('medians and spread', () => {
  it('takes the middle of the finite values and the range over it', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, NaN, 2, 3])).toBe(2.5);
    expect(spread([0.9, 1, 1.2])).toBeCloseTo(0.3, 10);
    expect(spread([5])).toBe(0);
  });
});

const ready = isRoot && ['tcpreplay', 'tcpdump', 'ndpiReader', 'ip'].every(onPath);
const maybe = ready ? describe : describe.skip;

maybe('one replay of a sample in a namespace, read back from each tool', () => {
  const ns = new Netns();
  beforeAll(() => ns.up());
  afterAll(() => ns.del());
  const opts = { tmp, bufferMiB: 4, maxMs: 60_000 };

  it('tcpreplay sends all 12 packets; tcpdump and ndpiReader say they saw 12, none dropped', async () => {
    for (const name of ['tcpdump', 'ndpiReader'] as const) {
      const cap = await startCapturer(ns, name, opts);
      const sent = await tcpreplay(ns, SAMPLE, { rate: 1000, maxMs: 30_000 });
      expect(sent).toMatchObject({ sent: 12, failed: 0 });
      expect(sent.pps).toBeGreaterThan(0);
      await sleep(1300);
      expect(cap.cpu().processes).toBe(1);
      const end = await cap.stop();
      expect(end.seen).toBe(12);
      expect(end.dropped).toBe(name === 'tcpdump' ? 0 : null);
    }
  });

  it('poolwatch live, one worker and two, finds what scan finds in the same packets, and the loop count multiplies them', async () => {
    const twice = path.join(tmp, 'twice.pcap');
    repeatPcap(SAMPLE, twice, 2);
    const out = path.join(tmp, 'scan.jsonl');
    execFileSync(process.execPath, ['-e', CLI_SHIM, BUILD_CLI, 'scan', twice, '-f', 'jsonl', '-o', out]);
    const scanned = comparableFindings(fs.readFileSync(out, 'utf8'), false);
    expect(scanned).toHaveLength(1);
    expect(JSON.parse(scanned[0])).toContainEqual(['packets', 24]);
    for (const name of ['live', 'live-w2'] as const) {
      const cap = await startCapturer(ns, name, opts);
      const sent = await tcpreplay(ns, SAMPLE, { rate: 1000, loop: 2, maxMs: 30_000 });
      expect(sent.sent).toBe(24);
      await sleep(500);
      const end = await cap.stop();
      expect(end.seen).toBe(24);
      expect(end.dropped).toBe(0);
      expect(end.workers).toHaveLength(name === 'live' ? 1 : 2);
      expect(end.workers.reduce((a, w) => a + w.packets, 0)).toBe(24);
      expect(findingsDiff(end.findings!, scanned)).toEqual({ onlyA: [], onlyB: [] });
      expect(end.findings).toEqual(scanned);
    }
  });

  (onPath('trafgen') ? it : it.skip)('trafgen sends the frames of its configuration byte for byte, as many as asked', async () => {
    const cfg = path.join(tmp, 'sample.cfg');
    expect(trafgenConfig(SAMPLE, cfg, 1000)).toBe(12);
    const file = path.join(tmp, 'trafgen-got.pcap');
    const dump = ns.spawn(['tcpdump', '-i', 'va', '-n', '-U', '-w', file]);
    const limit = setTimeout(() => dump.kill('SIGKILL'), 30_000);
    try {
      let err = '';
      dump.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      while (!/listening on/.test(err)) await sleep(25);
      const sent = await trafgen(ns, cfg, 24, 30_000);
      expect(sent.sent).toBe(24);
      // tcpdump -w reads its ring when a block retires, 1 s after its first packet; SIGINT does not drain it.
      await sleep(1500);
      dump.kill('SIGINT');
      await new Promise((r) => dump.on('close', r));
      // Each sample frame twice, in order, as the sample holds them.
      const frames = (f: string): string[] => execFileSync('tcpdump', ['-r', f, '-n', '-x', '-tt'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\n(?=\d)/).map((p) => p.replace(/^\S+ /, '').trim());
      const want = frames(SAMPLE);
      expect(frames(file)).toEqual([...want, ...want]);
    } finally {
      clearTimeout(limit);
      dump.kill('SIGKILL');
    }
  });
});
