import type { Direction, Evidence } from './evidence';

/** What a classifier says after seeing more bytes. */
export const UNDECIDED = 0;
/** The flow is mining (or a pool contact): the evidence says how sure. */
export const MINING = 1;
/** This direction cannot be this protocol: stop feeding it. */
export const NOT_THIS = 2;

/**
 * The one interface every stream detector implements. A classifier is made
 * per flow when the flow first carries payload, sees each direction's bytes
 * in order (see src/flow/reassembly.ts), and adds what it learns to `ev`.
 */
export interface StreamClassifier {
  /** New in-order bytes data[start, end) of direction `dir`; returns UNDECIDED, MINING or NOT_THIS. */
  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number;
  /** Bytes of `dir` were lost; resynchronise. */
  gap(dir: Direction): void;
}
