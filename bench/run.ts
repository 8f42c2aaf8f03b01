/**
 * poolwatch against its peers on the generated captures (bench/make-captures.ts),
 * in one run, alternating the order every round so all see the same machine:
 *
 *   npm run bench                         full run: mixed, small, flood (~1.5 + 0.3 + 0.1 GB)
 *   node dist/bench/run.js --quick        CI: small captures made from the samples, a few seconds
 *
 * Options: --rounds N, --only mixed,small,flood, --tools poolwatch,baseline,ndpiReader,ngrep,tcpdump,
 * --gate (exit 1 when a ratio is below half its target or detection differs; on with --quick),
 * --no-gate, --no-speed-gate (gate on detection only), --no-workers (skip the --workers 2 runs),
 * --poolwatch "node path/to/poolwatch.js" (default: this build's CLI).
 *
 * Every tool runs as its own process; CPU seconds (user + system), wall seconds
 * and peak RSS come from the kernel's rusage of that process. Throughput is
 * packet bytes (and packets) over CPU seconds: per core, as issue #5 measures.
 * poolwatch's report on each capture is checked against the findings it makes
 * on each embedded source capture alone (bench/expected.ts). Results go to
 * bench/out/bench.json (bench-quick.json).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding } from '../src/report/finding';
import { BUILD_CLI, CLI_SHIM, median, outDir, repoRoot } from './common';
import { compare, expectedFindings, parseReport, type Comparison } from './expected';
import { CAPTURE_KINDS, ensureCaptures, type CaptureKind, type Manifest } from './make-captures';
import { measure, measureMethod, which, type Usage } from './measure';

// ------------------------------------------------------------------ options

interface Options {
  quick: boolean;
  rounds: number;
  only: CaptureKind[];
  /** --rounds was given: it then applies to every capture. */
  roundsGiven: boolean;
  tools: string[] | null;
  gate: boolean;
  /** With --no-speed-gate only detection differences fail the gate. */
  speedGate: boolean;
  poolwatch: string[];
  /** --no-workers: leave out the `--workers 2` runs (a gate on ratios does not need them). */
  skipWorkers: boolean;
  /** This build's CLI module, when poolwatch is not given on the command line. */
  poolwatchMain: string | null;
}

function defaultPoolwatch(root: string): string[] {
  const main = BUILD_CLI;
  // Built into the repository's dist/: exactly what bin/poolwatch.js runs.
  if (path.resolve(main) === path.join(root, 'dist', 'src', 'cli', 'main.js')) return ['node', path.join(root, 'bin', 'poolwatch.js')];
  // A private build folder (scripts/dev-test.sh): the same CLI entry, loaded from there.
  return ['node', '-e', CLI_SHIM, main];
}

function parseOptions(argv: string[], root: string): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const only = (value('--only')?.split(',') ?? CAPTURE_KINDS) as CaptureKind[];
  for (const k of only) if (!CAPTURE_KINDS.includes(k)) throw new Error(`unknown capture ${k}`);
  const pw = value('--poolwatch');
  return {
    quick,
    rounds: Number(value('--rounds') ?? (quick ? 1 : 3)),
    roundsGiven: value('--rounds') !== undefined,
    only,
    tools: value('--tools')?.split(',') ?? null,
    gate: argv.includes('--no-gate') ? false : quick || argv.includes('--gate'),
    speedGate: !argv.includes('--no-speed-gate'),
    poolwatch: pw !== undefined ? pw.split(' ').filter((x) => x !== '') : defaultPoolwatch(root),
    skipWorkers: argv.includes('--no-workers'),
    poolwatchMain: pw !== undefined ? null : BUILD_CLI,
  };
}

// ------------------------------------------------------------------ tools

interface Tool {
  /** Label in tables and JSON. */
  name: string;
  family: 'poolwatch' | 'baseline' | 'ndpiReader' | 'ngrep' | 'tcpdump';
  argv(file: string, out: string): string[];
  /** poolwatch writes its report with -o; the others' stdout is kept only where it says something. */
  stdoutToFile: boolean;
  okStatus: number[];
}

