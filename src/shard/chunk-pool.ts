/**
 * The read buffers of `scan --workers`, in shared memory: the decoding thread
 * reads each chunk of a capture once, parses it, and tells the analysis
 * threads to parse the very same bytes (a job), so no frame is copied and no
 * file read twice. A buffer is reused only after every analysis thread has
 * finished the jobs on it.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ChunkSharing } from '../capture/read';
import { WordRingWriter, createWordRing, type WordRingBuffers } from './word-ring';

/** Job record: buffer slot, start, end, input offset of buf[0] (low, high 32 bits), flags. */
export const JOB_WORDS = 6;
export const JOB_SLOT = 0;
export const JOB_POS = 1;
export const JOB_END = 2;
export const JOB_BASE_LO = 3;
export const JOB_BASE_HI = 4;
export const JOB_FLAGS = 5;
/** The job starts an input: make a new parser. */
export const FIRST_OF_INPUT = 1;
/** The slot's buffer was replaced by a larger one, sent on the port before this job. */
export const NEW_BUFFER = 2;

const TWO_32 = 2 ** 32;

export function createPoolBuffers(slots = 8, bytes = 2 * 1024 * 1024): SharedArrayBuffer[] {
  return Array.from({ length: slots }, () => new SharedArrayBuffer(bytes));
}

/** One analysis thread's queue of jobs. */
export function createJobRing(): WordRingBuffers {
  return createWordRing(64, JOB_WORDS);
}

/** A replaced buffer, as posted to an analysis thread. */
export interface NewBuffer {
  slot: number;
  buffer: SharedArrayBuffer;
}

export class SharedChunks implements ChunkSharing {
  private readonly views: Buffer[];
  /** Per slot: sequence number of the last job on it, per analysis thread's job ring. */
  private readonly lastJob: Int32Array;
  private readonly replaced: boolean[];
  private readonly jobs: WordRingWriter[];
  private current = -1;

  /** Every analysis thread parses from the same buffers, and has its own job ring and port. */
  constructor(
    buffers: SharedArrayBuffer[],
    jobRings: WordRingBuffers[],
    private readonly ports: MessagePort[],
    /** Runs before this thread waits for a buffer: the analysis threads may need waking to free it. */
    private readonly beforeWaiting: () => void,
  ) {
    this.views = buffers.map((b) => Buffer.from(b));
    this.lastJob = new Int32Array(this.views.length * jobRings.length);
    this.replaced = this.views.map(() => false);
    // A full job ring waits on the analysis threads, which may need this thread's last verdicts published.
    this.jobs = jobRings.map((r) => new WordRingWriter(r, beforeWaiting));
  }

  take(bytes: number): Buffer {
    const slot = (this.current + 1) % this.views.length;
    for (let t = 0; t < this.jobs.length; t++) this.jobs[t].waitFinished(this.lastJob[slot * this.jobs.length + t], this.beforeWaiting);
    if (this.views[slot].length < bytes) {
      const buffer = new SharedArrayBuffer(bytes);
      this.views[slot] = Buffer.from(buffer);
      for (const port of this.ports) port.postMessage({ slot, buffer } satisfies NewBuffer);
      this.replaced[slot] = true;
    }
    this.current = slot;
    return this.views[slot];
  }

  parsing(buf: Buffer, pos: number, end: number, base: number, first: boolean): void {
    const slot = this.current;
    // The reader parses only the buffer it took last; a job naming another slot would send wrong bytes.
    if (buf !== this.views[slot]) throw new Error('shared read buffers: parsing a buffer that is not the current one');
    const flags = (first ? FIRST_OF_INPUT : 0) | (this.replaced[slot] ? NEW_BUFFER : 0);
    this.replaced[slot] = false;
    for (let t = 0; t < this.jobs.length; t++) {
      const ring = this.jobs[t];
      const at = ring.begin();
      const w = ring.words;
      w[at + JOB_SLOT] = slot;
      w[at + JOB_POS] = pos;
      w[at + JOB_END] = end;
      w[at + JOB_BASE_LO] = base % TWO_32;
      w[at + JOB_BASE_HI] = Math.floor(base / TWO_32);
      w[at + JOB_FLAGS] = flags;
      this.lastJob[slot * this.jobs.length + t] = ring.commit();
    }
  }

  close(): void {
    for (const ring of this.jobs) ring.close();
  }

  /** Wakes every analysis thread that sleeps on its job ring. */
  wake(): void {
    for (const ring of this.jobs) ring.wake();
  }
}
