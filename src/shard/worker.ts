/**
 * One analysis thread of `scan --workers N`: reads every input itself, takes
 * the decoding thread's verdict for each frame (triage.ts), and analyzes the
 * frames of its shard that are not ruled out. Sends back its aggregator state
 * at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Analyzer } from '../analyzer';
import type { Frame, FrameSink } from '../capture/frame';
import { loadSignatures } from '../detect/signatures';
import { scanInputs } from '../scan-inputs';
import type { AnalysisJob, AnalysisResult } from './run';
import { DNS_PORT_FLAG, SKIP, SYN_FLAG, TCP_SEGMENT, VerdictReader } from './verdicts';

class Follower implements FrameSink {
  analyzed = 0;

  constructor(
    private readonly analyzer: Analyzer,
    private readonly verdicts: VerdictReader,
    private readonly shard: number,
    private readonly shards: number,
  ) {}

  frame(frame: Frame): void {
    const v = this.verdicts;
    const kind = v.next();
    if (kind === -1 || v.capLength !== frame.capLength) throw new Error(`${frame.source}: offset ${frame.fileOffset}: input changed while the threads read it`);
    if (kind === SKIP) return;
    if ((kind & 3) === TCP_SEGMENT) {
      if (this.shards > 1 && v.hash % this.shards !== this.shard && (kind & DNS_PORT_FLAG) === 0) return;
      if ((kind & SYN_FLAG) === 0 && this.analyzer.isRuledOut(v.hash, v.check)) return;
    }
    this.analyzed++;
    this.analyzer.frame(frame);
  }

  /** Every verdict was used: the two reads of the inputs saw the same frames. */
  finish(): void {
    if (this.verdicts.next() !== -1) throw new Error('input changed while the threads read it: the decoding thread saw more frames');
  }
}

if (parentPort !== null) {
  const port = parentPort;
  const job = workerData as AnalysisJob;
  const verdicts = new VerdictReader(job.verdicts);
  const analyzer = new Analyzer(loadSignatures(job.signatures), { ...job.options, shard: job.shard, shards: job.shards });
  const follower = new Follower(analyzer, verdicts, job.shard, job.shards);
  scanInputs(job.inputs, follower, () => {})
    .then(() => {
      follower.finish();
      analyzer.finish();
      const result: AnalysisResult = { state: analyzer.report.state(), flows: analyzer.flowsSeen, analyzed: follower.analyzed };
      port.postMessage({ ok: true, result });
    })
    .catch((err: unknown) => {
      verdicts.fail();
      port.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    });
}
