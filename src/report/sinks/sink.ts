/**
 * What every finding sink (Kafka, syslog) shares: a bounded backlog that the
 * capture side pushes into and never waits on, and counters saying what was
 * sent, what is still waiting, and what was lost.
 */
import type pino from 'pino';

/** The logger sinks report through: pino's methods (src/cli/log.ts makes one). */
export type SinkLog = Pick<pino.Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** One record for a sink: its partitioning key (the miner's host) and its text (JSON line or EVE, without newline). */
export interface SinkMessage {
  key: string;
  value: string;
  /** Event of a live line (new, update, final), or `finding` for a scan. */
  event: string;
  /** The finding's confidence, for sinks that map it onto a severity. */
  confidence: string;
  /** Fields a sink may carry outside the body (syslog structured data). */
  fields: Record<string, string | number | null>;
}

export interface SinkStats {
  /** `kafka:TOPIC` or `syslog:URL`. */
  name: string;
  /** Records the destination took (Kafka: acknowledged by all in-sync replicas; syslog: written to the socket). */
  sent: number;
  /** Records waiting to be sent now. */
  backlog: number;
  /** Records given up on: the backlog was full, a send failed for good, or they were still waiting at close. */
  failed: number;
  /** The latest reason a send failed, or null. */
  lastError: string | null;
}

export interface FindingSink {
  readonly name: string;
  /** Queues a record and returns at once: never waits for the network, never throws. */
  publish(message: SinkMessage): void;
  /** Waits until the backlog is empty or `ms` has passed; true when everything queued was sent. */
  flush(ms: number): Promise<boolean>;
  /** Sends what it can within `ms`, counts the rest as failed, and releases every socket and timer. */
  close(ms: number): Promise<SinkStats>;
  stats(): SinkStats;
}

/** Records a sink holds while its destination is slow or away, unless told otherwise. */
export const DEFAULT_BACKLOG = 10_000;

/**
 * A FIFO of at most `cap` records. When full the newest record is refused (and
 * counted by the caller): the older ones were made first and keep their order.
 */
export class Backlog<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  constructor(readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`backlog must be a whole number of records, at least 1 (got ${cap})`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** False when full. */
  push(item: T): boolean {
    if (this.length >= this.cap) return false;
    this.items.push(item);
    return true;
  }

  /** Up to `n` records from the front, left in place. */
  peek(n: number): T[] {
    return this.items.slice(this.head, this.head + Math.min(n, this.length)) as T[];
  }

  /** Removes `n` records from the front. */
  drop(n: number): void {
    const k = Math.min(n, this.length);
    for (let i = 0; i < k; i++) this.items[this.head + i] = undefined;
    this.head += k;
    // Compact now and then instead of shifting per record.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const v = this.items[this.head];
    this.drop(1);
    return v;
  }

  clear(): number {
    const n = this.length;
    this.items = [];
    this.head = 0;
    return n;
  }
}

/** A wait that `wake()` ends early (close must not sit out a retry back-off). */
export class Pause {
  private timer: NodeJS.Timeout | null = null;
  private resolve: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    this.wake();
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), ms);
      // A back-off alone never keeps the process alive: close() wakes it, and exit needs no wait.
      this.timer.unref();
    });
  }

  wake(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const r = this.resolve;
    this.resolve = null;
    if (r) r();
  }
}

/** Resolves after `ms`, or at once when `p` settles first; never rejects. */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([p.catch(() => undefined), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** One line for the log when records were lost, with the count; null when none were. */
export function lossLine(s: SinkStats): string | null {
  if (s.failed === 0) return null;
  return `${s.name}: ${s.failed} record(s) could not be sent (${s.sent} sent)${s.lastError ? `; last error: ${s.lastError}` : ''}`;
}
