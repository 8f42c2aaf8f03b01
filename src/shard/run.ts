import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalyzerOptions } from '../analyzer';
import type { AggregatorState } from '../report/aggregate';
import type { InputsResult } from '../scan-inputs';

export interface ShardJob {
  inputs: { path: string; explicit: boolean }[];
  signatures: string[];
  options: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>;
  shard: number;
  shards: number;
}

export interface ShardResult {
  state: AggregatorState;
  inputs: InputsResult;
  packets: number;
  bytes: number;
  flows: number;
}

/**
 * Runs the analyzer on `shards` worker threads. Each reads all inputs (reading
 * and walking headers is cheap; the page cache serves the second read) and
 * keeps only the flows whose symmetric endpoint hash falls in its shard, so
 * both directions of a flow meet in one thread and no packet is passed
 * between threads.
 */
export function runSharded(base: Omit<ShardJob, 'shard'>): Promise<ShardResult[]> {
  const jobs = Array.from({ length: base.shards }, (_, shard) => runOne({ ...base, shard }));
  return Promise.all(jobs);
}

function runOne(job: ShardJob): Promise<ShardResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'worker.js'), { workerData: job });
    let settled = false;
    worker.once('message', (m: { ok: true; result: ShardResult } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(`worker ${job.shard}: ${m.error}`));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`worker ${job.shard} exited with status ${code} before reporting`));
    });
  });
}
