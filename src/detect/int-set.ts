/**
 * A fixed set of 32-bit integers, open-addressed in one typed array: a lookup
 * is a multiply and, nearly always, one array read. The DNS filter asks it for
 * every suffix of every name on the link, where a Set of numbers (a lookup
 * through the runtime's hash table) showed in profiles.
 */
export class IntSet {
  readonly size: number;
  private readonly slots: Int32Array;
  private readonly shift: number;
  /** A value that is not a member marks a free slot. */
  private readonly free: number;

  constructor(values: Iterable<number>) {
    const members = new Set<number>();
    for (const v of values) members.add(v | 0);
    let bits = 4;
    // At most a quarter full, so a probe rarely reads a second slot.
    while (1 << bits < members.size * 4) bits++;
    this.shift = 32 - bits;
    let free = 0;
    while (members.has(free)) free++;
    this.free = free;
    this.slots = new Int32Array(1 << bits).fill(free);
    const mask = (1 << bits) - 1;
    for (const v of members) {
      let i = this.home(v);
      while (this.slots[i] !== free) i = (i + 1) & mask;
      this.slots[i] = v;
    }
    this.size = members.size;
  }

  has(v: number): boolean {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = this.home(v); ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === this.free) return false;
      if (s === v) return true;
    }
  }

  private home(v: number): number {
    return Math.imul(v, 0x9e3779b1) >>> this.shift;
  }
}
