/**
 * `poolwatch live` as a user runs it, on a veth pair inside a namespace this
 * file makes and removes: captures replayed with tcpreplay must give the same
 * findings as `scan` on the same file; drops, a vanished interface, a full
 * disk, and every start-up failure must be told plainly. Needs root and
 * `ip netns` (CI runs as root); skipped elsewhere, with the reason in the name.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap, type Record } from '../../src/capture/writer';
import { packageRoot } from '../../src/paths';
import { readAll, sampleRecords } from '../capture/collect';
import { parseJsonl, runCli } from '../support/cli';
import { LIVE_NS_PREFIX, VethNs, labAvailable, logLines, missing, replay, sleep, startCli, streamLines } from './netns';

const avail = labAvailable();
const maybe = avail.ok ? describe : describe.skip;
const title = avail.ok ? 'poolwatch live on a veth' : `poolwatch live on a veth (skipped: ${avail.why}; needs root and ip netns)`;

const SHIM = join(__dirname, '..', 'support', 'cli-shim.js');
const tmp = mkdtempSync(join(tmpdir(), 'pw-live-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Fields that depend on when packets were seen, not on what they were. */
/** When it was seen, and what is computed from that (durations, rates): tcpreplay keeps the spacing only roughly. */
const TIMED = /^(firstSeen|lastSeen|event)$|^hashrate|Seconds$/;

function comparable(f: { [k: string]: unknown }): { [k: string]: unknown } {
  const out: { [k: string]: unknown } = {};
  for (const [k, v] of Object.entries(f)) {
    if (TIMED.test(k)) continue;
    // A connection's times are when it was seen too; the rest of it (ports, Community ID, counts) is what was sent.
    out[k] = k === 'connections' && Array.isArray(v) ? v.map((c: { [k: string]: unknown }) => comparable(c)) : v;
  }
  return out;
}

