import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalyzerOptions } from '../analyzer';
import type { CaptureWarning } from '../capture/frame';
import { loadSignatures } from '../detect/signatures';
import { RuledOut } from '../flow/ruled-out';
import { Aggregator, type AggregatorState } from '../report/aggregate';
import { scanInputs, type InputsResult } from '../scan-inputs';
import { Triage, type Lane } from './triage';
import { createFrameRing } from './frame-ring';

export interface AnalysisJob {
  signatures: string[];
  options: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards' | 'ruledOutKeys'>;
  shard: number;
  shards: number;
  lane: Lane;
}

export interface AnalysisResult {
  state: AggregatorState;
  flows: number;
  /** Frames the thread was handed. */
  frames: number;
}

export interface ThreadedScan {
  report: Aggregator;
  inputs: InputsResult;
  packets: number;
  bytes: number;
  flows: number;
  /** Frames handed to analysis threads (a DNS frame once per thread); the rest stopped at decoding. */
  sent: number;
}

/**
 * Scans on `threads` threads. This one reads and decodes every frame
 * (triage.ts); `threads - 1` worker threads analyze, each owning the flows
 * whose symmetric endpoint hash falls in its shard, so both directions of a
 * flow meet in one thread. Decoding, the largest per-frame cost, is done once,
 * and frames of flows an analysis thread has ruled out never reach it.
 */
export async function scanThreaded(
  inputs: { path: string; explicit: boolean }[],
  signatures: string[],
  options: AnalysisJob['options'],
  threads: number,
  onWarning: (w: CaptureWarning) => void,
): Promise<ThreadedScan> {
  const shards = Math.max(1, threads - 1);
  const lanes: Lane[] = Array.from({ length: shards }, () => ({ ring: createFrameRing(), ruledOutKeys: RuledOut.sharedKeys() }));
  const workers = lanes.map((lane, shard) => start({ signatures, options, shard, shards, lane }));
  const triage = new Triage(lanes, loadSignatures(signatures), onWarning);
  let inputsResult: InputsResult;
  try {
    inputsResult = await scanInputs(inputs, triage, onWarning);
  } catch (e) {
    // A failed analysis thread stops the reader: its own error says why.
    const failed = await Promise.race([Promise.allSettled(workers.map((w) => w.result)), new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
    for (const w of workers) void w.worker.terminate();
    const cause = failed?.find((r) => r.status === 'rejected');
    throw cause !== undefined ? (cause as PromiseRejectedResult).reason : e;
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
    sent: triage.sent,
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
