/**
 * The frames the decoding thread of `scan --workers` hands one analysis
 * thread, in capture order, through a ring in shared memory: each frame's
 * header fields and bytes, copied once (the reader's chunk is reused). The
 * consumer reads them in place and gives the space back only when it has
 * finished with a frame, so a frame's bytes stay put while it is analyzed.
 *
 * The consumer also publishes how many frames it has finished with, which
 * the producer needs to know when the analysis thread's ruled-out table may
 * be trusted (triage.ts).
 *
 * Frame counters are 32-bit and wrap (differences are taken with `| 0`), so
 * a scan may pass any number of frames. Control words sit 64 bytes apart so
 * the two sides' counters do not share a cache line.
 */
import { Frame } from '../capture/frame';

/** Frames written, and the byte position after the last. */
const WRITTEN = 0;
const WRITE_AT = 16;
/** Frames the consumer has finished with (every frame before the one it is on), and the byte position of the first it still holds. */
const FINISHED = 32;
const READ_AT = 48;
const WRITER_WAITING = 64;
const READER_WAITING = 80;
const DONE = 96;
const FAILED = 112;
const CONTROL_WORDS = 128;

/** Record header: record length, captured length, wire length, link type, seconds, nanoseconds. */
const HEADER = 24;
/** Marks the rest of the ring unused: the next record starts at 0. */
const WRAP = 0xffffffff;
/** A sleeping consumer is woken once this many frames wait (or the producer waits or ends). */
const WAKE_AFTER = 32;
/** A consumer with nothing to do checks this often before it sleeps: waking it costs the producer a system call. */
const READER_SPINS = 2000;
/** How long a blocked producer waits for the consumer before deciding it has died. */
const STALL_MS = 120_000;

