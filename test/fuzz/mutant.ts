/**
 * Mutant number `index` of a run with `seed`: which committed capture it
 * starts from, what was done to it, the bytes, and how it is read (chunk
 * size, analyzer limits, gzip). A pure function of (seed, index, bases), so
 * one failing mutant is re-made alone from the two numbers a failure prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_ANALYZER_OPTIONS, type AnalyzerOptions } from '../../src/analyzer';
import { int, mutateBytes, pick } from '../support/mutate';
import { rng } from '../support/random';
import { parseCapture, writeCapture } from './framing';
import { mutateStructure } from './structure';

export interface Base {
  /** Path relative to the package root. */
  name: string;
  bytes: Buffer;
}

export type MutantKind = 'bytes' | 'structure' | 'both';

export interface Mutant {
  index: number;
  base: string;
  kind: MutantKind;
  ops: string[];
  bytes: Buffer;
  /** Bytes per read, so records straddle refills at many places. */
  chunkSize: number | undefined;
  analyzer: Omit<AnalyzerOptions, 'onFinding'>;
  gzip: boolean;
}

/** The folders of committed captures the fuzzer starts from. */
export const CAPTURE_DIRS = ['pcaps/samples', 'pcaps/detect', 'pcaps/encap', 'pcaps/real', 'pcaps/corpus/regressions'];

function walk(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  const names = fs.readdirSync(dir).sort();
  for (const n of names) {
    const p = path.join(dir, n);
    if (fs.statSync(p).isDirectory()) walk(p, out);
    else if (/\.(pcap|pcapng)(\.gz)?$/.test(n)) out.push(p);
  }
}

/** Every committed capture under `root`, in a fixed order (the order is part of what a seed means). */
export function loadBases(root: string, dirs: string[] = CAPTURE_DIRS): Base[] {
  const files: string[] = [];
  for (const d of dirs) walk(path.join(root, d), files);
  return files.map((f) => ({ name: path.relative(root, f), bytes: fs.readFileSync(f) }));
}

/** A 32-bit seed for one mutant, mixed so neighbouring indexes give unrelated streams. */
function mix(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

export function makeMutant(seed: number, index: number, bases: Base[]): Mutant {
  const r = rng(mix(seed, index));
  const base = pick(r, bases);
  const ops: string[] = [];
  const roll = r();
  let kind: MutantKind = roll < 0.35 ? 'bytes' : roll < 0.9 ? 'structure' : 'both';
  let bytes = base.bytes;
  if (kind !== 'bytes') {
    const c = parseCapture(bytes);
    const other = parseCapture(pick(r, bases).bytes);
    if (c !== null && mutateStructure(r, c, other, ops)) bytes = writeCapture(c);
    else kind = 'bytes';
  }
  if (kind !== 'structure') bytes = mutateBytes(r, bytes, ops);
  // Some mutants through gunzip: the stream reader, and (mutated after) broken gzip data.
  const gzip = r() < 0.08;
  if (gzip) {
    bytes = gzipSync(bytes, { level: 1 });
    if (r() < 0.3) bytes = mutateBytes(r, bytes, ops, 1);
  }
  const chunkRoll = r();
  const chunkSize = chunkRoll < 0.75 ? undefined : chunkRoll < 0.9 ? 97 : 16 + int(r, 5000);
  // Small tables, short windows: the eviction, idle and give-up paths, with limits the CLI accepts.
  const analyzer =
    r() < 0.8
      ? { ...DEFAULT_ANALYZER_OPTIONS, maxFlows: 16384 }
      : { maxFlows: pick(r, [1, 4, 64]), idleTimeoutMs: pick(r, [1000, 60000]), inspectBytes: pick(r, [64, 1024, 65536]) };
  return { index, base: base.name, kind, ops, bytes, chunkSize, analyzer, gzip };
}

/** One line saying what a mutant is, for failure reports. */
export function describeMutant(m: Mutant): string {
  const read = [m.chunkSize === undefined ? '' : `chunk ${m.chunkSize}`, m.gzip ? 'gzip' : '', `maxFlows ${m.analyzer.maxFlows}`, `inspectBytes ${m.analyzer.inspectBytes}`].filter(Boolean).join(', ');
  return `${m.base} [${m.kind}] ${m.ops.join('; ')} (${m.bytes.length} bytes; ${read})`;
}
