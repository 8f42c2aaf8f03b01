/**
 * A growing set of 32-bit words with a fixed capacity, open-addressed in one
 * typed array: memory is set by the capacity, never by what is added. The
 * caller decides what to do when it is full (see DomainTies).
 */
export class WordSet {
  private size_ = 0;
  private hasZero = false;
  /** 0 marks a free slot; the word 0 itself is kept in `hasZero`. */
  private readonly slots: Int32Array;
  private readonly shift: number;

  constructor(readonly capacity: number) {
    let bits = 4;
    // At most half full at capacity, so a probe rarely reads more than two slots.
    while (1 << bits < capacity * 2) bits++;
    this.slots = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  get size(): number {
    return this.size_;
  }

  get full(): boolean {
    return this.size_ >= this.capacity;
  }

  /** Adds `w` (taken as its low 32 bits); false when it is new and the set is full. */
  add(w: number): boolean {
    const v = w | 0;
    if (v === 0) {
      if (this.hasZero) return true;
      if (this.full) return false;
      this.hasZero = true;
      this.size_++;
      return true;
    }
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = this.home(v); ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === v) return true;
      if (s === 0) {
        if (this.full) return false;
        slots[i] = v;
        this.size_++;
        return true;
      }
    }
  }

  has(w: number): boolean {
    const v = w | 0;
    if (v === 0) return this.hasZero;
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = this.home(v); ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === v) return true;
      if (s === 0) return false;
    }
  }

  clear(): void {
    this.slots.fill(0);
    this.hasZero = false;
    this.size_ = 0;
  }

  private home(v: number): number {
    return Math.imul(v, 0x9e3779b1) >>> this.shift;
  }
}
