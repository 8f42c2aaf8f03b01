/**
 * What V8's optimizing compiler does during a scan of a generated capture:
 *
 *   node dist/bench/jit.js [--capture mixed|small|flood] [--quick] [--top N]
 *
 * Runs this build's CLI once with --trace-opt and --trace-deopt-verbose and
 * prints every TurboFan compilation grouped by function (with the time V8
 * reports for it: preparing and finishing on the main thread, compiling on a
 * helper thread) and every deoptimization with its reason and the TypeScript
 * line it happened at. On a 2-core machine the compiler is a third of a scan's
 * CPU, and each deoptimization throws a function's optimized code away and has
 * it compiled again, usually for a branch first taken after V8 optimized the
 * function (bench/README.md, fourth session). Raw trace and a JSON summary go
 * to bench/out/.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_CLI, CLI_SHIM, optionValue, outDir, repoRoot } from './common';
import { namedCapture } from './make-captures';
import { original } from './profile';

export interface Compilation {
  fn: string;
  osr: boolean;
  ms: number;
}

export interface Deoptimization {
  fn: string;
  kind: string;
  reason: string;
  /** Where in the compiled JavaScript, innermost first (a position inlined into others lists them all). */
  at: string[];
}

const COMPILED = /completed compiling 0x[0-9a-f]+ <JSFunction (\S*) \(sfi = [0-9a-fx]+\)> \(target TURBOFAN\)( OSR)? - took ([\d.]+), ([\d.]+), ([\d.]+) ms/;
const BAILOUT = /\[bailout \(kind: ([^,]+), reason: ([^)]*)\): begin\. deoptimizing 0x[0-9a-f]+ <JSFunction (\S*) /;
const POSITION = /;;; deoptimize at <([^>]+)>((?: inlined at <[^>]+>)*)/;

/** Reads V8's --trace-opt / --trace-deopt-verbose output. */
export function parseTrace(text: string): { compilations: Compilation[]; deopts: Deoptimization[] } {
  const compilations: Compilation[] = [];
  const deopts: Deoptimization[] = [];
  let open: Deoptimization | null = null;
  for (const line of text.split('\n')) {
    const c = COMPILED.exec(line);
    if (c !== null) {
      compilations.push({ fn: c[1] || '(anonymous)', osr: c[2] !== undefined, ms: Number(c[3]) + Number(c[4]) + Number(c[5]) });
      continue;
    }
    const b = BAILOUT.exec(line);
    if (b !== null) {
      open = { fn: b[3] || '(anonymous)', kind: b[1], reason: b[2], at: [] };
      deopts.push(open);
      continue;
    }
    const p = POSITION.exec(line);
    if (p !== null && open !== null && open.at.length === 0) {
      open.at = [p[1], ...[...p[2].matchAll(/inlined at <([^>]+)>/g)].map((m) => m[1])];
    }
  }
  return { compilations, deopts };
}

/** A compiled position (file:line:column, 1-based) as the TypeScript line it came from, relative to the repository. */
function tsPosition(at: string, root: string): string {
  const m = /^(.*):(\d+):(\d+)$/.exec(at);
  if (m === null) return at;
  const o = m[1].endsWith('.js') && !m[1].includes('/node_modules/') ? original(m[1], Number(m[2]) - 1, Number(m[3]) - 1) : null;
  return o === null ? path.relative(root, at) : `${path.relative(root, o.file)}:${o.line + 1}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const top = Number(optionValue(args, '--top') ?? 20);
  const root = repoRoot();
  const { manifest: m, file } = await namedCapture(args);
  fs.mkdirSync(outDir(), { recursive: true });
  const report = path.join(outDir(), `jit-${m.name}.report.jsonl`);
  const run = spawnSync('node', ['--trace-opt', '--trace-deopt-verbose', '-e', CLI_SHIM, BUILD_CLI, 'scan', file, '--format', 'jsonl', '-o', report], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (run.status !== 0) throw new Error(`poolwatch under --trace-opt exited ${run.status}: ${run.stderr.slice(0, 500)}`);
  const tracePath = path.join(outDir(), `jit-${m.name}.trace.txt`);
  fs.writeFileSync(tracePath, run.stdout);
  const { compilations, deopts } = parseTrace(run.stdout);

  const byFn = new Map<string, { count: number; ms: number }>();
  for (const c of compilations) {
    const key = c.osr ? `${c.fn} (OSR)` : c.fn;
    const e = byFn.get(key) ?? { count: 0, ms: 0 };
    e.count++;
    e.ms += c.ms;
    byFn.set(key, e);
  }
  const totalMs = compilations.reduce((s, c) => s + c.ms, 0);
  console.log(`poolwatch on ${m.file}: ${compilations.length} TurboFan compilations, ${totalMs.toFixed(0)} ms as V8 reports them, ${deopts.length} deoptimizations`);
  console.log(`\ncompilations by function (most time first; a count above 1 is a recompilation)`);
  for (const [fn, e] of [...byFn].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    console.log(`  ${e.ms.toFixed(1).padStart(7)} ms ${String(e.count).padStart(3)}x  ${fn}`);
  }
  console.log('\ndeoptimizations');
  const rows = deopts.map((d) => ({ ...d, ts: d.at.map((a) => tsPosition(a, root)) }));
  for (const d of rows) console.log(`  ${d.fn}: ${d.reason} (${d.kind}) at ${d.ts[0] ?? '?'}${d.ts.length > 1 ? `, inlined in ${d.ts.slice(1).join(' < ')}` : ''}`);
  const out = path.join(outDir(), `jit-${m.name}.json`);
  fs.writeFileSync(out, JSON.stringify({ capture: m.name, compilations: compilations.length, compileMs: totalMs, byFunction: Object.fromEntries(byFn), deopts: rows }, null, 1));
  console.log(`\nwrote ${path.relative(root, out)} and ${path.relative(root, tracePath)}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
