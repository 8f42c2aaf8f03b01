/**
 * The least CPU a scan of a capture can take with this build on this machine, and where the rest goes:
 *
 *   node dist/bench/floor.js [--capture mixed|small|flood] [--quick] [--rounds N] [--passes N]
 *
 * Each round runs, in turn and each in a fresh process: `node -e 0` (the runtime starting), the CLI on
 * the bundled sample capture (poolwatch's own start-up and report, with almost no packets), the CLI on
 * the capture, the header-walk baseline (baseline.ts), and one process that scans the capture `passes`
 * times with a fresh Analyzer each time. The first of those passes pays for V8 compiling the code and
 * running it unoptimized until then; the later ones run code already compiled. Their difference is the
 * warm-up a one-shot scan pays on top of its per-packet work, and the warm passes are the rate the
 * packet path itself reaches. All figures are CPU (user + system, every thread: V8 compiles on helper
 * threads), medians over the rounds.
 *
 * It answers whether a throughput target is in reach by tuning the packet path at all: the fixed
 * costs are set against the CPU budget the target leaves for the capture. Results go to
 * bench/out/floor-<capture>.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCapture } from '../src/capture/read';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../src/analyzer';
import { loadSignatures } from '../src/detect/signatures';
import { renderJsonl } from '../src/report/writers';
import { BUILD_CLI, CLI_SHIM, median, optionValue, outDir, repoRoot } from './common';
import { namedCapture } from './make-captures';
import { measure } from './measure';

export interface Pass {
  cpuS: number;
  packets: number;
  bytes: number;
  /** The JSON-lines report (its summary without a run time): equal for every pass over one capture. */
  report: string;
}

/**
 * Scans `file` `passes` times in this process, a fresh Analyzer each time, and returns what each
 * pass cost in process CPU (helper threads included) and found.
 */
export async function scanPasses(file: string, passes: number): Promise<Pass[]> {
  const sigs = loadSignatures();
  const out: Pass[] = [];
  for (let i = 0; i < passes; i++) {
    const before = process.cpuUsage();
    const analyzer = new Analyzer(sigs, { ...DEFAULT_ANALYZER_OPTIONS });
    await readCapture(file, analyzer, () => {});
    const findings = analyzer.finish();
    const summary = { type: 'summary' as const, files: 1, packets: analyzer.packets, bytes: analyzer.bytes, seconds: 0, flows: analyzer.flowsSeen, findings: findings.length, warnings: [], skipped: [] };
    const report = renderJsonl(findings, summary);
    const used = process.cpuUsage(before);
    out.push({ cpuS: (used.user + used.system) / 1e6, packets: analyzer.packets, bytes: analyzer.bytes, report });
  }
  return out;
}

interface Round {
  runtimeS: number;
  fixedS: number;
  cliS: number;
  baselineS: number;
  coldS: number;
  warmS: number;
}

