/**
 * A single-producer, single-consumer ring of fixed-size records of 32-bit
 * words in shared memory: how the decoding thread of `scan --workers` passes
 * an analysis thread its jobs and verdicts. The producer writes a record in
 * place (`begin`, then the words, then `commit`); the consumer reads it in
 * place (`next`) and, by asking for the next one, marks it finished.
 *
 * A side that sleeps raises its flag and waits on it; the other side clears
 * it and wakes it once there is a good share to do, so no wake-up is lost and
 * nobody is woken record by record (taking turns would serialize the
 * threads). Counters are 32-bit and wrap (differences are taken with `| 0`).
 * Control words sit 64 bytes apart so the two sides' counters do not share a
 * cache line.
 */

const WRITTEN = 0;
/** Records the consumer has finished with: every record before the one it is on. */
const FINISHED = 16;
const WRITER_WAITING = 32;
const READER_WAITING = 48;
const DONE = 64;
const FAILED = 80;
const CONTROL_WORDS = 96;

/** A sleeping consumer is woken once this many records wait (or the producer waits or ends). */
const WAKE_AFTER = 64;
/** A consumer with nothing to do looks this many times before it sleeps: waking it costs the producer a system call. */
const READER_SPINS = 1000;
/** How long a blocked producer waits for the consumer before deciding it has died. */
const STALL_MS = 120_000;

export interface WordRingBuffers {
  control: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  width: number;
  /** Counters are published every `batch` records (and whenever a side is about to wait). */
  batch: number;
}

/**
 * `batch` trades how soon the other side sees a record for how often the
 * shared counters are written: a per-record atomic store and the cache line
 * it bounces between cores cost more than a small record itself.
 */
export function createWordRing(entries: number, width: number, batch = 1): WordRingBuffers {
  if ((entries & (entries - 1)) !== 0 || (batch & (batch - 1)) !== 0 || batch > entries >>> 2) throw new RangeError('ring size and batch must be powers of two, the batch at most a quarter of the ring');
  return { control: new SharedArrayBuffer(CONTROL_WORDS * 4), ring: new SharedArrayBuffer(entries * width * 4), width, batch };
}

/** Either side's view of a ring: the shared arrays and the sizes derived from them. */
class RingView {
  readonly words: Int32Array;
  protected readonly ctrl: Int32Array;
  /** Records in the ring, less one. */
  protected readonly mask: number;
  protected readonly width: number;
  protected readonly batchMask: number;

  constructor(buffers: WordRingBuffers) {
    this.ctrl = new Int32Array(buffers.control);
    this.words = new Int32Array(buffers.ring);
    this.width = buffers.width;
    this.mask = this.words.length / this.width - 1;
    this.batchMask = buffers.batch - 1;
  }
}

export class WordRingWriter extends RingView {
  /** Records committed: the sequence number of the last one. */
  written = 0;
  /** What the consumer had finished when last looked at: room is known up to there without asking again. */
  private seenFinished = 0;

  /**
   * `beforeWaiting` runs whenever this side is about to wait for room: the
   * consumer may need something else published (another ring's batch) to
   * move on.
   */
  constructor(
    buffers: WordRingBuffers,
    private readonly beforeWaiting?: () => void,
  ) {
    super(buffers);
  }

  /** Records the consumer has finished with (by sequence number). */
  finished(): number {
    return Atomics.load(this.ctrl, FINISHED);
  }

  /** Where the next record's words go in `words`, once there is room for it. */
  begin(): number {
    if (((this.written - this.seenFinished) | 0) > this.mask) this.waitFinished((this.written - this.mask) | 0, this.beforeWaiting);
    return (this.written & this.mask) * this.width;
  }

  /** Ends the record begun; returns its sequence number. It is published with its batch. */
  commit(): number {
    this.written = (this.written + 1) | 0;
    if ((this.written & this.batchMask) === 0) {
      Atomics.store(this.ctrl, WRITTEN, this.written);
      if (Atomics.load(this.ctrl, READER_WAITING) !== 0 && ((this.written - Atomics.load(this.ctrl, FINISHED)) | 0) >= WAKE_AFTER) this.wake();
    }
    return this.written;
  }