function poolwatchTool(name: string, pw: string[], extra: string[]): Tool {
  return {
    name,
    family: 'poolwatch',
    argv: (file, out) => [...pw, 'scan', file, '--format', 'jsonl', '-o', out, ...extra],
    stdoutToFile: false,
    okStatus: [0],
  };
}

function peerTools(): Tool[] {
  const tools: Tool[] = [
    { name: 'baseline', family: 'baseline', argv: (file) => ['node', path.join(__dirname, 'baseline.js'), file], stdoutToFile: true, okStatus: [0] },
  ];
  if (which('ndpiReader')) tools.push({ name: 'ndpiReader', family: 'ndpiReader', argv: (file) => ['ndpiReader', '-i', file], stdoutToFile: true, okStatus: [0] });
  // ngrep exits 1 when nothing matched.
  if (which('ngrep')) tools.push({ name: 'ngrep', family: 'ngrep', argv: (file) => ['ngrep', '-I', file, '-q', '-t', 'mining'], stdoutToFile: false, okStatus: [0, 1] });
  if (which('tcpdump')) tools.push({ name: 'tcpdump', family: 'tcpdump', argv: (file) => ['tcpdump', '-Z', 'root', '-r', file, '-w', '/dev/null'], stdoutToFile: false, okStatus: [0] });
  return tools;
}

function firstLine(cmd: string, args: string[]): string | null {
  if (which(cmd) === null) return null;
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? null;
}

function supportsWorkers(pw: string[]): boolean {
  const r = spawnSync(pw[0], [...pw.slice(1), 'scan', '--help'], { encoding: 'utf8', timeout: 30_000 });
  return `${r.stdout}${r.stderr}`.includes('--workers');
}

// ------------------------------------------------------------------ runs

interface Run {
  capture: string;
  tool: string;
  round: number;
  status: number;
  cpuS: number;
  userS: number;
  sysS: number;
  wallS: number;
  maxRssKB: number;
  /** CPU seconds the tool reports for its own work, start-up excluded (the baseline does). */
  selfCpuS?: number;
  /** poolwatch only: packets its summary counted, and the detection check. */
  packets?: number;
  detection?: Comparison;
}

function warm(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(64 * 1024 * 1024);
  while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  fs.closeSync(fd);
}

function scratch(name: string): string {
  return path.join(os.tmpdir(), `pw-bench-${process.pid}-${name}`);
}

function runTool(t: Tool, file: string): { usage: Usage; out: string } {
  const out = scratch(`${t.name.replace(/[^a-z0-9]+/gi, '_')}.out`);
  const stdout = t.stdoutToFile ? out : '/dev/null';
  const usage = measure(t.argv(file, out), stdout);
  if (!t.okStatus.includes(usage.status)) {
    throw new Error(`${t.name} on ${file} exited ${usage.status}:\n${usage.stderr.slice(-2000)}`);
  }
  return { usage, out };
}

/**
 * poolwatch on each source capture alone: what every embedded copy must
 * reproduce. With this build's CLI, all sources go through one process
 * (main() called once per file, exactly as the command line would), which
 * saves a Node start-up per source.
 */