function byKey(a: { [k: string]: unknown }, b: { [k: string]: unknown }): number {
  const ka = `${String(a.host)}|${String(a.pool)}|${String(a.poolPort)}|${String(a.domain)}`;
  const kb = `${String(b.host)}|${String(b.pool)}|${String(b.poolPort)}|${String(b.domain)}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Every committed capture (the lab's real programs and the samples) in one
 * Ethernet pcap, one millisecond apart: the timing tcpreplay keeps, so scan
 * and live see the same packets at the same spacing.
 */
async function combinedCapture(): Promise<{ file: string; records: Record[] }> {
  const root = packageRoot();
  const files = ['pcaps/real', 'pcaps/samples'].flatMap((d) =>
    readdirSync(join(root, d))
      .filter((n) => /\.pcap(ng)?$/.test(n))
      .sort()
      .map((n) => join(root, d, n)),
  );
  const records: Record[] = [];
  const t0 = 1_800_000_000_000_000_000n;
  for (const f of files) {
    const got = await readAll(f);
    for (const fr of got.frames) {
      if (fr.linkType !== 1) continue;
      records.push({ tsNs: t0 + BigInt(records.length) * 1_000_000n, data: fr.data });
    }
  }
  const file = join(tmp, 'combined.pcap');
  writeFileSync(file, writePcap(records, { linkType: 1 }));
  return { file, records };
}

/** Waits until a stats line says libpcap delivered at least `n` packets. */
async function delivered(stderr: () => string, n: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (logLines(stderr()).some((l) => l.msg === 'capture stats' && (l.packets as number) >= n)) return;
    await sleep(50);
  }
}

maybe(title, () => {
  beforeAll(() => {
    // Root with namespaces but without these is a set-up error (.ci/run installs them), not a reason to skip.
    expect(missing(['tcpreplay', 'setpriv', 'unshare', 'mount'])).toEqual([]);
  });

  test.each([1, 2])('live --workers %i reports the same findings as scan on the replayed capture, with no drop', async (workers) => {
    const { file, records } = await combinedCapture();
    expect(records.length).toBeGreaterThan(300);
    const scan = parseJsonl(runCli(['scan', file, '-f', 'jsonl']).stdout);
    expect(scan.findings.length).toBeGreaterThanOrEqual(8);
    const ns = new VethNs().up();
    try {
      const out = join(tmp, `replay-${workers}.jsonl`);
      const alerts = join(tmp, `alerts-${workers}.jsonl`);
      const run = startCli(ns.name, ['live', '-i', 'va', '-w', String(workers), '-o', out, '--stats-interval', '0.25', '--update-interval', '0', '--alert-cmd', `cat >> ${alerts}`]);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      const sent = replay(ns, 'vb', file);
      expect(sent).toBe(records.length);
      await delivered(run.stderr, sent, 10_000);
      // SIGINT here (Ctrl-C); the other tests stop with SIGTERM.
      const exit = await run.stop('SIGINT');
      expect(exit).toEqual({ code: 0, signal: null });
      const { records: lines, summary } = streamLines(readFileSync(out, 'utf8'));
      expect(summary).toMatchObject({ type: 'summary', engine: 'afpacket', packets: sent, received: sent, dropped: 0, ifDropped: 0, queueDropped: 0, stoppedBy: 'SIGINT', warnings: [] });
      // The work divides: each thread took a share (the kernel's flow hash), every packet counted once, CPU per thread.
      const threads = summary!.workers as Array<{ [k: string]: number }>;
      expect(threads.map((t) => t.worker)).toEqual(Array.from({ length: workers }, (_, i) => i));
      expect(threads.reduce((n, t) => n + t.packets, 0)).toBe(sent);
      for (const t of threads) {
        expect(t.packets).toBeGreaterThan(0);
        expect(t.cpuUserMs + t.cpuSystemMs).toBeGreaterThan(0);
      }
      const finals = lines.filter((l) => l.event === 'final');
      expect(finals.map(comparable).sort(byKey)).toEqual(scan.findings.map(comparable).sort(byKey));
      // Each pair was announced as new once, before its final line.
      const news = lines.filter((l) => l.event === 'new');
      for (const f of finals.filter((x) => x.protocol !== 'dns')) expect(news.filter((n) => byKey(n, f) === 0)).toHaveLength(1);
      // --alert-cmd ran once for every new line, with that line on its stdin.
      const alerted = readFileSync(alerts, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { [k: string]: unknown });
      expect(alerted.sort(byKey)).toEqual(news.sort(byKey));
      // The health line carries the counters the issue asks for.
      const stats = logLines(run.stderr()).filter((l) => l.msg === 'capture stats');
      expect(stats.length).toBeGreaterThan(0);
      expect(Object.keys(stats[stats.length - 1])).toEqual(
        expect.arrayContaining(['packets', 'bytes', 'pps', 'mbps', 'flows', 'findings', 'received', 'dropped', 'freezes', 'ifDropped', 'workers']),
      );
      expect(logLines(run.stderr()).filter((l) => (l.level as number) >= 40)).toEqual([]);
    } finally {
      ns.del();
    }
  }, 60_000);

  test('at the sender\'s top speed the accounting is exact: every packet sent is analyzed or counted as a kernel drop', async () => {
    const file = join(tmp, 'flood.pcap');
    writeFileSync(file, writePcap(sampleRecords(20_000), { linkType: 1 }));
    const ns = new VethNs().up();
    try {
      // Two 128 KiB blocks of ring: a burst at full speed may overflow it, and whatever it drops must be counted.
      const out = join(tmp, 'flood.jsonl');
      const run = startCli(ns.name, ['live', '-i', 'va', '-o', out, '--buffer-size', '0.25', '--stats-interval', '0.2']);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      const sent = replay(ns, 'vb', file, ['--topspeed', '--loop', '2']);
      await sleep(500);
      const exit = await run.stop('SIGTERM');
      expect(exit.code).toBe(0);
      const { summary } = streamLines(readFileSync(out, 'utf8'));
      const dropped = summary!.dropped as number;
      expect(summary).toMatchObject({ received: summary!.packets, queueDropped: 0 });
      expect((summary!.packets as number) + dropped).toBe(sent);
      const warnings = logLines(run.stderr()).filter((l) => l.level === 40);
      if (dropped > 0) expect(warnings.some((w) => /capture is losing packets/.test(String(w.msg)) && (w.dropped as number) > 0)).toBe(true);
      else expect(warnings).toEqual([]);

      // With the default ring nothing is lost, and the findings are scan's.
      const { file: combined, records } = await combinedCapture();
      const scan = parseJsonl(runCli(['scan', combined, '-f', 'jsonl']).stdout);
      const out2 = join(tmp, 'top.jsonl');
      const run2 = startCli(ns.name, ['live', '-i', 'va', '-o', out2, '--stats-interval', '0']);
      await run2.waitFor(/"msg":"capturing"/, 15_000);
      const sent2 = replay(ns, 'vb', combined, ['--topspeed']);
      expect(sent2).toBe(records.length);
      await sleep(500);
      expect((await run2.stop('SIGTERM')).code).toBe(0);
      const top = streamLines(readFileSync(out2, 'utf8'));
      expect(top.summary).toMatchObject({ packets: sent2, received: sent2, dropped: 0 });
      expect(top.records.filter((l) => l.event === 'final').map(comparable).sort(byKey)).toEqual(scan.findings.map(comparable).sort(byKey));
    } finally {
      ns.del();
    }
  }, 60_000);

  test('without the addon (POOLWATCH_LIVE_ENGINE=cap) live falls back to libpcap through cap, says so once, and still finds the session', async () => {
    const ns = new VethNs().up();
    try {
      const out = join(tmp, 'cap.jsonl');
      const run = startCli(ns.name, ['live', '-i', 'va', '-o', out, '--stats-interval', '0'], { env: { ...process.env, POOLWATCH_LIVE_ENGINE: 'cap' } });
      await run.waitFor(/"msg":"capturing"/, 15_000);
      const sent = replay(ns, 'vb', join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap'), ['--pps', '500']);
      await sleep(300);
      expect((await run.stop('SIGTERM')).code).toBe(0);
      const { records, summary } = streamLines(readFileSync(out, 'utf8'));
      // cap has no pcap_stats: drops are unknown, not estimated.
      expect(summary).toMatchObject({ engine: 'cap', packets: sent, received: sent, dropped: null });
      expect(records.filter((r) => r.event === 'final').map((r) => [r.host, r.pool, r.protocol])).toEqual([['10.1.2.3', '198.51.100.7', 'cryptonote']]);
      const fallback = logLines(run.stderr()).filter((l) => /libpcap fallback/.test(String(l.msg)));
      expect(fallback).toHaveLength(1);
      expect(fallback[0]).toMatchObject({ level: 40, reason: 'POOLWATCH_LIVE_ENGINE=cap' });
    } finally {
      ns.del();
    }
  }, 60_000);

  test('on lo every packet counts once, and no drop is reported where there is none (issue 13: the estimate said received 41, dropped 41)', async () => {
    const ns = new VethNs().up();
    try {
      ns.exec(['ip', 'link', 'set', 'lo', 'up']);
      const out = join(tmp, 'lo.jsonl');
      const run = startCli(ns.name, ['live', '-i', 'lo', '-o', out, '--stats-interval', '0.2']);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      // Sent out of lo, each packet is seen leaving and arriving: one of them is the packet.
      const sent = replay(ns, 'lo', join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap'), ['--pps', '200']);
      await delivered(run.stderr, sent, 5000);
      await sleep(500);
      expect((await run.stop('SIGTERM')).code).toBe(0);
      const { records, summary } = streamLines(readFileSync(out, 'utf8'));
      expect(summary).toMatchObject({ packets: sent, received: sent, dropped: 0, freezes: 0 });
      expect(records.filter((r) => r.event === 'final').map((r) => [r.host, r.pool, r.packets])).toEqual([['10.1.2.3', '198.51.100.7', 12]]);
      const stats = logLines(run.stderr()).filter((l) => l.msg === 'capture stats');
      expect(stats.length).toBeGreaterThan(1);
      for (const l of stats) expect(l.dropped).toBe(0);
      expect(logLines(run.stderr()).filter((l) => (l.level as number) >= 40)).toEqual([]);
    } finally {
      ns.del();
    }
  }, 60_000);

  test('several -i at once feed one analysis; `any` captures in Linux cooked mode', async () => {
    const ns = new VethNs().up();
    try {
      const sample = join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap');
      const out = join(tmp, 'two.jsonl');
      const run = startCli(ns.name, ['live', '-i', 'va', '-i', 'vb', '-o', out, '--stats-interval', '0']);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      const sent = replay(ns, 'vb', sample, ['--pps', '500']);
      await sleep(300);
      expect((await run.stop('SIGTERM')).code).toBe(0);
      const { records, summary } = streamLines(readFileSync(out, 'utf8'));
      // vb sees the replay leave, va sees it arrive: both counted, into one finding.
      expect((summary!.interfaces as Array<{ [k: string]: unknown }>).map((i) => [i.device, i.linkType, i.received, i.dropped])).toEqual([
        ['va', 1, sent, 0],
        ['vb', 1, sent, 0],
      ]);
      expect(summary!.packets).toBe(2 * sent);
      expect(records.filter((r) => r.event === 'final').map((r) => [r.host, r.pool, r.protocol])).toEqual([['10.1.2.3', '198.51.100.7', 'cryptonote']]);

      const anyOut = join(tmp, 'any.jsonl');
      const anyRun = startCli(ns.name, ['live', '-i', 'any', '-o', anyOut, '--stats-interval', '0']);
      await anyRun.waitFor(/"msg":"capturing"/, 15_000);
      replay(ns, 'vb', sample, ['--pps', '500']);
      await sleep(300);
      expect((await anyRun.stop('SIGTERM')).code).toBe(0);
      const any = streamLines(readFileSync(anyOut, 'utf8'));
      // LINKTYPE_LINUX_SLL; the kernel's drop count is exact on `any` too; no interface counters of its own.
      expect(any.summary!.interfaces).toEqual([expect.objectContaining({ device: 'any', linkType: 113, received: 2 * sent, dropped: 0, ifDropped: null })]);
      expect(any.records.filter((r) => r.event === 'final').map((r) => [r.host, r.pool, r.protocol, r.login !== null])).toEqual([['10.1.2.3', '198.51.100.7', 'cryptonote', true]]);
    } finally {
      ns.del();
    }
  }, 60_000);

  test.each([
    ['disappears', ['ip', 'link', 'del', 'va'], /^interface va (disappeared|went down) while capturing/],
    ['goes down', ['ip', 'link', 'set', 'va', 'down'], /^interface va went down while capturing/],
  ])('an interface that %s ends capture with a clear error after the report is flushed', async (how, command, message) => {
    const ns = new VethNs().up();
    try {
      const out = join(tmp, `lost-${how.replace(/ /g, '-')}.jsonl`);
      const run = startCli(ns.name, ['live', '-i', 'va', '-o', out, '--stats-interval', '0']);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      replay(ns, 'vb', join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap'), ['--pps', '500']);
      const end = Date.now() + 5000;
      while (Date.now() < end && !(existsSync(out) && readFileSync(out, 'utf8').includes('"event":"new"'))) await sleep(25);
      ns.exec(command);
      const exit = await run.exited;
      expect(exit).toEqual({ code: 1, signal: null });
      const { records, summary } = streamLines(readFileSync(out, 'utf8'));
      expect(records.filter((r) => r.event === 'final')).toHaveLength(1);
      expect(records.find((r) => r.event === 'final')).toMatchObject({ host: '10.1.2.3', pool: '198.51.100.7', confidence: 'high', packets: 12 });
      expect(summary).toMatchObject({ stoppedBy: 'error', warnings: [expect.stringMatching(message)] });
      const errors = logLines(run.stderr()).filter((l) => l.level === 50);
      expect(errors.map((e) => String(e.msg))).toContain(String(summary!.warnings && (summary!.warnings as string[])[0]));
    } finally {
      ns.del();
    }
  }, 60_000);

  test('a full disk while writing is reported, the file keeps only whole lines, and the findings reach the log', async () => {
    const ns = new VethNs().up();
    const disk = mkdtempSync(join(tmp, 'disk-'));
    const keep = mkdtempSync(join(tmp, 'keep-'));
    try {
      // A 8 KiB tmpfs in a mount namespace of its own: the host's mounts are never touched.
      const script = `mount -t tmpfs -o size=8k tmpfs "$1" || exit 99
"$3" "$4" live -i va -o "$1/out.jsonl" --stats-interval 0 --update-interval 0 &
echo $! > "$2/pid"; wait $!; rc=$?; cp "$1/out.jsonl" "$2/copy.jsonl"; exit $rc`;
      // startCli puts node and the shim after the prefix: they are the script's $3 and $4.
      const run = startCli(ns.name, [], { prefix: ['unshare', '-m', 'sh', '-c', script, 'sh', disk, keep] });
      await run.waitFor(/"msg":"capturing"/, 15_000);
      replay(ns, 'vb', join(packageRoot(), 'pcaps', 'real', 'xmrig-plain-dns.pcap'), ['--pps', '500']);
      replay(ns, 'vb', join(packageRoot(), 'pcaps', 'real', 'xmrig-nicehash.pcap'), ['--pps', '500']);
      await sleep(500);
      process.kill(Number(readFileSync(join(keep, 'pid'), 'utf8')), 'SIGTERM');
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      const logs = logLines(run.stderr());
      const fails = logs.filter((l) => l.level === 50 && l.code === 'ENOSPC');
      expect(fails.length).toBeGreaterThan(0);
      expect(String(fails[0].msg)).toMatch(/cannot write findings to .*out\.jsonl: .*no space left on device/i);
      // What did fit is whole lines only, each a valid finding.
      const text = readFileSync(join(keep, 'copy.jsonl'), 'utf8');
      expect(text.length).toBeGreaterThan(0);
      expect(text.endsWith('\n')).toBe(true);
      // (a short summary line may still fit after longer finding lines did not)
      for (const l of text.trim().split('\n')) expect(['finding', 'summary']).toContain((JSON.parse(l) as { type: string }).type);
      // Not silently lost: the report that did not fit is in the log, whole.
      const rescue = logs.find((l) => Array.isArray(l.findings));
      expect(rescue).toBeDefined();
      expect((rescue!.findings as Array<{ [k: string]: unknown }>).map((f) => f.host).sort()).toEqual(['10.13.37.20', '10.13.37.20']);
      expect(rescue!.summary).toMatchObject({ type: 'summary', findings: 2 });
    } finally {
      ns.del();
    }
  }, 60_000);

  test('start-up failures say what is wrong and exit 2; interfaces lists what can be captured', () => {
    const ns = new VethNs().up();
    try {
      const cli = (args: string[], prefix: string[] = []) => {
        const r = spawnSync('ip', ['netns', 'exec', ns.name, ...prefix, process.execPath, SHIM, ...args], { encoding: 'utf8', timeout: 30_000 });
        return { status: r.status, stderr: r.stderr, stdout: r.stdout };
      };
      const noDev = cli(['live', '-i', 'nosuch0']);
      expect(noDev.status).toBe(2);
      expect(noDev.stderr).toContain("there is no interface named nosuch0 (kernel: No such device exists); 'poolwatch interfaces' lists them");
      const badFilter = cli(['live', '-i', 'va', '--bpf', 'tcp port']);
      expect(badFilter.status).toBe(2);
      expect(badFilter.stderr).toContain('the BPF filter "tcp port" is not valid');
      const workers = cli(['live', '-i', 'va', '--workers', '0']);
      expect(workers.status).toBe(2);
      expect(workers.stderr).toContain('--workers: 0 is out of range (expected 1..32)');
      // Only the cap fallback is always promiscuous.
      const promisc = cli(['live', '-i', 'va', '--no-promisc'], ['env', 'POOLWATCH_LIVE_ENGINE=cap']);
      expect(promisc.status).toBe(2);
      expect(promisc.stderr).toContain('--no-promisc is not possible with the libpcap fallback');
      // Root, but without CAP_NET_RAW in the bounding set: what an unprivileged user gets.
      const noCap = cli(['live', '-i', 'va'], ['setpriv', '--bounding-set', '-net_raw']);
      expect(noCap.status).toBe(2);
      expect(noCap.stderr).toContain('capturing on va needs root or the CAP_NET_RAW capability (kernel: socket: Operation not permitted)');
      const both = cli(['live', '-i', 'va', '-i', 'nosuch1']);
      expect(both.status).toBe(2);
      expect(both.stderr).toContain('no interface named nosuch1');
      ns.exec(['ip', 'link', 'set', 'va', 'down']);
      const down = cli(['live', '-i', 'va']);
      expect(down.status).toBe(2);
      expect(down.stderr).toContain('interface va is down');

      const list = cli(['interfaces', '--json']);
      expect(list.status).toBe(0);
      const ifs = JSON.parse(list.stdout) as Array<{ name: string; state: string | null }>;
      expect(ifs.find((i) => i.name === 'va')).toMatchObject({ state: 'down' });
      expect(ifs.find((i) => i.name === 'vb')).toBeDefined();
      expect(ifs.find((i) => i.name === 'any')).toMatchObject({ state: null });
      const text = cli(['interfaces']);
      expect(text.stdout).toMatch(/^vb\s+\S+/m);
    } finally {
      ns.del();
    }
    expect(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout).not.toContain(`${LIVE_NS_PREFIX}${process.pid}-`);
  }, 60_000);
});
