/**
 * The live path's drop-free rate: the benchmark capture replayed with tcpreplay
 * into a veth inside a network namespace of our own, at increasing packet
 * rates, each into a fresh `poolwatch live` on the other end. A rate passes
 * when every packet tcpreplay sent was analyzed (the summary's packet count
 * equals tcpreplay's "Successful packets") and the drop estimate is 0. After
 * the first failure the rate is bisected between the last pass and it.
 *
 *   sudo node dist/bench/live-replay.js [--capture FILE] [--limit N] [--rates 10000,20000,...]
 *        [--buffer-size MIB] [--queue-size MIB] [--repeat N] [--tcpdump]
 *
 * The default capture is the mixed benchmark capture (bench/make-captures.ts),
 * its first 300,000 packets. The queue between capture and analysis is kept
 * small here (16 MiB, not live's 256) so that a rate the analysis cannot
 * sustain shows as drops within a replay of seconds instead of filling memory.
 * A rate tcpreplay itself cannot reach (below 95 % of what was asked) ends the
 * search: beyond it the sender, not poolwatch, is measured.
 *
 * --tcpdump also measures tcpdump -w /dev/null the same way, as the ceiling of
 * what libpcap and this machine do without any analysis. Results go to
 * bench/out/live-replay.json; nothing leaves the namespace.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataDir, outDir } from './common';

const NS = `pw-live-bench-${process.pid}-${randomBytes(2).toString('hex')}`;
const MAIN_JS = path.join(__dirname, '..', 'src', 'cli', 'main.js');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function sh(argv: string[], timeout = 30_000): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

function nsExec(argv: string[], timeout = 30_000): string {
  return sh(['ip', 'netns', 'exec', NS, ...argv], timeout);
}

function setUp(): void {
  sh(['ip', 'netns', 'add', NS]);
  nsExec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
  nsExec(['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
  sh(['ip', '-n', NS, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
  sh(['ip', '-n', NS, 'link', 'set', 'va', 'up']);
  sh(['ip', '-n', NS, 'link', 'set', 'vb', 'up']);
}

function tearDown(): void {
  try {
    for (const pid of sh(['ip', 'netns', 'pids', NS]).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no namespace */
  }
  try {
    sh(['ip', 'netns', 'del', NS]);
  } catch {
    /* already gone */
  }
}

