/**
 * The first bytes of one stream direction, gathered until a parser has a
 * whole message. The first chunk is used where it lies (no copy): most
 * ClientHellos and request heads arrive in one segment. Only a message split
 * across segments is copied, up to `limit` bytes.
 */
export class Accumulator {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  private owned: Buffer | null = null;

  constructor(private readonly limit: number) {}

  /** Appends data[start, end); false when the limit is passed (the message is too large to be what we look for). */
  add(data: Uint8Array, start: number, end: number): boolean {
    if (this.end === this.start) {
      this.buf = data;
      this.start = start;
      this.end = end;
      return end - start <= this.limit;
    }
    const have = this.end - this.start;
    const total = have + (end - start);
    if (total > this.limit) return false;
    if (this.owned === null || this.buf !== this.owned) {
      const b = Buffer.allocUnsafe(Math.min(this.limit, Math.max(total * 2, 4096)));
      b.set(this.buf.subarray(this.start, this.end), 0);
      this.owned = b;
    } else if (this.owned.length < total) {
      const b = Buffer.allocUnsafe(Math.min(this.limit, total * 2));
      b.set(this.owned.subarray(0, have), 0);
      this.owned = b;
    }
    this.owned.set(data.subarray(start, end), have);
    this.buf = this.owned;
    this.start = 0;
    this.end = total;
    return true;
  }

  /** The chunk handed to `add` last may be reused by the reader: keep a copy if the bytes must wait. */
  keep(): void {
    if (this.buf !== this.owned && this.end > this.start) {
      const b = Buffer.allocUnsafe(this.end - this.start);
      b.set(this.buf.subarray(this.start, this.end), 0);
      this.owned = b;
      this.buf = b;
      this.start = 0;
      this.end = b.length;
    }
  }

  clear(): void {
    this.buf = EMPTY;
    this.start = this.end = 0;
    this.owned = null;
  }
}

const EMPTY = new Uint8Array(0);
