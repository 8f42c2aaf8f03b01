/**
 * Runs a fuzzing campaign: mutants [start, start + mutants) of one seed,
 * spread over `jobs` child processes, each mutant under a watchdog. A child
 * that hangs, dies or grows past the memory limit is replaced and the run goes
 * on; a hang is confirmed by running that mutant again alone with a longer
 * limit (a busy machine can make a sound mutant slow, not endless).
 */
import * as path from 'node:path';
import { loadSignatures } from '../../src/detect/signatures';
import { knownBug } from './known';
import { describeMutant, loadBases, makeMutant, type Base } from './mutant';
import { FuzzChild, type Answer } from './process';
import type { Sabotage } from './child';
import { writersNeutralise, type ControlsMode, type ScanResult } from './scan';

export type FailureKind = 'crash' | 'exit' | 'hang' | 'rss' | 'bad-error' | 'differs' | 'controls' | 'forged';

export interface Failure {
  index: number;
  kind: FailureKind;
  message: string;
  stack: string | null;
  /** What the mutant is (base capture, mutations, read options). */
  mutant: string;
  /** The KNOWN_BUGS id it matches, or null for a new failure. */
  known: string | null;
}

export interface FuzzOptions {
  root: string;
  seed: number;
  mutants: number;
  start?: number;
  /** Exactly these mutants instead of a range (re-running failures). */
  only?: number[];
  jobs?: number;
  timeoutMs?: number;
  /** Peak RSS of a child above this fails the mutant that took it there. */
  rssLimitMb?: number;
  /** Resident memory at which a child is killed mid-mutant. */
  killRssMb?: number;
  /**
   * A fresh child after this many mutants: freed Buffer memory mostly stays
   * with the process (malloc keeps it), so over thousands of scans one child's
   * peak RSS would measure the allocator, not the largest scan.
   */
  recycleEvery?: number;
  /**
   * Every this many mutants (by index, so the PRNG stream and what a seed
   * means stay the same) is also scanned on three threads (scanThreaded) and
   * the reports compared: `scan --workers` claims one thread's report. 0: never.
   */
  threadedEvery?: number;
  controls: ControlsMode;
  sabotage?: { index: number; kind: Sabotage };
  /** Called after each mutant (progress for long runs). */
  progress?: (done: number) => void;
}

export interface FuzzReport {
  seed: number;
  mutants: number;
  outcomes: Record<'ok' | 'rejected', number>;
  withFindings: number;
  withWarnings: number;
  failures: Failure[];
  /** Mutants that passed the watchdog's limit once but finished when run again alone. */
  slow: Array<{ index: number; ms: number }>;
  peakRssMb: number;
  /** The mutant after which the peak was first measured. */
  peakAt: number;
  seconds: number;
  controls: ControlsMode;
  /** Mutants whose output held a raw control character or a forged table line (whatever the mode). */
  controlHits: number;
  restarts: number;
}