const gbit = (bytes: number, s: number) => (bytes * 8) / s / 1e9;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Number(optionValue(args, '--rounds') ?? 5);
  const passes = Math.max(2, Number(optionValue(args, '--passes') ?? 3));
  const root = repoRoot();
  const { manifest: m, file } = await namedCapture(args);
  const sample = path.join(root, 'pcaps', 'samples', 'xmrig-stratum.pcap');
  fs.mkdirSync(outDir(), { recursive: true });
  const sink = path.join(outDir(), 'floor.stdout');
  const cpu = (argv: string[]) => {
    const u = measure(argv, sink);
    if (u.status !== 0) throw new Error(`${argv.join(' ')} exited ${u.status}: ${u.stderr.slice(0, 500)}`);
    return u.cpuS;
  };

  const results: Round[] = [];
  let report: string | null = null;
  for (let r = 0; r < rounds; r++) {
    const runtimeS = cpu(['node', '-e', '0']);
    const fixedS = cpu(['node', '-e', CLI_SHIM, BUILD_CLI, 'scan', sample, '--format', 'jsonl']);
    const cliS = cpu(['node', '-e', CLI_SHIM, BUILD_CLI, 'scan', file, '--format', 'jsonl']);
    const baselineS = cpu(['node', path.join(__dirname, 'baseline.js'), file]);
    cpu(['node', __filename, '--passes-of', file, String(passes)]);
    const ps = JSON.parse(fs.readFileSync(sink, 'utf8')) as Pass[];
    for (const p of ps) {
      if (p.packets !== m.packets) throw new Error(`a pass read ${p.packets} packets of ${m.file}, which holds ${m.packets}`);
      report ??= p.report;
      if (p.report !== report) throw new Error('two passes over the same capture reported different findings');
    }
    const warmS = Math.min(...ps.slice(1).map((p) => p.cpuS));
    results.push({ runtimeS, fixedS, cliS, baselineS, coldS: ps[0].cpuS, warmS });
    process.stderr.write(`round ${r + 1}/${rounds}: CLI ${cliS.toFixed(2)} s, baseline ${baselineS.toFixed(2)} s, cold pass ${ps[0].cpuS.toFixed(2)} s, warm ${warmS.toFixed(2)} s\n`);
  }

  const med = (k: keyof Round) => median(results.map((x) => x[k]));
  const runtimeS = med('runtimeS');
  const fixedS = med('fixedS');
  const cliS = med('cliS');
  const baselineS = med('baselineS');
  const coldS = med('coldS');
  const warmS = med('warmS');
  const warmupS = median(results.map((x) => x.coldS - x.warmS));
  const bytes = m.packetBytes;
  const mpps = (s: number) => m.packets / s / 1e6;
  const line = (label: string, s: number, rate = true) =>
    console.log(`  ${label.padEnd(44)} ${s.toFixed(2).padStart(6)} s${rate ? `   ${gbit(bytes, s).toFixed(2).padStart(6)} Gbit/s  ${mpps(s).toFixed(2).padStart(5)} Mpps` : ''}`);

  console.log(`${m.file}: ${(bytes / 1e9).toFixed(2)} GB of packets, ${(m.packets / 1e6).toFixed(2)} M packets; CPU seconds, medians of ${rounds} rounds`);
  line('node -e 0 (the runtime starting)', runtimeS, false);
  line('poolwatch scan of the 12-packet sample', fixedS, false);
  line('header-walk baseline', baselineS);
  line('poolwatch scan (CLI)', cliS);
  line(`in one process: first pass (cold)`, coldS);
  line(`in one process: fastest later pass (warm)`, warmS);
  line('warm-up: cold pass minus warm pass', warmupS, false);
  const fixed = fixedS + warmupS;
  console.log(`\n  fixed cost of a one-shot scan (start-up and report + warm-up): ${fixed.toFixed(2)} s`);
  // The baseline's figure includes the runtime starting; the warm passes run in a process already started.
  console.log(`  CLI / baseline: ${(baselineS / cliS).toFixed(2)}x   warm pass / baseline's walk (baseline minus node -e 0): ${((baselineS - runtimeS) / warmS).toFixed(2)}x`);
  const targets = [
    { name: '10 Gbit/s', s: (bytes * 8) / 10e9 },
    { name: '5 Mpps', s: m.packets / 5e6 },
    { name: '0.5x baseline', s: baselineS / 0.5 },
  ];
  for (const t of targets) {
    const left = t.s - fixed;
    console.log(
      `  ${t.name.padEnd(14)} allows ${t.s.toFixed(2)} s for this capture: ${left > 0 ? `${left.toFixed(2)} s left for the packets after the fixed cost, which needs a warm rate of ${gbit(bytes, left).toFixed(2)} Gbit/s (${(warmS / left).toFixed(2)}x today's)` : `the fixed cost alone is ${(fixed - t.s).toFixed(2)} s over`}`,
    );
  }
  const out = path.join(outDir(), `floor-${m.name}.json`);
  fs.writeFileSync(out, JSON.stringify({ capture: m.name, packets: m.packets, packetBytes: bytes, rounds: results, medians: { runtimeS, fixedS, cliS, baselineS, coldS, warmS, warmupS } }, null, 1));
  console.log(`\nwrote ${path.relative(root, out)}`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const run =
    args[0] === '--passes-of'
      ? scanPasses(args[1], Number(args[2])).then((ps) => {
          process.stdout.write(JSON.stringify(ps));
        })
      : main();
  run.catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
