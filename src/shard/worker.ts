/**
 * One worker thread of `scan --workers N`: reads every input, keeps the flows
 * of its shard, and sends back its aggregator state when done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer } from '../analyzer';
import { loadSignatures } from '../detect/signatures';
import { scanInputs } from '../scan-inputs';
import type { ShardJob, ShardResult } from './run';

async function work(job: ShardJob): Promise<ShardResult> {
  const analyzer = new Analyzer(loadSignatures(job.signatures), { ...job.options, shard: job.shard, shards: job.shards });
  const inputs = await scanInputs(job.inputs, analyzer, () => {});
  analyzer.finish();
  return {
    state: analyzer.report.state(),
    inputs,
    packets: analyzer.packets,
    bytes: analyzer.bytes,
    flows: analyzer.flowsSeen,
  };
}

if (parentPort !== null) {
  const port = parentPort;
  work(workerData as ShardJob).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
}
