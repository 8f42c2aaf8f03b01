import type { Direction, Evidence } from './evidence';

/** What a classifier says after seeing more bytes. */
export const VERDICT_UNDECIDED = 0;
/** The flow is mining (or a pool contact): the evidence says how sure. */
export const VERDICT_MINING = 1;
/** This direction cannot be this protocol: stop feeding it. */
export const VERDICT_NOT_THIS = 2;

/**
 * Default cap on one JSON-RPC line or one HTTP request head read whole
 * (EngineOptions.maxLineBytes). Real mining lines are a few KiB at most (a
 * Stratum notify with a long coinbase); the cap only decides how much padding
 * in front of a login can still be read through, at the price of holding up
 * to this much per direction of a flow whose line is still open.
 */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

/**
 * The one interface every stream detector implements. A classifier is made
 * per flow when the flow first carries payload, sees each direction's bytes
 * in order (see src/flow/reassembly.ts), and adds what it learns to `ev`.
 */
export interface StreamClassifier {
  /** New in-order bytes data[start, end) of direction `dir`; returns VERDICT_UNDECIDED, VERDICT_MINING or VERDICT_NOT_THIS. */
  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number;
  /** Bytes of `dir` were lost; resynchronise. */
  gap(dir: Direction): void;
  /**
   * True while `dir` holds an unfinished message this classifier would still
   * read (a JSON line or HTTP head under its cap): the flow is inspected past
   * its byte budget until it ends. Asked only once the budget is spent.
   */
  open?(dir: Direction): boolean;
}
