import type { StreamConsumer } from '../flow/reassembly';
import { StreamDirection } from '../flow/reassembly';
import { VERDICT_MINING, VERDICT_NOT_THIS, type StreamClassifier } from './classifier';
import type { Flow } from '../flow/flow';
import { Evidence, LEVEL_LOW, type Direction } from './evidence';

/** How much one flow may cost once it is flagged: enough for a long mining session's shares. */
const MINING_BYTES_CAP = 64 * 1024 * 1024;

/**
 * Line buffers all flows read past their budget may hold together at most
 * (each holds up to two lines of the cap): what a flood of flows that each
 * keep a line open can cost, on top of what today's budget allows.
 */
export const OVERTIME_BYTES = 128 * 1024 * 1024;

/**
 * How many flows may be read past their inspect budget at once, shared by one
 * engine's inspectors. A flow asks for a place when its budget is spent with a
 * line still open and gives it back once decided; with none free it is
 * decided at its budget, as before there was a line cap.
 */
export class Overtime {
  held = 0;
  readonly max: number;

  constructor(maxLineBytes: number) {
    // A few places even at the largest caps, so a padded login or two is still read through.
    this.max = Math.max(4, Math.floor(OVERTIME_BYTES / (2 * maxLineBytes)));
  }
}

/**
 * Detection state of one TCP flow while it is inspected: the two stream
 * directions put back in order and the classifiers still in the running.
 * It exists only for flows that carried payload and are not yet decided, or
 * are flagged and still worth following (shares, jobs).
 */
export class FlowInspector implements StreamConsumer {
  readonly streams: [StreamDirection, StreamDirection] = [new StreamDirection(0), new StreamDirection(1)];
  readonly evidence: Evidence;
  /** Bytes inspected per direction. */
  seen0 = 0;
  seen1 = 0;
  /** Payload-less segments seen in a row since the last one with data (engine.ts QUIET_SEGMENTS). */
  quiet = 0;
  /** A classifier has matched: the rest of the flow is followed, not searched. */
  matched = false;
  /** Nothing left to inspect; the engine drops this inspector. */
  done = false;
  /*
   * Both are replaced once a classifier matches. The empty defaults make the constructor's
   * assignment a second store, so V8 treats the fields as changing from the first flow on; a
   * field first replaced after the flow path was optimized would throw that code away.
   */
  private live: StreamClassifier[] = [];
  /** Per classifier: bit 0 set when direction 0 was ruled out, bit 1 for direction 1. */
  private ruledOut = new Uint8Array(0);
  /** Holds a place in `overtime`: read past the budget for an open line. */
  private overtimeHeld = false;

  constructor(
    classifiers: StreamClassifier[],
    evidence: Evidence | null,
    private readonly budget: number,
    private readonly overtime: Overtime,
  ) {
    this.live = classifiers;
    // A typed array, one kind of object whatever its length: an array from map() and one from a
    // literal have different element kinds, and the second one seen threw the optimized code away.
    this.ruledOut = new Uint8Array(classifiers.length);
    this.evidence = evidence ?? new Evidence();
  }

  data(dir: Direction, buf: Uint8Array, start: number, end: number): void {
    if (this.done) return;
    const n = end - start;
    if (dir === 0) this.seen0 += n;
    else this.seen1 += n;
    const bit = dir === 0 ? 1 : 2;
    for (let i = 0; i < this.live.length; i++) {
      if ((this.ruledOut[i] & bit) !== 0) continue;
      const verdict = this.live[i].feed(dir, buf, start, end, this.evidence);
      if (verdict === VERDICT_MINING && this.evidence.level >= LEVEL_LOW && !this.matched) {
        this.matched = true;
        // Follow only the classifier that recognised the flow from here on.
        this.live = [this.live[i]];
        this.ruledOut = Uint8Array.of(this.ruledOut[i]);
        break;
      }
      if (verdict === VERDICT_NOT_THIS) this.ruledOut[i] |= bit;
    }
    this.settle();
  }

  gap(dir: Direction): void {
    for (const c of this.live) c.gap(dir);
  }

  /** The engine ends inspection (flow over, or nothing left to read). */
  close(): void {
    this.done = true;
    this.release();
  }

  private release(): void {
    if (this.overtimeHeld) {
      this.overtimeHeld = false;
      this.overtime.held--;
    }
  }

  private settle(): void {
    let anyLive = false;
    for (let i = 0; i < this.live.length; i++) if (this.ruledOut[i] !== 3) anyLive = true;
    const seen = this.seen0 + this.seen1;
    if (!anyLive) this.done = true;
    else if (this.matched ? seen > MINING_BYTES_CAP : this.spent(0, this.seen0) || this.spent(1, this.seen1)) this.done = true;
    // Decided either way: the place is free for another flow.
    if (this.overtimeHeld && (this.done || this.matched)) this.release();
  }

  /**
   * Past the budget, a direction is still read while a classifier holds an
   * unfinished line or head there (padding in front of a login): each
   * classifier bounds that by its own cap, so this ends too.
   */
  private spent(dir: Direction, seen: number): boolean {
    if (seen <= this.budget) return false;
    const bit = dir === 0 ? 1 : 2;
    for (let i = 0; i < this.live.length; i++) {
      const c = this.live[i];
      if ((this.ruledOut[i] & bit) === 0 && c.open !== undefined && c.open(dir)) return !this.takeOvertime();
    }
    return true;
  }

  /** False when every place for reading past the budget is taken. */
  private takeOvertime(): boolean {
    if (this.overtimeHeld) return true;
    const o = this.overtime;
    if (o.held >= o.max) return false;
    o.held++;
    this.overtimeHeld = true;
    return true;
  }
}

/** A flow as detection fills its slots: the inspector while undecided, the evidence once something matched. */
export type DetectedFlow = Flow<FlowInspector, Evidence>;
