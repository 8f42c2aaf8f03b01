import type { Direction } from './flow';

/** Receives one TCP direction's bytes in order. */
export interface StreamConsumer {
  data(dir: Direction, buf: Uint8Array, start: number, end: number): void;
  /** Bytes were lost before what comes next (never filled, or too far ahead to wait for). */
  gap(dir: Direction): void;
}

interface Held {
  seq: number;
  bytes: Buffer;
}

/** How much out-of-order data one direction holds back while waiting for a hole to fill. */
const MAX_HELD_SEGMENTS = 16;
const MAX_HELD_BYTES = 32 * 1024;
/** A segment further ahead than this is not waited for: it starts after a gap. */
const MAX_AHEAD = 1 << 20;

/**
 * One direction of a TCP stream put back in order. In-order segments are
 * handed on without copying (the common case); only segments that arrive
 * early are copied and held until the hole before them fills or the hold
 * budget runs out, at which point the hole is reported as a gap.
 */
export class StreamDirection {
  private next = 0;
  private started = false;
  private held: Held[] | null = null;
  private heldBytes = 0;

  constructor(private readonly dir: Direction) {}

  /** The SYN fixes where the data starts. */
  syn(seq: number): void {
    if (!this.started) {
      this.next = (seq + 1) >>> 0;
      this.started = true;
    }
  }

  segment(seq: number, buf: Uint8Array, start: number, length: number, out: StreamConsumer): void {
    if (length <= 0) return;
    if (!this.started) {
      // Picked up mid-stream: the first data seen is where this direction begins.
      this.next = seq;
      this.started = true;
    }
    const ahead = (seq - this.next) | 0;
    if (ahead > 0) {
      if (ahead > MAX_AHEAD) {
        out.gap(this.dir);
        this.next = seq;
        this.deliver(seq, buf, start, length, out);
        this.drop();
        return;
      }
      this.hold(seq, buf, start, length, out);
      return;
    }
    this.deliver(seq, buf, start, length, out);
    if (this.held !== null) this.drain(out);
  }

  /** Hands on whatever is still held, after a gap, so nothing seen is lost at the end of a flow. */
  flush(out: StreamConsumer): void {
    while (this.held !== null && this.held.length > 0) {
      this.held.sort((x, y) => ((x.seq - y.seq) | 0));
      const first = this.held[0];
      if (((first.seq - this.next) | 0) > 0) {
        out.gap(this.dir);
        this.next = first.seq;
      }
      this.drain(out);
    }
    this.drop();
  }

  /** Delivers the part of a segment at or after `next`; retransmitted bytes are skipped. */
  private deliver(seq: number, buf: Uint8Array, start: number, length: number, out: StreamConsumer): void {
    const skip = (this.next - seq) | 0;
    if (skip >= length) return;
    const from = skip > 0 ? start + skip : start;
    out.data(this.dir, buf, from, start + length);
    this.next = (seq + length) >>> 0;
  }

  private hold(seq: number, buf: Uint8Array, start: number, length: number, out: StreamConsumer): void {
    if (this.held === null) this.held = [];
    this.held.push({ seq, bytes: Buffer.from(buf.subarray(start, start + length)) });
    this.heldBytes += length;
    if (this.held.length > MAX_HELD_SEGMENTS || this.heldBytes > MAX_HELD_BYTES) {
      // The hole is not going to fill in time: give up on it and go on from the earliest held byte.
      this.held.sort((x, y) => ((x.seq - y.seq) | 0));
      out.gap(this.dir);
      this.next = this.held[0].seq;
      this.drain(out);
    }
  }

  private drain(out: StreamConsumer): void {
    const held = this.held!;
    let progress = true;
    while (progress && held.length > 0) {
      progress = false;
      for (let i = 0; i < held.length; i++) {
        const h = held[i];
        if (((h.seq - this.next) | 0) <= 0) {
          held.splice(i, 1);
          this.heldBytes -= h.bytes.length;
          this.deliver(h.seq, h.bytes, 0, h.bytes.length, out);
          progress = true;
          break;
        }
      }
    }
    if (held.length === 0) this.drop();
  }

  private drop(): void {
    this.held = null;
    this.heldBytes = 0;
  }
}
