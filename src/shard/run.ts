import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { warningLines, type AnalyzerOptions } from '../analyzer';
import type { CaptureWarning } from '../capture/frame';
import { loadSignatures } from '../detect/signatures';
import { Aggregator, type AggregatorState } from '../report/aggregate';
import { scanInputs, type InputsResult } from '../scan-inputs';
import { SharedChunks, createJobRing, createPoolBuffers } from './chunk-pool';
import { Triage, createVerdictRing } from './triage';
import type { WordRingBuffers } from './word-ring';

export interface AnalysisJob {
  signatures: string[];
  options: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>;
  shard: number;
  shards: number;
  /** The read buffers, shared by all threads. */
  buffers: SharedArrayBuffer[];
  jobs: WordRingBuffers;
  verdicts: WordRingBuffers;
  /** Where a read buffer replaced by a larger one arrives. */
  port: MessagePort;
}

export interface AnalysisResult {
  state: AggregatorState;
  flows: number;
  /** Frames the thread decoded and analyzed. */
  analyzed: number;
  /**
   * The analyzer's warnings, by the index of the frame that caused each (the decoding thread
   * knows which input that was). Shard 0's only: every shard reassembles every fragment.
   */
  warnings: Array<{ frame: number; offset: number; message: string }>;
  warningsOmitted: number;
}

export interface ThreadedScan {
  report: Aggregator;
  inputs: InputsResult;
  packets: number;
  bytes: number;
  flows: number;
  /** Frames the analysis threads decoded and analyzed, summed over threads. */
  analyzed: number;
  /** What the traffic itself warrants a warning for (Analyzer.warningLines), as one thread would say it. */
  warnings: string[];
}

/**
 * Scans on `threads` threads. This one reads every input once into shared
 * buffers and decodes every frame (triage.ts); `threads - 1` worker
 * threads parse the same buffers, analyze, and each owns the flows whose
 * symmetric endpoint hash falls in its shard, so both directions of a flow
 * meet in one thread. No frame is copied between threads, and frames of
 * ruled-out flows cost an analysis thread a record walk and a table probe.
 */
export async function scanThreaded(
  inputs: { path: string; explicit: boolean }[],
  signatures: string[],
  options: AnalysisJob['options'],
  threads: number,
  onWarning: (w: CaptureWarning) => void,
  signal?: AbortSignal,
): Promise<ThreadedScan> {
  const shards = Math.max(1, threads - 1);
  const buffers = createPoolBuffers();
  const lanes = Array.from({ length: shards }, () => ({ jobs: createJobRing(), verdicts: createVerdictRing(), channel: new MessageChannel() }));
  const workers = lanes.map((lane, shard) =>
    start({ signatures, options, shard, shards, buffers, jobs: lane.jobs, verdicts: lane.verdicts, port: lane.channel.port2 }),
  );
  const triage = new Triage(
    lanes.map((l) => l.verdicts),
    loadSignatures(signatures),
  );
  const chunks = new SharedChunks(
    buffers,
    lanes.map((l) => l.jobs),
    lanes.map((l) => l.channel.port1),
    () => triage.wake(),
  );
  let inputsResult: InputsResult;
  try {
    inputsResult = await scanInputs(inputs, triage, onWarning, { sharing: chunks, signal });
  } catch (e) {
    // A failed analysis thread stops the reader: its own error says why.
    const settled = await Promise.race([Promise.allSettled(workers.map((w) => w.result)), new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
    for (const w of workers) void w.worker.terminate();
    const cause = settled?.find((r) => r.status === 'rejected');
    throw cause !== undefined ? (cause as PromiseRejectedResult).reason : e;
  } finally {
    chunks.close();
    triage.close();
  }
  const results = await Promise.all(workers.map((w) => w.result));
  for (const l of lanes) l.channel.port1.close();
  const report = new Aggregator();
  for (const r of results) report.merge(r.state);
  return {
    report,
    inputs: inputsResult,
    packets: triage.packets,
    bytes: triage.bytes,
    flows: results.reduce((n, r) => n + r.flows, 0),
    analyzed: results.reduce((n, r) => n + r.analyzed, 0),
    warnings: warningLines(
      results.flatMap((r) => r.warnings.map((w) => ({ file: triage.sourceOf(w.frame), offset: w.offset, message: w.message }))),
      results.reduce((n, r) => n + r.warningsOmitted, 0),
    ),
  };
}

function start(job: AnalysisJob): { worker: Worker; result: Promise<AnalysisResult> } {
  const worker = new Worker(join(__dirname, 'worker.js'), { workerData: job, transferList: [job.port] });
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