  /** Publishes every record and wakes a sleeping consumer: this side is about to wait for something. */
  wake(): void {
    Atomics.store(this.ctrl, WRITTEN, this.written);
    Atomics.store(this.ctrl, READER_WAITING, 0);
    Atomics.notify(this.ctrl, READER_WAITING);
  }

  /** No more records: the consumer takes what is left and stops. */
  close(): void {
    Atomics.store(this.ctrl, DONE, 1);
    this.wake();
  }

  /**
   * Waits until the consumer has finished record `seq`. `beforeWaiting` runs
   * first (other rings' consumers may need waking for this one to move on).
   */
  waitFinished(seq: number, beforeWaiting?: () => void): void {
    let stalledSince = 0;
    for (;;) {
      Atomics.store(this.ctrl, WRITER_WAITING, 1);
      this.seenFinished = Atomics.load(this.ctrl, FINISHED);
      if (((this.seenFinished - seq) | 0) >= 0) {
        Atomics.store(this.ctrl, WRITER_WAITING, 0);
        return;
      }
      if (Atomics.load(this.ctrl, FAILED) !== 0) throw new Error('analysis thread failed');
      this.wake();
      beforeWaiting?.();
      const r = Atomics.wait(this.ctrl, WRITER_WAITING, 1, 1000);
      if (r !== 'timed-out') stalledSince = 0;
      else if (stalledSince === 0) stalledSince = Date.now();
      else if (Date.now() - stalledSince > STALL_MS) throw new Error(`analysis thread made no progress for ${STALL_MS / 1000} s`);
    }
  }
}

export class WordRingReader extends RingView {
  private taken = 0;
  /** What the producer had published when last looked at. */
  private written = 0;

  /**
   * Where the next record's words are, marking the previous one finished; -1
   * once the producer is done and every record was taken.
   */
  next(): number {
    if ((this.taken & this.batchMask) === 0) this.publish();
    if (this.taken === this.written && !this.waitForMore()) return -1;
    const at = (this.taken & this.mask) * this.width;
    this.taken = (this.taken + 1) | 0;
    return at;
  }

  /** The consumer failed: a producer waiting on it gives up instead of hanging. */
  fail(): void {
    Atomics.store(this.ctrl, FAILED, 1);
    this.wakeWriter();
  }

  private publish(): void {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, FINISHED, this.taken);
    // A waiting producer is woken when a quarter of the ring is free or everything is finished.
    if (Atomics.load(ctrl, WRITER_WAITING) !== 0) {
      const pending = (Atomics.load(ctrl, WRITTEN) - this.taken) | 0;
      if (pending === 0 || pending <= ((this.mask + 1) * 3) >>> 2) this.wakeWriter();
    }
  }

  private wakeWriter(): void {
    Atomics.store(this.ctrl, WRITER_WAITING, 0);
    Atomics.notify(this.ctrl, WRITER_WAITING);
  }

  private waitForMore(): boolean {
    this.publish();
    for (let spins = 0; ; spins++) {
      this.written = Atomics.load(this.ctrl, WRITTEN);
      if (this.written !== this.taken) return true;
      if (Atomics.load(this.ctrl, DONE) !== 0) {
        this.written = Atomics.load(this.ctrl, WRITTEN);
        return this.written !== this.taken;
      }
      if (spins < READER_SPINS) continue;
      Atomics.store(this.ctrl, READER_WAITING, 1);
      if (Atomics.load(this.ctrl, WRITTEN) === this.taken && Atomics.load(this.ctrl, DONE) === 0) Atomics.wait(this.ctrl, READER_WAITING, 1, 50);
      Atomics.store(this.ctrl, READER_WAITING, 0);
    }
  }
}
