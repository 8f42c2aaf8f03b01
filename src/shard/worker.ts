/**
 * One analysis thread of `scan --workers N`: analyzes the frames the decoding
 * thread hands it (triage.ts), keeps the flows of its shard, and sends back
 * its aggregator state at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer } from '../analyzer';
import { loadSignatures } from '../detect/signatures';
import type { AnalysisJob, AnalysisResult } from './run';
import { FrameReader } from './frame-ring';

function work(job: AnalysisJob, frames: FrameReader): AnalysisResult {
  const analyzer = new Analyzer(loadSignatures(job.signatures), { ...job.options, shard: job.shard, shards: job.shards, ruledOutKeys: job.lane.ruledOutKeys });
  let count = 0;
  while (frames.next()) {
    analyzer.frame(frames.frame);
    count++;
  }
  analyzer.finish();
  return { state: analyzer.report.state(), flows: analyzer.flowsSeen, frames: count };
}

if (parentPort !== null) {
  const job = workerData as AnalysisJob;
  const frames = new FrameReader(job.lane.ring);
  try {
    parentPort.postMessage({ ok: true, result: work(job, frames) });
  } catch (err) {
    frames.fail();
    parentPort.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}