/** tcpreplay prints its version on stderr. */
function tcpreplayVersion(): string {
  const r = spawnSync('tcpreplay', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout}${r.stderr}`.split('\n')[0].trim();
}

interface Replay {
  sent: number;
  seconds: number;
  pps: number;
  mbps: number;
}

/**
 * Runs tcpreplay without blocking this process: poolwatch's stderr comes to us
 * through a pipe, and a pipe nobody reads stalls the writer (and with it the
 * capture), which would measure this script rather than poolwatch.
 */
async function replay(file: string, pps: number, limit: number | undefined): Promise<Replay> {
  // --timer nano: tcpreplay sleeps between packets instead of spinning on the clock (its default,
  // gtod, took ~70 % of a core at 25 kpps here, half a core less for poolwatch on a 2-core machine;
  // the achieved rate was the same to 0.01 %).
  const child = spawn('ip', ['netns', 'exec', NS, 'tcpreplay', '-i', 'vb', '--timer', 'nano', '--pps', String(pps), ...(limit ? ['--limit', String(limit)] : []), file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  if (code !== 0) throw new Error(`tcpreplay exit ${code}: ${out.slice(-1000)}`);
  const sent = Number(/Successful packets:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const actual = /Actual: \d+ packets \((\d+) bytes\) sent in ([\d.]+) seconds/.exec(out);
  const rated = /Rated: [\d.]+ Bps, ([\d.]+) Mbps, ([\d.]+) pps/.exec(out);
  return { sent, seconds: Number(actual?.[2] ?? NaN), mbps: Number(rated?.[1] ?? NaN), pps: Number(rated?.[2] ?? NaN) };
}

interface Trial {
  tool: 'poolwatch' | 'tcpdump';
  requestedPps: number;
  replay: Replay;
  analyzed: number;
  received: number | null;
  dropped: number | null;
  queueDropped: number | null;
  queuePeak: number | null;
  ok: boolean;
}

function waitFor(getText: () => string, re: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const end = Date.now() + ms;
    const tick = (): void => {
      if (re.test(getText())) resolve();
      else if (Date.now() > end) reject(new Error(`no ${re} within ${ms} ms: ${getText().slice(-1000)}`));
      else setTimeout(tick, 25);
    };
    tick();
  });
}

async function trialPoolwatch(file: string, pps: number, limit: number | undefined, bufferMiB: number, queueMiB: number): Promise<Trial> {
  const runner = `const { main } = require(${JSON.stringify(MAIN_JS)}); main(process.argv.slice(1)).then((c) => { process.exitCode = c; });`;
  // Findings to a file, as a deployment would: the summary is its last line.
  const stream = path.join(os.tmpdir(), `${NS}.jsonl`);
  fs.rmSync(stream, { force: true });
  const args = ['live', '-i', 'va', '-o', stream, '--buffer-size', String(bufferMiB), '--queue-size', String(queueMiB), '--stats-interval', '0', '--update-interval', '0', '--log-level', 'info'];
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', runner, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.resume();
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    await waitFor(() => err, /"msg":"capturing"/, 20_000);
    const rep = await replay(file, pps, limit);
    // Let the pipeline finish what it holds before stopping (stop also drains the ring).
    await new Promise((r) => setTimeout(r, 1000));
    process.kill(child.pid!, 'SIGTERM');
    const code = await exited;
    const summary = JSON.parse(fs.readFileSync(stream, 'utf8').trim().split('\n').pop() ?? '{}') as {
      type?: string;
      packets?: number;
      received?: number | null;
      dropped?: number | null;
      queueDropped?: number;
      interfaces?: { queuePeak: number }[];
    };
    if (code !== 0 || summary.type !== 'summary') throw new Error(`poolwatch exit ${code}: ${err.slice(-1500)}`);
    const analyzed = summary.packets ?? 0;
    return {
      tool: 'poolwatch',
      requestedPps: pps,
      replay: rep,
      analyzed,
      received: summary.received ?? null,
      dropped: summary.dropped ?? null,
      queueDropped: summary.queueDropped ?? null,
      queuePeak: summary.interfaces?.[0]?.queuePeak ?? null,
      ok: analyzed === rep.sent && summary.dropped === 0 && summary.queueDropped === 0,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(stream, { force: true });
  }
}

async function trialTcpdump(file: string, pps: number, limit: number | undefined, bufferMiB: number): Promise<Trial> {
  const child = spawn('ip', ['netns', 'exec', NS, 'tcpdump', '-i', 'va', '-n', '-B', String(bufferMiB * 1024), '--immediate-mode', '-w', '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  try {
    await waitFor(() => err, /listening on/, 10_000);
    const rep = await replay(file, pps, limit);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(child.pid!, 'SIGINT');
    await exited;
    const captured = Number(/(\d+) packets? captured/.exec(err)?.[1] ?? NaN);
    const dropped = Number(/(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? NaN);
    return { tool: 'tcpdump', requestedPps: pps, replay: rep, analyzed: captured, received: captured, dropped, queueDropped: null, queuePeak: null, ok: captured === rep.sent && dropped === 0 };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

let senderLimited = false;

async function search(tool: 'poolwatch' | 'tcpdump', rates: number[], repeat: number, run: (pps: number) => Promise<Trial>, log: Trial[]): Promise<number> {
  senderLimited = false;
  const passes = async (pps: number): Promise<boolean> => {
    for (let i = 0; i < repeat; i++) {
      const t = await run(pps);
      log.push(t);
      process.stderr.write(
        `${tool.padEnd(9)} ${String(pps).padStart(7)} pps asked, ${t.replay.pps.toFixed(0).padStart(7)} pps / ${t.replay.mbps.toFixed(1).padStart(6)} Mbit/s sent: ` +
          `${t.replay.sent} sent, ${t.analyzed} analyzed, dropped ${t.dropped} in the kernel, ${t.queueDropped ?? '-'} in the queue (peak ${t.queuePeak === null ? '-' : (t.queuePeak / 1048576).toFixed(1) + ' MiB'}) -> ${t.ok ? 'ok' : 'LOSS'}\n`,
      );
      if (!t.ok) return false;
      if (t.replay.pps < pps * 0.95) {
        senderLimited = true;
        return false;
      }
    }
    return true;
  };
  let best = 0;
  let bad = 0;
  for (const r of rates) {
    if (await passes(r)) best = r;
    else {
      bad = r;
      break;
    }
  }
  if (senderLimited) {
    process.stderr.write(`${tool}: tcpreplay could not send at ${bad} pps; the search stops at the sender's limit\n`);
    return best;
  }
  // Bisect to within 5 % between the last pass and the first failure.
  while (bad > 0 && bad - best > Math.max(1000, best * 0.05)) {
    const mid = Math.round((best + bad) / 2 / 500) * 500;
    if (mid <= best || mid >= bad) break;
    if (await passes(mid)) best = mid;
    else if (senderLimited) break;
    else bad = mid;
  }
  return best;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
  const mixed = path.join(dataDir(), 'mixed.pcap');
  const file = path.resolve(arg('--capture') ?? (fs.existsSync(mixed) ? mixed : path.join(dataDir(), 'mixed-quick.pcap')));
  if (!fs.existsSync(file)) throw new Error(`no capture at ${file}: make it with node dist/bench/make-captures.js --only mixed, or pass --capture`);
  const limit = Number(arg('--limit') ?? 300_000) || undefined;
  const rates = (arg('--rates') ?? '10000,20000,30000,40000,50000,60000,80000,100000,130000,160000').split(',').map(Number);
  const bufferMiB = Number(arg('--buffer-size') ?? 256);
  const queueMiB = Number(arg('--queue-size') ?? 16);
  const repeat = Number(arg('--repeat') ?? 2);
  const trials: Trial[] = [];
  const cleanup = (): void => {
    tearDown();
    process.exit(130);
  };
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  setUp();
  const started = new Date();
  let poolwatchBest = 0;
  let tcpdumpBest: number | null = null;
  try {
    poolwatchBest = await search('poolwatch', rates, repeat, (pps) => trialPoolwatch(file, pps, limit, bufferMiB, queueMiB), trials);
    if (process.argv.includes('--tcpdump')) tcpdumpBest = await search('tcpdump', rates, repeat, (pps) => trialTcpdump(file, pps, limit, bufferMiB), trials);
  } finally {
    tearDown();
  }
  const best = trials.filter((t) => t.tool === 'poolwatch' && t.requestedPps === poolwatchBest && t.ok);
  const result = {
    date: started.toISOString(),
    capture: path.relative(path.join(dataDir(), '..', '..'), file),
    captureBytes: fs.statSync(file).size,
    limit: limit ?? null,
    bufferMiB,
    queueMiB,
    repeat,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version, kernel: os.release() },
    tcpreplay: `${tcpreplayVersion()}, --timer nano`,
    poolwatchDropFreePps: poolwatchBest,
    poolwatchDropFreeMbps: best.length ? Math.min(...best.map((t) => t.replay.mbps)) : null,
    poolwatchDropFreeActualPps: best.length ? Math.min(...best.map((t) => t.replay.pps)) : null,
    tcpdumpDropFreePps: tcpdumpBest,
    trials,
  };
  fs.mkdirSync(outDir(), { recursive: true });
  fs.writeFileSync(path.join(outDir(), 'live-replay.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify({ poolwatchDropFreePps: poolwatchBest, mbps: result.poolwatchDropFreeMbps, tcpdumpDropFreePps: tcpdumpBest }) + '\n');
}

main().catch((e: unknown) => {
  tearDown();
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
