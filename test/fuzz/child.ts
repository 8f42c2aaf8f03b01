/**
 * The fuzzing child process (started by harness.ts with fork): makes the
 * mutants it is asked for, writes each to a file of its own, scans it and
 * answers with the result and its peak RSS. A separate process, not a worker
 * thread, so a hang can be killed, a native crash or an out-of-memory abort
 * shows as an exit, and maxRSS measures this scan alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ANALYZER_OPTIONS, type AnalyzerOptions } from '../../src/analyzer';
import { loadSignatures } from '../../src/detect/signatures';
import { loadBases, makeMutant, type Base } from './mutant';
import { scanFile, type ScanResult } from './scan';

/** Test-only faults the harness's self-test asks for, to prove the watchdog sees each kind. */
export type Sabotage = 'hang' | 'exit' | 'throw' | 'rss';

export type ToChild = { type: 'init'; root: string; dir: string; seed: number; threadedEvery: number; sabotage?: { index: number; kind: Sabotage } } | { type: 'run'; index: number } | { type: 'file'; file: string; options?: Omit<AnalyzerOptions, 'onFinding'>; chunkSize?: number; threaded?: boolean };

export type FromChild = { type: 'ready'; bases: number } | { type: 'result'; index: number; result: ScanResult; maxRssKb: number };

/**
 * Collects the last mutant's garbage before the next starts, so the peak RSS
 * is that of the largest single scan, not of how lazily V8 collected between them.
 */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function send(m: FromChild): void {
  (process.send as (m: FromChild) => boolean)(m);
}

function sabotage(kind: Sabotage): void {
  if (kind === 'hang') for (;;);
  if (kind === 'exit') process.exit(7);
  if (kind === 'throw') throw new TypeError('sabotage: thrown outside the scan');
  // Touch every page so the memory is resident, not merely reserved.
  const held = Buffer.alloc(260 * 1024 * 1024, 1);
  (globalThis as { fuzzHeld?: Buffer }).fuzzHeld = held;
}

if (process.send !== undefined) {
  const sigs = loadSignatures([]);
  // The parent owns the folder and removes it, also when it has to kill this process.
  let dir = '';
  process.on('disconnect', () => process.exit(0));
  let bases: Base[] = [];
  let seed = 0;
  let threadedEvery = 0;
  let planted: { index: number; kind: Sabotage } | undefined;
  let queue = Promise.resolve();
  process.on('message', (msg: ToChild) => {
    queue = queue.then(async () => {
      if (msg.type === 'init') {
        bases = loadBases(msg.root);
        dir = msg.dir;
        seed = msg.seed;
        threadedEvery = msg.threadedEvery;
        planted = msg.sabotage;
        send({ type: 'ready', bases: bases.length });
        return;
      }
      if (msg.type === 'file') {
        const result = await scanFile(msg.file, sigs, msg.options ?? DEFAULT_ANALYZER_OPTIONS, msg.chunkSize, msg.threaded === true);
        send({ type: 'result', index: -1, result, maxRssKb: process.resourceUsage().maxRSS });
        return;
      }
      const m = makeMutant(seed, msg.index, bases);
      if (planted !== undefined && planted.index === msg.index) sabotage(planted.kind);
      const file = path.join(dir, 'mutant');
      fs.writeFileSync(file, m.bytes);
      const result = await scanFile(file, sigs, m.analyzer, m.chunkSize, threadedEvery > 0 && msg.index % threadedEvery === threadedEvery - 1);
      collect();
      send({ type: 'result', index: msg.index, result, maxRssKb: process.resourceUsage().maxRSS });
    });
  });
}