const DEFAULTS = { jobs: 1, timeoutMs: 5000, rssLimitMb: 200, killRssMb: 450, recycleEvery: 500, threadedEvery: 100 };

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim().length > 0)?.trim() ?? '';
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const opts = { ...DEFAULTS, ...o };
  const started = Date.now();
  const bases: Base[] = loadBases(opts.root);
  const report: FuzzReport = {
    seed: opts.seed, mutants: 0, outcomes: { ok: 0, rejected: 0 }, withFindings: 0, withWarnings: 0, failures: [], slow: [],
    peakRssMb: 0, peakAt: -1, seconds: 0, controls: opts.controls, controlHits: 0, restarts: 0,
  };
  const fail = (index: number, kind: FailureKind, message: string, stack: string | null = null): void => {
    const m = makeMutant(opts.seed, index, bases);
    const known = knownBug(opts.seed, index, `${kind}: ${message}\n${stack ?? ''}`);
    report.failures.push({ index, kind, message, stack, mutant: describeMutant(m), known: known?.id ?? null });
  };
  const record = (index: number, r: ScanResult, maxRssKb: number): boolean => {
    report.mutants++;
    const rss = maxRssKb / 1024;
    if (rss > report.peakRssMb) {
      report.peakRssMb = rss;
      report.peakAt = index;
    }
    if (r.outcome === 'ok' || r.outcome === 'rejected') report.outcomes[r.outcome]++;
    else fail(index, r.outcome, r.message ?? '', r.stack);
    if (r.findings > 0) report.withFindings++;
    if (r.warnings > 0) report.withWarnings++;
    if (r.controls !== null || r.forged !== null) {
      report.controlHits++;
      if (opts.controls === 'strict') fail(index, r.controls !== null ? 'controls' : 'forged', (r.controls ?? r.forged) as string);
    }
    if (rss > opts.rssLimitMb) {
      fail(index, 'rss', `peak RSS ${rss.toFixed(0)} MB after this mutant (limit ${opts.rssLimitMb} MB)`);
      return false; // the peak stays: a fresh child measures the next mutants
    }
    return true;
  };
  const start = opts.start ?? 0;
  const queue = opts.only ?? Array.from({ length: opts.mutants }, (_, k) => start + k);
  let next = 0;
  const newChild = (): Promise<FuzzChild> => FuzzChild.start(opts.root, opts.seed, opts.sabotage, opts.threadedEvery);

  /** A mutant that tripped the watchdog, run again alone with four times the limit. */
  const confirmHang = async (index: number): Promise<void> => {
    const c = await newChild();
    const t0 = Date.now();
    const a = await c.request({ type: 'run', index }, opts.timeoutMs * 4, opts.killRssMb);
    c.kill();
    if (a.kind === 'result') {
      report.slow.push({ index, ms: Date.now() - t0 });
      record(index, a.result, a.maxRssKb);
    } else {
      report.mutants++;
      settleBad(index, a);
    }
  };
  const settleBad = (index: number, a: Exclude<Answer, { kind: 'result' }>): void => {
    if (a.kind === 'hang') fail(index, 'hang', `no answer within ${opts.timeoutMs * 4} ms (also not within ${opts.timeoutMs} ms before)`);
    else if (a.kind === 'rss') fail(index, 'rss', `resident memory ${a.rssMb.toFixed(0)} MB while scanning (killed at ${opts.killRssMb} MB)`);
    else fail(index, 'exit', `child exited (code ${a.code}, signal ${a.signal}): ${firstLine(a.stderr.split('\n').find((l) => /Error|FATAL|abort/i.test(l)) ?? a.stderr)}`, a.stderr);
  };

  const lane = async (): Promise<void> => {
    let child = await newChild();
    let served = 0;
    try {
      while (next < queue.length) {
        const index = queue[next++];
        const a = await child.request({ type: 'run', index }, opts.timeoutMs, opts.killRssMb);
        let fresh = false;
        if (a.kind === 'result') {
          fresh = !record(index, a.result, a.maxRssKb);
        } else if (a.kind === 'hang') {
          await confirmHang(index);
          fresh = true;
        } else {
          report.mutants++;
          settleBad(index, a);
          fresh = true;
        }
        if ((fresh || !child.alive || ++served >= opts.recycleEvery) && next < queue.length) {
          child.kill();
          if (fresh) report.restarts++;
          served = 0;
          child = await newChild();
        }
        opts.progress?.(report.mutants);
      }
    } finally {
      child.kill();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, lane));
  report.failures.sort((a, b) => a.index - b.index);
  report.slow.sort((a, b) => a.index - b.index);
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** The one summary line every run prints. */
export function summaryLine(r: FuzzReport): string {
  const count = (k: FailureKind): number => r.failures.filter((f) => f.kind === k).length;
  const known = r.failures.filter((f) => f.known !== null).length;
  return (
    `fuzz: seed ${r.seed}, ${r.mutants} mutants (${r.outcomes.ok} read, ${r.outcomes.rejected} rejected as not a capture, ${r.withFindings} with findings, ${r.withWarnings} with warnings), ` +
    `crashes ${count('crash') + count('exit')}, hangs ${count('hang')}, rss ${count('rss')}, unclear errors ${count('bad-error')}, threaded reports differing ${count('differs')}, ` +
    `${known} of ${r.failures.length} failures known, slow ${r.slow.length}, peak RSS ${r.peakRssMb.toFixed(0)} MB (at mutant ${r.peakAt}), ${r.seconds.toFixed(1)} s; ` +
    `output control check ${r.controls} (${r.controlHits} mutants with raw controls or forged lines)`
  );
}