export interface FrameRingBuffers {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

export function createFrameRing(bytes = 4 * 1024 * 1024): FrameRingBuffers {
  return { control: new SharedArrayBuffer(CONTROL_WORDS * 4), data: new SharedArrayBuffer(bytes) };
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Largest frame the ring takes: a record uses less than half of it, so one always fits once the consumer has caught up. */
export function frameLimit(buffers: FrameRingBuffers): number {
  return (buffers.data.byteLength >>> 1) - HEADER - 4;
}

export class FrameWriter {
  /** Frames written: the sequence number of the last one. */
  written = 0;
  private readonly ctrl: Int32Array;
  private readonly words: Uint32Array;
  private readonly bytes: Buffer;
  private readonly size: number;
  private at = 0;

  constructor(buffers: FrameRingBuffers) {
    this.ctrl = new Int32Array(buffers.control);
    this.words = new Uint32Array(buffers.data);
    this.bytes = Buffer.from(buffers.data);
    this.size = buffers.data.byteLength;
  }

  /** Frames the consumer has finished with (by sequence number). */
  finished(): number {
    return Atomics.load(this.ctrl, FINISHED);
  }

  /** Copies the frame in, waiting for room; returns its sequence number. */
  put(frame: Frame): number {
    const need = HEADER + align4(frame.capLength);
    if (need >= this.size >>> 1) throw new RangeError(`frame of ${frame.capLength} bytes does not fit the ring`);
    let at = this.at;
    // The write position never reaches the end (a record that would goes to the start, after a
    // wrap mark) and never catches up with the read position: equal means empty.
    if (at + need >= this.size) {
      this.words[at >>> 2] = WRAP;
      this.waitForRoom(at, need, true);
      at = 0;
    } else if (!this.hasRoom(Atomics.load(this.ctrl, READ_AT), at, need, false)) {
      this.waitForRoom(at, need, false);
    }
    const w = at >>> 2;
    const words = this.words;
    words[w] = need;
    words[w + 1] = frame.capLength;
    words[w + 2] = frame.origLength;
    words[w + 3] = frame.linkType;
    words[w + 4] = frame.tsSec;
    words[w + 5] = frame.tsNsec;
    frame.data.copy(this.bytes, at + HEADER, frame.offset, frame.offset + frame.capLength);
    this.at = at + need;
    this.written = (this.written + 1) | 0;
    Atomics.store(this.ctrl, WRITE_AT, this.at);
    Atomics.store(this.ctrl, WRITTEN, this.written);
    if (Atomics.load(this.ctrl, READER_WAITING) !== 0 && ((this.written - Atomics.load(this.ctrl, FINISHED)) | 0) >= WAKE_AFTER) this.wakeReader();
    return this.written;
  }

  /** No more frames: the consumer takes what is left and stops. */
  close(): void {
    Atomics.store(this.ctrl, DONE, 1);
    this.wakeReader();
  }

  /**
   * A side that sleeps raises its flag and waits on it; the other side clears
   * it and wakes it once there is a good share to do, so neither can miss a
   * wake-up and neither is woken frame by frame.
   */
  private wakeReader(): void {
    Atomics.store(this.ctrl, READER_WAITING, 0);
    Atomics.notify(this.ctrl, READER_WAITING);
  }

  /** Room for `need` bytes at `at`, or, when wrapping, at the start: then the consumer must be behind `at` and past `need`. */
  private hasRoom(read: number, at: number, need: number, wrapping: boolean): boolean {
    return wrapping ? read <= at && need < read : read <= at || at + need < read;
  }

  private waitForRoom(at: number, need: number, wrapping: boolean): void {
    this.wakeReader();
    // Wait for a good share of the ring, not one frame's room: taking turns frame by frame would serialize the threads.
    const want = Math.max(need, this.size >>> 2);
    let stalledSince = 0;
    for (;;) {
      Atomics.store(this.ctrl, WRITER_WAITING, 1);
      const read = Atomics.load(this.ctrl, READ_AT);
      if (this.hasRoom(read, at, need, wrapping) && (read === at || free(read, wrapping ? 0 : at, this.size) >= want || Atomics.load(this.ctrl, FINISHED) === this.written)) {
        Atomics.store(this.ctrl, WRITER_WAITING, 0);
        return;
      }
      if (Atomics.load(this.ctrl, FAILED) !== 0) throw new Error('analysis thread failed');
      const r = Atomics.wait(this.ctrl, WRITER_WAITING, 1, 1000);
      if (r !== 'timed-out') stalledSince = 0;
      else if (stalledSince === 0) stalledSince = Date.now();
      else if (Date.now() - stalledSince > STALL_MS) throw new Error(`analysis thread made no progress for ${STALL_MS / 1000} s`);
    }
  }
}

/** Free bytes from the write position `at` up to the read position `read`. */
function free(read: number, at: number, size: number): number {
  return read > at ? read - at : size - at + read;
}

export class FrameReader {
  readonly frame = new Frame();
  private readonly ctrl: Int32Array;
  private readonly words: Uint32Array;
  private readonly size: number;
  private taken = 0;
  private at = 0;
  /** What the producer had published when last looked at. */
  private written = 0;

  constructor(buffers: FrameRingBuffers) {
    this.ctrl = new Int32Array(buffers.control);
    this.words = new Uint32Array(buffers.data);
    this.size = buffers.data.byteLength;
    this.frame.data = Buffer.from(buffers.data);
  }

  /**
   * Moves `frame` to the next frame and gives back the previous one's space,
   * marking it finished; false once the producer is done and all were taken.
   */
  next(): boolean {
    const ctrl = this.ctrl;
    Atomics.store(ctrl, READ_AT, this.at);
    Atomics.store(ctrl, FINISHED, this.taken);
    if (Atomics.load(ctrl, WRITER_WAITING) !== 0 && this.producerMayGo()) this.wakeWriter();
    if (this.taken === this.written && !this.waitForMore()) return false;
    let w = this.at >>> 2;
    if (this.words[w] === WRAP) {
      this.at = 0;
      w = 0;
    }
    const words = this.words;
    const frame = this.frame;
    frame.capLength = words[w + 1];
    frame.origLength = words[w + 2];
    frame.linkType = words[w + 3];
    frame.tsSec = words[w + 4];
    frame.tsNsec = words[w + 5];
    frame.offset = this.at + HEADER;
    this.at += words[w];
    this.taken = (this.taken + 1) | 0;
    return true;
  }

  /** The consumer failed: a producer waiting for room gives up instead of hanging. */
  fail(): void {
    Atomics.store(this.ctrl, FAILED, 1);
    this.wakeWriter();
  }

  /** A quarter of the ring is free, or everything written is finished: worth waking the producer for. */
  private producerMayGo(): boolean {
    const written = Atomics.load(this.ctrl, WRITTEN);
    return written === this.taken || free(this.at, Atomics.load(this.ctrl, WRITE_AT), this.size) >= this.size >>> 2;
  }

  private wakeWriter(): void {
    Atomics.store(this.ctrl, WRITER_WAITING, 0);
    Atomics.notify(this.ctrl, WRITER_WAITING);
  }

  private waitForMore(): boolean {
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
