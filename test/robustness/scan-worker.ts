/**
 * Scans capture files one at a time for corpus.test.ts, in a worker thread so
 * the test can stop a file that hangs (a synchronous loop cannot be timed out
 * from the same thread) and cap the heap. Each file gets its own Analyzer so
 * every finding is tied to the file that made it. Also usable as a plain
 * module: scanOne() is what the worker runs per file.
 */
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { CaptureFormatError, type CaptureWarning, type Frame, type FrameSink } from '../../src/capture/frame';
import { readCapture } from '../../src/capture/read';
import { loadSignatures, type Signatures } from '../../src/detect/signatures';

export interface ScanRequest {
  file: string;
}

export interface FoundPair {
  host: string;
  pool: string | null;
  poolPort: number | null;
  protocol: string;
  domain: string | null;
  evidence: string[];
}

/** Earliest and latest frame time seen, as "seconds.nanoseconds" text (exact; a number would round). */
class TimeSpan implements FrameSink {
  minSec = Infinity;
  minNsec = 0;
  maxSec = -Infinity;
  maxNsec = 0;
  constructor(private readonly next: FrameSink) {}

  frame(f: Frame): void {
    if (f.tsSec < this.minSec || (f.tsSec === this.minSec && f.tsNsec < this.minNsec)) {
      this.minSec = f.tsSec;
      this.minNsec = f.tsNsec;
    }
    if (f.tsSec > this.maxSec || (f.tsSec === this.maxSec && f.tsNsec > this.maxNsec)) {
      this.maxSec = f.tsSec;
      this.maxNsec = f.tsNsec;
    }
    this.next.frame(f);
  }

  text(sec: number, nsec: number): string | null {
    return Number.isFinite(sec) ? `${sec}.${String(nsec).padStart(9, '0')}` : null;
  }
}

/** Digest of every delivered frame (bytes, lengths, link type, time, offset): two reads of one file must agree. */
class Digest implements FrameSink {
  private readonly hash = createHash('sha1');
  private readonly head = Buffer.alloc(28);
  packets = 0;

  frame(f: Frame): void {
    const h = this.head;
    h.writeUInt32LE(f.capLength, 0);
    h.writeUInt32LE(f.origLength >>> 0, 4);
    h.writeUInt32LE(f.linkType >>> 0, 8);
    h.writeDoubleLE(f.tsSec, 12);
    h.writeUInt32LE(f.tsNsec >>> 0, 20);
    h.writeUInt32LE(f.fileOffset >>> 0, 24);
    this.hash.update(h);
    this.hash.update(f.data.subarray(f.offset, f.offset + f.capLength));
    this.packets++;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/** Reads `file` twice, with the default chunk and with a tiny one, and says how the two differ (null when they agree). */
async function chunkDisagreement(file: string): Promise<string | null> {
  const read = async (chunkSize?: number): Promise<string> => {
    const d = new Digest();
    const warnings: string[] = [];
    let error = '';
    try {
      await readCapture(file, d, (w) => warnings.push(`${w.offset}: ${w.message}`), { chunkSize });
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    return `${d.packets} packets, digest ${d.hex()}, warnings ${JSON.stringify(warnings)}, error ${error}`;
  };
  const whole = await read();
  // A size that is no multiple of any record or block length, so records straddle every refill.
  const small = await read(97);
  return whole === small ? null : `default chunk: ${whole}; 97-byte chunks: ${small}`;
}

export interface ScanResult {
  file: string;
  /** Packets the reader delivered. */
  packets: number;
  warnings: CaptureWarning[];
  /** Message of a CaptureFormatError (the input is not a capture). */
  formatError: string | null;
  /** Any other exception, with its stack: always a bug. */
  crash: string | null;
  findings: FoundPair[];
  /** Reading with 97-byte chunks gave other frames or warnings than the default chunk. */
  chunkMismatch: string | null;
  /** Earliest and latest frame time ("seconds.nanoseconds"), null without frames. */
  first: string | null;
  last: string | null;
  ms: number;
  heapMb: number;
}

export async function scanOne(file: string, sigs: Signatures): Promise<ScanResult> {
  const started = process.hrtime.bigint();
  // A fresh table per file; the default 262144-flow table costs tens of ms to set up, which over
  // hundreds of small files dominates the run (corpus files hold a few dozen flows each).
  const analyzer = new Analyzer(sigs, { ...DEFAULT_ANALYZER_OPTIONS, maxFlows: 16384 });
  const span = new TimeSpan(analyzer);
  const warnings: CaptureWarning[] = [];
  let packets = 0;
  let formatError: string | null = null;
  let crash: string | null = null;
  let findings: FoundPair[] = [];
  try {
    const r = await readCapture(file, span, (w) => warnings.push(w));
    packets = r.packets;
  } catch (e) {
    if (e instanceof CaptureFormatError) formatError = e.message;
    else crash = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  try {
    findings = analyzer.finish().map((f) => ({ host: f.host, pool: f.pool, poolPort: f.poolPort, protocol: f.protocol, domain: f.domain, evidence: f.evidence }));
  } catch (e) {
    crash ??= `finish: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let chunkMismatch: string | null = null;
  try {
    chunkMismatch = await chunkDisagreement(file);
  } catch (e) {
    crash ??= `second read: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
  }
  return {
    file,
    packets,
    chunkMismatch,
    warnings,
    formatError,
    crash,
    findings,
    first: span.text(span.minSec, span.minNsec),
    last: span.text(span.maxSec, span.maxNsec),
    ms,
    heapMb: process.memoryUsage().heapUsed / 1048576,
  };
}

if (parentPort !== null) {
  const port = parentPort;
  const sigs = loadSignatures([]);
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (req: ScanRequest) => {
    queue = queue.then(async () => port.postMessage(await scanOne(req.file, sigs)));
  });
}
