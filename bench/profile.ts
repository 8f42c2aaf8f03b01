/**
 * Where poolwatch spends its time and what it allocates, on a generated capture:
 *
 *   node dist/bench/profile.js [--capture mixed|small|flood] [--quick] [--top N] [--skip-heap]
 *
 * Two runs of this build's CLI: one under --cpu-prof (V8's sampling CPU
 * profiler), one with bench/heap-sampler.js preloaded (sampled allocations,
 * collected ones included, and GC pauses). Prints self time and inclusive time
 * per function and allocated bytes per allocating function; the raw profiles
 * stay in bench/out/prof/ for Chrome DevTools.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';
import { BUILD_CLI, CLI_SHIM, optionValue, outDir, repoRoot } from './common';
import { namedCapture } from './make-captures';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface CpuNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  id: number;
  children: HeapNode[];
}

const maps = new Map<string, SourceMap | null>();

/** The TypeScript line a compiled line came from, through the .js.map tsc wrote beside it. */
export function original(file: string, line: number, column: number): { file: string; line: number } | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  if (map === null) return null;
  const e = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
  if (e.originalSource === undefined || e.originalLine === undefined) return null;
  return { file: path.resolve(path.dirname(file), e.originalSource.replace(/^file:\/\//, '')), line: e.originalLine };
}

function where(cf: CallFrame, root: string): string {
  const name = cf.functionName === '' ? '(anonymous)' : cf.functionName;
  if (cf.url === '') return name;
  let file = cf.url.replace(/^file:\/\//, '');
  let line = cf.lineNumber;
  const o = file.endsWith('.js') && !file.includes('/node_modules/') ? original(file, cf.lineNumber, cf.columnNumber) : null;
  if (o !== null) {
    file = o.file;
    line = o.line;
  }
  const rel = path.relative(root, file);
  file = rel.startsWith('..') ? file.replace(/^.*node_modules\//, 'node_modules/') : rel;
  return `${name} ${file}:${line + 1}`;
}

export interface Row {
  fn: string;
  ms: number;
  share: number;
}

export function cpuSummary(p: CpuProfile, root: string, top: number): { totalMs: number; self: Row[]; inclusive: Row[] } {
  const byId = new Map<number, CpuNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const node = byId.get(p.samples[i]);
    if (node === undefined) continue;
    const key = where(node.callFrame, root);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = where((byId.get(id) as CpuNode).callFrame, root);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms, share: ms / total }));
  return { totalMs: total, self: rows(self), inclusive: rows(incl).filter((r) => !/^\((root|program|idle)\)/.test(r.fn)) };
}

export function heapSummary(head: HeapNode, root: string, top: number): { totalBytes: number; rows: Array<{ fn: string; bytes: number; share: number; stack: string }> } {
  const bySite = new Map<string, { bytes: number; stacks: Map<string, number> }>();
  let total = 0;
  const walk = (n: HeapNode, stack: string[]) => {
    const here = where(n.callFrame, root);
    const s = [...stack, here];
    if (n.selfSize > 0) {
      total += n.selfSize;
      const e = bySite.get(here) ?? { bytes: 0, stacks: new Map<string, number>() };
      e.bytes += n.selfSize;
      // The callers (three frames up) that made most of this site's bytes.
      const callers = s.slice(-4, -1).reverse().join(' < ');
      e.stacks.set(callers, (e.stacks.get(callers) ?? 0) + n.selfSize);
      bySite.set(here, e);
    }
    for (const c of n.children) walk(c, s);
  };
  walk(head, []);
  const rows = [...bySite.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)
    .map(([fn, e]) => ({ fn, bytes: e.bytes, share: e.bytes / total, stack: [...e.stacks.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '' }));
  return { totalBytes: total, rows };
}

/** Pauses per kind from --trace-gc lines ("... ms: Scavenge 3.2 (4.5) -> 2.8 (5.5) MB, 0.52 / 0.00 ms ..."). */
function traceGc(text: string): { [kind: string]: { count: number; ms: number } } {
  const out: { [kind: string]: { count: number; ms: number } } = {};
  for (const line of text.split('\n')) {
    const m = /ms: ([A-Za-z -]+?) [\d.]+ \([\d.]+\) -> [\d.]+ \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/.exec(line);
    if (m === null) continue;
    const g = (out[m[1]] ??= { count: 0, ms: 0 });
    g.count++;
    g.ms += Number(m[2]);
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const top = Number(optionValue(args, '--top') ?? 25);
  const root = repoRoot();
  const { manifest: m, file } = await namedCapture(args);
  const profDir = path.join(outDir(), 'prof');
  fs.rmSync(profDir, { recursive: true, force: true });
  fs.mkdirSync(profDir, { recursive: true });
  const report = path.join(profDir, 'report.jsonl');
  const scan = ['scan', file, '--format', 'jsonl', '-o', report];

  console.log(`profiling poolwatch on ${m.file} (${(m.packetBytes / 1e9).toFixed(2)} GB, ${(m.packets / 1e6).toFixed(2)} M packets)`);
  const t0 = Date.now();
  const cpu = spawnSync('node', ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', 'poolwatch.cpuprofile', '-e', CLI_SHIM, BUILD_CLI, ...scan], { stdio: 'inherit' });
  if (cpu.status !== 0) throw new Error(`poolwatch under --cpu-prof exited ${cpu.status}`);
  const profile = JSON.parse(fs.readFileSync(path.join(profDir, 'poolwatch.cpuprofile'), 'utf8')) as CpuProfile;
  const c = cpuSummary(profile, root, top);
  console.log(`\nCPU profile: ${(c.totalMs / 1000).toFixed(1)} s sampled (${((Date.now() - t0) / 1000).toFixed(0)} s wall)`);
  console.log('self time');
  for (const r of c.self) console.log(`  ${(r.ms / 1000).toFixed(2).padStart(7)} s ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.fn}`);
  console.log('inclusive time');
  for (const r of c.inclusive.slice(0, 20)) console.log(`  ${(r.ms / 1000).toFixed(2).padStart(7)} s ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.fn}`);

  let heap: ReturnType<typeof heapSummary> | null = null;
  type Gc = { [kind: string]: { count: number; ms: number } };
  let gc: Gc | null = null;
  if (!args.includes('--skip-heap')) {
    const heapFile = path.join(profDir, 'poolwatch.heapsample.json');
    const h = spawnSync('node', ['--trace-gc', '-r', path.join(__dirname, 'heap-sampler.js'), '-e', CLI_SHIM, BUILD_CLI, ...scan], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
      env: { ...process.env, PW_HEAP_PROFILE: heapFile },
    });
    if (h.status !== 0) throw new Error(`poolwatch with the heap sampler exited ${h.status}`);
    const j = JSON.parse(fs.readFileSync(heapFile, 'utf8')) as { profile: { head: HeapNode } };
    heap = heapSummary(j.profile.head, root, top);
    gc = traceGc(h.stdout);
    console.log(`\nallocations (sampled, collected objects included): ${(heap.totalBytes / 1e6).toFixed(0)} MB in all, ${(heap.totalBytes / m.packets).toFixed(1)} B per packet`);
    for (const r of heap.rows) console.log(`  ${(r.bytes / 1e6).toFixed(1).padStart(8)} MB ${(100 * r.share).toFixed(1).padStart(5)}%  ${r.fn}${r.stack ? `   <- ${r.stack}` : ''}`);
    console.log('GC');
    for (const [k, v] of Object.entries(gc ?? {})) console.log(`  ${k.padEnd(22)} ${String(v.count).padStart(7)} pauses ${(v.ms / 1000).toFixed(2).padStart(7)} s`);
  }
  const out = path.join(outDir(), `profile-${m.name}.json`);
  fs.writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), capture: m.file, packets: m.packets, cpu: c, heap, gc }, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(root, out)} and raw profiles in ${path.relative(root, profDir)}/`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
