import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalyzerOptions } from '../analyzer';
import type { CaptureWarning } from '../capture/frame';
import { loadSignatures } from '../detect/signatures';
import { Aggregator, type AggregatorState } from '../report/aggregate';
import { scanInputs, type InputsResult } from '../scan-inputs';
import { Triage } from './triage';
import { createVerdicts, type VerdictBuffers } from './verdicts';

export interface AnalysisJob {
  inputs: { path: string; explicit: boolean }[];
  signatures: string[];
  options: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>;
  shard: number;
  shards: number;
  verdicts: VerdictBuffers;
}

export interface AnalysisResult {
  state: AggregatorState;
  flows: number;
  /** Frames the thread decoded and analyzed. */
  analyzed: number;
}

export interface ThreadedScan {
  report: Aggregator;
  inputs: InputsResult;
  packets: number;
  bytes: number;
  flows: number;
  /** Frames that reached an analysis thread's flow table or DNS reader, summed over threads. */
  analyzed: number;
}

/**
 * Scans on `threads` threads. This one decodes every frame (triage.ts); the
 * `threads - 1` worker threads each read the inputs too and analyze, each
 * owning the flows whose symmetric endpoint hash falls in its shard, so both
 * directions of a flow meet in one thread. Decoding, the largest per-frame
 * cost, is done once; a worker spends a record walk and a table probe on a
 * frame of a ruled-out flow.
 */
export async function scanThreaded(
  inputs: { path: string; explicit: boolean }[],
  signatures: string[],
  options: AnalysisJob['options'],
  threads: number,
  onWarning: (w: CaptureWarning) => void,
): Promise<ThreadedScan> {
  const shards = Math.max(1, threads - 1);
  const rings = Array.from({ length: shards }, () => createVerdicts());
  const workers = rings.map((verdicts, shard) => start({ inputs, signatures, options, shard, shards, verdicts }));
  const triage = new Triage(rings, loadSignatures(signatures));
  let inputsResult: InputsResult;
  try {
    inputsResult = await scanInputs(inputs, triage, onWarning);
  } catch (e) {
    for (const w of workers) void w.worker.terminate();
    throw e;
  } finally {
    triage.close();
  }
  const results = await Promise.all(workers.map((w) => w.result));
  const report = new Aggregator();
  for (const r of results) report.merge(r.state);
  return {
    report,
    inputs: inputsResult,
    packets: triage.packets,
    bytes: triage.bytes,
    flows: results.reduce((n, r) => n + r.flows, 0),
    analyzed: results.reduce((n, r) => n + r.analyzed, 0),
  };
}

function start(job: AnalysisJob): { worker: Worker; result: Promise<AnalysisResult> } {
  const worker = new Worker(join(__dirname, 'worker.js'), { workerData: job });
  const result = new Promise<AnalysisResult>((resolve, reject) => {
    let settled = false;
    worker.once('message', (m: { ok: true; result: AnalysisResult } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(`analysis thread ${job.shard}: ${m.error}`));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`analysis thread ${job.shard} exited with status ${code} before reporting`));
    });
  });
  // A thread that fails while this one is still reading is reported when reading ends.
  result.catch(() => {});
  return { worker, result };
}