function sourceFindings(o: Options, root: string, manifests: Manifest[]): Map<string, Finding[]> {
  const files = [...new Set(manifests.flatMap((m) => m.embeds.map((e) => e.source)))];
  const outs = files.map((_, i) => scratch(`source-${i}.jsonl`));
  const jobs: string[][] = [];
  if (o.poolwatchMain !== null) {
    const loop =
      "const {main}=require(process.argv[1]);(async()=>{for(let i=2;i<process.argv.length;i+=2){" +
      "const c=await main(['scan',process.argv[i],'--format','jsonl','-o',process.argv[i+1]]);if(c!==0){console.error('exit '+c+' on '+process.argv[i]);process.exitCode=c}}})()";
    jobs.push(['node', '-e', loop, o.poolwatchMain, ...files.flatMap((f, i) => [path.join(root, f), outs[i]])]);
  } else {
    files.forEach((f, i) => jobs.push([...o.poolwatch, 'scan', path.join(root, f), '--format', 'jsonl', '-o', outs[i]]));
  }
  for (const argv of jobs) {
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`poolwatch on the source captures exited ${r.status}: ${r.stderr}`);
  }
  const result = new Map<string, Finding[]>();
  files.forEach((f, i) => {
    result.set(f, parseReport(fs.readFileSync(outs[i], 'utf8')).findings);
    fs.rmSync(outs[i], { force: true });
  });
  return result;
}

// ------------------------------------------------------------------ summary

interface Figures {
  runs: number;
  cpuS: number;
  wallS: number;
  maxRssKB: number;
  /** Packet bytes and packets per CPU second. */
  gbps: number;
  mpps: number;
  /** Same, with the tool's fixed start-up cost (CPU on a 20-packet sample) taken off, or as the tool timed itself. */
  netCpuS: number;
  netGbps: number;
  netMpps: number;
}

function figures(runs: Run[], m: Manifest, startupCpuS: number): Figures {
  const cpu = median(runs.map((r) => r.cpuS));
  // A tool that times its own work needs no start-up estimate taken off.
  const net = Math.max(1e-3, runs.every((r) => r.selfCpuS !== undefined) ? median(runs.map((r) => r.selfCpuS as number)) : cpu - startupCpuS);
  return {
    runs: runs.length,
    cpuS: cpu,
    wallS: median(runs.map((r) => r.wallS)),
    maxRssKB: Math.max(...runs.map((r) => r.maxRssKB)),
    gbps: (m.packetBytes * 8) / cpu / 1e9,
    mpps: m.packets / cpu / 1e6,
    netCpuS: net,
    netGbps: (m.packetBytes * 8) / net / 1e9,
    netMpps: m.packets / net / 1e6,
  };
}

interface Target {
  what: string;
  measured: number | null;
  target: number;
  unit: string;
  /** measured / target, or target / measured where lower is better; >= 1 meets the target. */
  ratio: number | null;
  /** Counts toward --gate: ratios between tools on one machine, not absolute speeds. */
  gated: boolean;
  note?: string;
}

