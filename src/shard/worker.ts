/**
 * One analysis thread of `scan --workers N`: parses the read buffers the
 * decoding thread hands it (chunk-pool.ts), takes that thread's verdict for
 * the frames it decoded (triage.ts), analyzes the frames of its shard that
 * are not ruled out, and sends back its aggregator state at the end.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { Analyzer } from '../analyzer';
import type { Frame, FrameSink } from '../capture/frame';
import type { RecordParser } from '../capture/parser';
import { parserFor } from '../capture/read';
import { loadSignatures } from '../detect/signatures';
import { FIRST_OF_INPUT, JOB_BASE_HI, JOB_BASE_LO, JOB_END, JOB_FLAGS, JOB_POS, JOB_SLOT, NEW_BUFFER, type NewBuffer } from './chunk-pool';
import type { AnalysisJob, AnalysisResult } from './run';
import { KIND_MASK, SKIP, SYN_FLAG, TCP_SEGMENT, otherShard } from '../flow/verdict';
import { WordRingReader } from './word-ring';

const TWO_32 = 2 ** 32;

class Follower implements FrameSink {
  analyzed = 0;
  /** Frames seen, all of them: the decoding thread counts the same to name each one's input. */
  seen = 0;
  /** For each of the analyzer's warnings, the index of the frame that caused it (this thread's parser has no file names). */
  readonly warningFrames: number[] = [];

  constructor(
    private readonly analyzer: Analyzer,
    private readonly verdicts: WordRingReader,
    private readonly shard: number,
    private readonly shards: number,
  ) {}

  frame(frame: Frame): void {
    this.seen++;
    const v = this.verdicts;
    const at = v.next();
    const w = v.words;
    if (at < 0 || w[at + 3] !== frame.capLength) throw new Error(`${frame.source}: offset ${frame.fileOffset}: the two threads' parsers disagree`);
    const kind = w[at];
    if (kind === SKIP) return;
    if ((kind & KIND_MASK) === TCP_SEGMENT) {
      const hash = w[at + 1];
      if (otherShard(kind, hash, this.shard, this.shards)) return;
      if ((kind & SYN_FLAG) === 0 && this.analyzer.isRuledOut(hash, w[at + 2])) return;
    }
    this.analyzed++;
    const warned = this.analyzer.warnings.length;
    this.analyzer.frame(frame);
    if (this.analyzer.warnings.length !== warned) this.warningFrames.push(this.seen - 1);
  }
}

function work(job: AnalysisJob, jobs: WordRingReader, verdicts: WordRingReader, port: MessagePort): AnalysisResult {
  const analyzer = new Analyzer(loadSignatures(job.signatures), { ...job.options, shard: job.shard, shards: job.shards });
  const follower = new Follower(analyzer, verdicts, job.shard, job.shards);
  const buffers = job.buffers.map((b) => Buffer.from(b));
  const ignore = (): void => {};
  let parser: RecordParser | null = null;
  for (let at = jobs.next(); at >= 0; at = jobs.next()) {
    const w = jobs.words;
    const slot = w[at + JOB_SLOT];
    const pos = w[at + JOB_POS];
    const flags = w[at + JOB_FLAGS];
    if ((flags & NEW_BUFFER) !== 0) {
      // The decoding thread posted the larger buffer before this job, so it is there to take.
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const nb = m.message as NewBuffer;
        buffers[nb.slot] = Buffer.from(nb.buffer);
        if (nb.slot === slot) break;
      }
    }
    const buf = buffers[slot];
    // The input was judged a capture by the same test before the decoding thread parsed it.
    if ((flags & FIRST_OF_INPUT) !== 0) parser = parserFor('', buf.subarray(pos, pos + 4), follower, ignore);
    if (parser === null || parser.done) continue;
    parser.parse(buf, pos, w[at + JOB_END], (w[at + JOB_BASE_LO] >>> 0) + (w[at + JOB_BASE_HI] >>> 0) * TWO_32);
  }
  analyzer.finish();
  const warnings = analyzer.warnings.map((w, i) => ({ frame: follower.warningFrames[i], offset: w.offset, message: w.message }));
  return { state: analyzer.report.state(), flows: analyzer.flowsSeen, analyzed: follower.analyzed, warnings, warningsOmitted: analyzer.warningsOmitted };
}

if (parentPort !== null) {
  const job = workerData as AnalysisJob;
  const jobs = new WordRingReader(job.jobs);
  const verdicts = new WordRingReader(job.verdicts);
  try {
    parentPort.postMessage({ ok: true, result: work(job, jobs, verdicts, job.port) });
  } catch (err) {
    jobs.fail();
    verdicts.fail();
    parentPort.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}