/** Each failure on a few lines, with what re-runs it. */
export function failureText(r: FuzzReport, f: Failure): string {
  const stack = f.stack === null ? '' : '\n    ' + f.stack.split('\n').slice(0, 8).join('\n    ');
  return `${f.known === null ? 'NEW' : `known ${f.known}`} ${f.kind} in mutant ${f.index} (POOLWATCH_FUZZ_SEED=${r.seed} POOLWATCH_FUZZ_ONLY=${f.index}): ${f.message}\n  mutant: ${f.mutant}${stack}`;
}

/** A whole number from the environment, or `fallback` when unset. */
function envNumber(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${v}: expected a whole number`);
  return n;
}

/** The fixed seed `npm test` uses, so the suite is the same on every run; POOLWATCH_FUZZ_SEED=random for a new one. */
export const DEFAULT_SEED = 1313;

/**
 * Options from the environment: POOLWATCH_FUZZ_SEED (a number or "random"),
 * POOLWATCH_FUZZ_MUTANTS, POOLWATCH_FUZZ_START, POOLWATCH_FUZZ_ONLY (indexes,
 * comma-separated), POOLWATCH_FUZZ_JOBS, POOLWATCH_FUZZ_TIMEOUT_MS and
 * POOLWATCH_FUZZ_THREADED_EVERY, POOLWATCH_FUZZ_CONTROLS (strict, report or off; by default strict once the
 * writers neutralise control characters, report before).
 */
export async function optionsFromEnv(root: string, defaultMutants: number): Promise<FuzzOptions> {
  const seedText = process.env.POOLWATCH_FUZZ_SEED;
  const seed = seedText === 'random' ? Math.floor(Math.random() * 2 ** 31) : envNumber('POOLWATCH_FUZZ_SEED', DEFAULT_SEED);
  const onlyText = process.env.POOLWATCH_FUZZ_ONLY;
  const only = onlyText ? onlyText.split(',').map((x) => Number(x.trim())) : undefined;
  if (only?.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`POOLWATCH_FUZZ_ONLY=${onlyText}: expected mutant indexes, comma-separated`);
  const controlsText = process.env.POOLWATCH_FUZZ_CONTROLS;
  if (controlsText !== undefined && controlsText !== '' && !['strict', 'report', 'off'].includes(controlsText)) {
    throw new Error(`POOLWATCH_FUZZ_CONTROLS=${controlsText}: expected strict, report or off`);
  }
  const probe = async (): Promise<boolean> => writersNeutralise(path.join(root, 'pcaps', 'samples', 'xmrig-stratum.pcap'), loadSignatures([]));
  const controls = (controlsText || ((await probe()) ? 'strict' : 'report')) as ControlsMode;
  return {
    root,
    seed,
    mutants: only?.length ?? envNumber('POOLWATCH_FUZZ_MUTANTS', defaultMutants),
    start: envNumber('POOLWATCH_FUZZ_START', 0),
    only,
    jobs: envNumber('POOLWATCH_FUZZ_JOBS', 1),
    timeoutMs: envNumber('POOLWATCH_FUZZ_TIMEOUT_MS', DEFAULTS.timeoutMs),
    threadedEvery: envNumber('POOLWATCH_FUZZ_THREADED_EVERY', DEFAULTS.threadedEvery),
    controls,
  };
}