function fmt(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const root = repoRoot();
  const o = parseOptions(process.argv.slice(2), root);
  const started = Date.now();
  const log = (s: string) => process.stdout.write(`${s}\n`);

  const manifests = await ensureCaptures({ quick: o.quick, kinds: o.only, log });
  const workers = supportsWorkers(o.poolwatch);
  const peers = peerTools().filter((t) => o.tools === null || o.tools.includes(t.family));
  const missingPeers = ['ndpiReader', 'ngrep', 'tcpdump'].filter((n) => which(n) === null);
  if (missingPeers.length > 0) log(`bench: not installed, left out: ${missingPeers.join(', ')}`);
  const startupFile = path.join(root, 'pcaps', 'samples', 'xmrig-stratum.pcap');

  log(`bench: poolwatch = ${o.poolwatch.join(' ')}; ${o.rounds} rounds; usage from ${measureMethod()}; --workers ${workers ? 'supported' : 'not supported by this build'}`);
  const bySource = sourceFindings(o, root, manifests);
  const runs: Run[] = [];
  const startup = new Map<string, number[]>();
  const checks: Array<{ capture: string; tool: string; detection: Comparison }> = [];

  for (const m of manifests) {
    const file = path.join(root, m.file);
    const expected = expectedFindings(m, bySource);
    const kind = m.params.kind;
    const tools: Tool[] = [];
    if (o.tools === null || o.tools.includes('poolwatch')) {
      tools.push(poolwatchTool('poolwatch', o.poolwatch, []));
      if (workers && !o.skipWorkers && kind !== 'flood') tools.push(poolwatchTool('poolwatch --workers 2', o.poolwatch, ['--workers', '2']));
      // The flood again with a table big enough to hold every flow at once: what a million flows cost.
      if (kind === 'flood') tools.push(poolwatchTool('poolwatch --max-flows 1048576', o.poolwatch, ['--max-flows', '1048576']));
    }
    tools.push(...peers);
    log(
      `\n${m.name}: ${m.file}, ${(m.packetBytes / 1e9).toFixed(3)} GB of packets, ${(m.packets / 1e6).toFixed(3)} M packets, ` +
        `average ${m.averageFrame.toFixed(0)} B, ${m.embeds.length} embedded copies of ${m.sources.length} captures, ${expected.length} findings expected`,
    );
    warm(file);
    // The flood's figure is memory, which does not vary by round; one round keeps the run short.
    const rounds = kind === 'flood' && !o.roundsGiven ? 1 : o.rounds;
    for (let r = 0; r < rounds; r++) {
      // Rotate the order every round so no tool always runs right after the same other one.
      const order = tools.map((_, i) => tools[(i + r) % tools.length]);
      for (const t of order) {
        // Start-up cost of each tool, taken next to the real runs.
        if (!startup.has(`${t.name}|${r}`)) {
          const s = runTool(t, startupFile);
          startup.set(`${t.name}|${r}`, [s.usage.cpuS]);
          fs.rmSync(s.out, { force: true });
        }
        const { usage, out } = runTool(t, file);
        const run: Run = { capture: m.name, tool: t.name, round: r + 1, status: usage.status, cpuS: usage.cpuS, userS: usage.userS, sysS: usage.sysS, wallS: usage.wallS, maxRssKB: usage.maxRssKB };
        if (t.family === 'poolwatch') {
          const report = parseReport(fs.readFileSync(out, 'utf8'));
          run.packets = Number(report.summary?.packets ?? -1);
          run.detection = compare(report.findings, expected, !m.resegmented);
          if (r === 0) checks.push({ capture: m.name, tool: t.name, detection: run.detection });
          if (run.packets !== m.packets) throw new Error(`${t.name} counted ${run.packets} packets in ${m.file}, the capture holds ${m.packets}`);
        } else if (t.family === 'baseline') {
          const counts = JSON.parse(fs.readFileSync(out, 'utf8')) as { packets: number; cpuS: number };
          run.selfCpuS = counts.cpuS;
          if (counts.packets !== m.packets) throw new Error(`baseline counted ${counts.packets} packets in ${m.file}, the capture holds ${m.packets}`);
        }
        fs.rmSync(out, { force: true });
        runs.push(run);
        const det = run.detection === undefined ? '' : run.detection.equal ? '  findings as expected' : `  FINDINGS DIFFER (${run.detection.missingCount} missing, ${run.detection.unexpectedCount} unexpected)`;
        log(
          `  round ${r + 1} ${pad(t.name, 30)} cpu ${lpad(fmt(usage.cpuS), 7)} s  wall ${lpad(fmt(usage.wallS), 7)} s  ` +
            `${lpad(fmt((m.packetBytes * 8) / usage.cpuS / 1e9), 6)} Gbit/s  rss ${lpad((usage.maxRssKB / 1024).toFixed(0), 5)} MB${det}`,
        );
      }
    }
  }

  // ---- figures per capture and tool
  const startupCpu = (tool: string): number => median([...startup.entries()].filter(([k]) => k.startsWith(`${tool}|`)).map(([, v]) => v[0]));
  const basis = o.quick ? 'net' : 'raw';
  const summary: { [capture: string]: { [tool: string]: Figures & { vsPoolwatch: number | null } } } = {};
  for (const m of manifests) {
    const byTool: { [tool: string]: Figures & { vsPoolwatch: number | null } } = {};
    const names = [...new Set(runs.filter((r) => r.capture === m.name).map((r) => r.tool))];
    for (const n of names) byTool[n] = { ...figures(runs.filter((r) => r.capture === m.name && r.tool === n), m, startupCpu(n)), vsPoolwatch: null };
    const pw = byTool.poolwatch;
    for (const n of names) {
      const f = byTool[n];
      if (pw !== undefined) f.vsPoolwatch = basis === 'net' ? pw.netGbps / f.netGbps : pw.gbps / f.gbps;
    }
    summary[m.name] = byTool;
  }

  // ---- targets of issue #5
  const nameOf = (k: CaptureKind) => manifests.find((m) => m.params.kind === k)?.name;
  const get = (k: CaptureKind, tool: string) => {
    const n = nameOf(k);
    return n === undefined ? undefined : summary[n]?.[tool];
  };
  const speed = (f: Figures | undefined, what: 'gbps' | 'mpps') => (f === undefined ? null : basis === 'net' ? (what === 'gbps' ? f.netGbps : f.netMpps) : f[what]);
  const targets: Target[] = [];
  const add = (what: string, measured: number | null, target: number, unit: string, gated: boolean, lowerIsBetter = false, note?: string) =>
    targets.push({ what, measured, target, unit, gated, note, ratio: measured === null ? null : lowerIsBetter ? target / measured : measured / target });
  const pwMixed = get('mixed', 'poolwatch');
  add('mixed: poolwatch throughput, one core', speed(pwMixed, 'gbps'), 10, 'Gbit/s', false);
  add('mixed: poolwatch packet rate, one core', speed(pwMixed, 'mpps'), 3.5, 'Mpps', false);
  for (const [tool, target] of [['ndpiReader', 8], ['ngrep', 2], ['baseline', 0.5]] as Array<[string, number]>) {
    const t = get('mixed', tool);
    const ratio = pwMixed !== undefined && t !== undefined ? (basis === 'net' ? pwMixed.netGbps / t.netGbps : pwMixed.gbps / t.gbps) : null;
    add(`mixed: poolwatch / ${tool === 'baseline' ? 'header-walk baseline' : tool}`, ratio, target, 'x', true);
  }
  add('small: poolwatch packet rate, one core', speed(get('small', 'poolwatch'), 'mpps'), 5, 'Mpps', false);
  const pw2 = get('mixed', 'poolwatch --workers 2');
  add('mixed: --workers 2 speed-up (wall)', pw2 !== undefined && pwMixed !== undefined ? pwMixed.wallS / pw2.wallS : null, 1.7, 'x', false, false, workers ? undefined : 'this build has no --workers');
  const flood = get('flood', 'poolwatch --max-flows 1048576');
  add('flood: peak RSS holding 1 M flows', flood === undefined ? null : flood.maxRssKB / 1024 / 1024, 1, 'GiB', false, true);
  const floodCapped = get('flood', 'poolwatch');
  add('flood: peak RSS, default flow cap', floodCapped === undefined ? null : floodCapped.maxRssKB / 1024 / 1024, 1, 'GiB', false, true);

  // ---- print
  const elapsed = (Date.now() - started) / 1000;
  log(`\nfigures: median of ${o.rounds} rounds (flood: ${o.roundsGiven ? o.rounds : 1}); throughput over ${basis === 'net' ? 'CPU seconds less each tool\'s start-up (quick captures are small)' : 'CPU seconds (user + system) of the whole process'}`);
  for (const m of manifests) {
    log(`\n${m.name} (${(m.packetBytes / 1e9).toFixed(3)} GB, ${(m.packets / 1e6).toFixed(3)} M packets, avg ${m.averageFrame.toFixed(0)} B)`);
    log(`  ${pad('tool', 30)} ${lpad('CPU s', 8)} ${lpad('wall s', 8)} ${lpad('Gbit/s', 8)} ${lpad('Mpps', 7)} ${lpad('peak RSS MB', 12)} ${lpad('poolwatch/x', 12)}`);
    for (const [n, f] of Object.entries(summary[m.name])) {
      const g = basis === 'net' ? f.netGbps : f.gbps;
      const p = basis === 'net' ? f.netMpps : f.mpps;
      log(`  ${pad(n, 30)} ${lpad(fmt(f.cpuS), 8)} ${lpad(fmt(f.wallS), 8)} ${lpad(fmt(g), 8)} ${lpad(fmt(p), 7)} ${lpad((f.maxRssKB / 1024).toFixed(0), 12)} ${lpad(fmt(f.vsPoolwatch), 12)}`);
    }
  }
  log('\ntargets (issue #5)');
  log(`  ${pad('what', 42)} ${lpad('measured', 9)} ${lpad('target', 9)} ${lpad('ratio', 7)}  status`);
  let gateFailed = false;
  for (const t of targets) {
    const status = t.ratio === null ? 'not measured' : t.ratio >= 1 ? 'met' : t.ratio >= 0.5 ? 'below target' : 'below half the target';
    if (o.gate && o.speedGate && t.gated && t.ratio !== null && t.ratio < 0.5) gateFailed = true;
    const target = `${t.unit === 'GiB' ? '<= ' : '>= '}${t.target}`;
    log(`  ${pad(t.what, 42)} ${lpad(fmt(t.measured), 9)} ${lpad(target, 9)} ${lpad(fmt(t.ratio), 7)}  ${status}${t.gated ? ' (gated)' : ''}${t.note ? ` (${t.note})` : ''}`);
  }
  log('\ndetection on the generated captures (findings vs. each source capture scanned alone)');
  let detectionFailed = false;
  for (const c of checks) {
    const d = c.detection;
    if (!d.equal) detectionFailed = true;
    log(`  ${pad(c.capture, 12)} ${pad(c.tool, 30)} ${d.equal ? 'identical' : 'DIFFERENT'}: ${d.actual} reported, ${d.expected} expected${d.equal ? '' : `, ${d.missingCount} missing, ${d.unexpectedCount} unexpected`}`);
    for (const x of d.differences) log(`      ${x}`);
  }
  const workersSame = runs.filter((r) => r.tool.includes('--workers')).every((r) => r.detection?.equal !== false);
  log(`\ntook ${elapsed.toFixed(0)} s`);

  const result = {
    date: new Date().toISOString(),
    command: `node ${path.relative(root, process.argv[1])} ${process.argv.slice(2).join(' ')}`.trim(),
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      kernel: `${os.type()} ${os.release()}`,
      node: process.version,
      loadAverageAtEnd: os.loadavg(),
    },
    tools: {
      poolwatch: o.poolwatch.join(' '),
      ndpiReader: firstLine('ndpiReader', ['-h']),
      ngrep: firstLine('ngrep', ['-V']),
      tcpdump: firstLine('tcpdump', ['--version']),
      usage: measureMethod(),
    },
    rounds: o.rounds,
    basis,
    captures: manifests.map((m) => ({ name: m.name, file: m.file, packets: m.packets, packetBytes: m.packetBytes, fileBytes: m.fileBytes, averageFrame: m.averageFrame, maxFrame: m.maxFrame, embeds: m.embeds.length, sources: m.sources.map((s) => s.file), backgroundFlows: m.backgroundFlows, seconds: m.seconds })),
    startupCpuS: Object.fromEntries([...new Set([...startup.keys()].map((k) => k.split('|')[0]))].map((t) => [t, startupCpu(t)])),
    summary,
    targets,
    detection: checks,
    workersIdentical: workers ? workersSame : null,
    runs,
    seconds: elapsed,
  };
  fs.mkdirSync(outDir(), { recursive: true });
  const outFile = path.join(outDir(), o.quick ? 'bench-quick.json' : 'bench.json');
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${path.relative(root, outFile)}`);
  if (o.gate && (gateFailed || detectionFailed)) {
    log(`bench: FAILED: ${[gateFailed ? 'a gated ratio is below half its target' : '', detectionFailed ? 'detection differs on a generated capture' : ''].filter((x) => x).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
