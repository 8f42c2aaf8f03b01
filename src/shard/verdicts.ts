/**
 * What the decoding thread of `scan --workers` tells an analysis thread about
 * each frame, in capture order: whether it can matter at all, and if so the
 * flow's hash and check word. Both threads read the capture themselves (the
 * page cache serves the second read), so no frame bytes cross between them:
 * one verdict of four 32-bit words per frame goes through a shared ring.
 *
 * Control words sit 64 bytes apart so the two sides' counters do not share
 * a cache line.
 */

/** The frame cannot change any state (not TCP/UDP, a later fragment, UDP that is not DNS naming a pool). */
export const SKIP = 0;
export const TCP_SEGMENT = 1;
/** A DNS message over UDP whose bytes may name a pool. */
export const DNS_DATAGRAM = 2;
/** Flag on TCP_SEGMENT: SYN set, so never ruled out (the ports may start a new connection). */
export const SYN_FLAG = 4;
/** Flag on TCP_SEGMENT: to or from port 53, which every shard follows. */
export const DNS_PORT_FLAG = 8;

const WRITTEN = 0;
const TAKEN = 16;
const WRITER_WAITING = 32;
const READER_WAITING = 48;
const DONE = 64;
const FAILED = 80;
const CONTROL_WORDS = 96;

const WORDS = 4;
/** Counters are published every this many verdicts (and when a side is about to wait). */
const PUBLISH_EVERY = 256;
/**
 * Sequence counters are 32-bit and wrap (differences are taken with `| 0`), so
 * a scan of more than 2^31 frames is fine.
 *
 * How long a blocked writer waits for the reader before deciding it has died.
 */
const STALL_MS = 120_000;

export interface VerdictBuffers {
  control: SharedArrayBuffer;
  ring: SharedArrayBuffer;
}

export function createVerdicts(entries = 1 << 16): VerdictBuffers {
  if ((entries & (entries - 1)) !== 0) throw new RangeError('verdict ring size must be a power of two');
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    ring: new SharedArrayBuffer(entries * WORDS * 4),
  };
}

export class VerdictWriter {
  private readonly ctrl: Int32Array;
  private readonly ring: Int32Array;
  private readonly mask: number;
  private written = 0;
  /** What the reader had taken when last looked at: room is known up to there without asking again. */
  private taken = 0;

  constructor(buffers: VerdictBuffers) {
    this.ctrl = new Int32Array(buffers.control);
    this.ring = new Int32Array(buffers.ring);
    this.mask = this.ring.length / WORDS - 1;
  }

  put(kind: number, hash: number, check: number, capLength: number): void {
    if (((this.written - this.taken) | 0) > this.mask) this.waitForRoom();
    const at = (this.written & this.mask) * WORDS;
    const ring = this.ring;
    ring[at] = kind;
    ring[at + 1] = hash;
    ring[at + 2] = check;
    ring[at + 3] = capLength;
    this.written = (this.written + 1) | 0;
    if ((this.written & (PUBLISH_EVERY - 1)) === 0) this.publish();
  }

  /** No more frames: the reader takes what is left and stops. */
  close(): void {
    Atomics.store(this.ctrl, WRITTEN, this.written);
    Atomics.store(this.ctrl, DONE, 1);
    Atomics.notify(this.ctrl, WRITTEN);
  }

  /** Wakes a waiting reader only once a good share is ready: a wake-up per batch would have the threads take turns. */
  private publish(): void {
    Atomics.store(this.ctrl, WRITTEN, this.written);
    if (Atomics.load(this.ctrl, READER_WAITING) !== 0 && ((this.written - Atomics.load(this.ctrl, TAKEN)) | 0) > this.mask >>> 3) Atomics.notify(this.ctrl, WRITTEN);
  }

  private waitForRoom(): void {
    Atomics.store(this.ctrl, WRITTEN, this.written);
    Atomics.notify(this.ctrl, WRITTEN);
    let stalledSince = 0;
    for (;;) {
      this.taken = Atomics.load(this.ctrl, TAKEN);
      // Wait for a good share of room, not one slot: taking turns frame by frame would serialize the threads.
      if (((this.written - this.taken) | 0) <= (this.mask + 1) >>> 1) return;
      if (Atomics.load(this.ctrl, FAILED) !== 0) throw new Error('analysis thread failed');
      Atomics.store(this.ctrl, WRITER_WAITING, 1);
      const r = Atomics.wait(this.ctrl, TAKEN, this.taken, 1000);
      Atomics.store(this.ctrl, WRITER_WAITING, 0);
      if (r !== 'timed-out') stalledSince = 0;
      else if (stalledSince === 0) stalledSince = Date.now();
      else if (Date.now() - stalledSince > STALL_MS) throw new Error(`analysis thread made no progress for ${STALL_MS / 1000} s`);
    }
  }
}

export class VerdictReader {
  hash = 0;
  check = 0;
  capLength = 0;
  private readonly ctrl: Int32Array;
  private readonly ring: Int32Array;
  private readonly mask: number;
  private taken = 0;
  /** What the writer had published when last looked at. */
  private written = 0;

  constructor(buffers: VerdictBuffers) {
    this.ctrl = new Int32Array(buffers.control);
    this.ring = new Int32Array(buffers.ring);
    this.mask = this.ring.length / WORDS - 1;
  }

  /** The next frame's verdict (its hash, check word and length are left in the fields); -1 once the writer is done. */
  next(): number {
    if (this.taken === this.written && !this.waitForMore()) return -1;
    const at = (this.taken & this.mask) * WORDS;
    const ring = this.ring;
    this.hash = ring[at + 1];
    this.check = ring[at + 2];
    this.capLength = ring[at + 3];
    this.taken = (this.taken + 1) | 0;
    if ((this.taken & (PUBLISH_EVERY - 1)) === 0) this.publish();
    return ring[at];
  }

  /** The reader failed: a writer waiting for room gives up instead of hanging. */
  fail(): void {
    Atomics.store(this.ctrl, FAILED, 1);
    Atomics.notify(this.ctrl, TAKEN);
  }

  /** Wakes a waiting writer once half the ring is free, which is what it waits for. */
  private publish(): void {
    Atomics.store(this.ctrl, TAKEN, this.taken);
    if (Atomics.load(this.ctrl, WRITER_WAITING) !== 0 && ((Atomics.load(this.ctrl, WRITTEN) - this.taken) | 0) <= (this.mask + 1) >>> 1) Atomics.notify(this.ctrl, TAKEN);
  }

  private waitForMore(): boolean {
    Atomics.store(this.ctrl, TAKEN, this.taken);
    Atomics.notify(this.ctrl, TAKEN);
    for (;;) {
      this.written = Atomics.load(this.ctrl, WRITTEN);
      if (this.written !== this.taken) return true;
      if (Atomics.load(this.ctrl, DONE) !== 0) {
        this.written = Atomics.load(this.ctrl, WRITTEN);
        return this.written !== this.taken;
      }
      Atomics.store(this.ctrl, READER_WAITING, 1);
      Atomics.wait(this.ctrl, WRITTEN, this.written, 50);
      Atomics.store(this.ctrl, READER_WAITING, 0);
    }
  }
}
