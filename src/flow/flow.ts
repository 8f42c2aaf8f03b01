/** Which way a packet went: 0 from side A (the opener) to B, 1 back. */
export type Direction = 0 | 1;

export const UNDECIDED = 0;
/** Mining seen: keep feeding the detector for shares and jobs. */
export const MINING = 1;
/** Looked at within budget and found ordinary: only counted from now on. */
export const BENIGN = 2;
/** Flagged, and nothing more worth reading in it: only counted from now on. */
export const FLAGGED = 3;

/**
 * One bidirectional TCP or UDP conversation. Side A opened it (sent the SYN,
 * or the first packet when the capture started later); direction 0 is A to B.
 * Plain numeric fields keep a flow small, since a SPAN port sees millions.
 *
 * `Inspector` and `Evidence` are what the detection stage keeps per flow:
 * this stage only holds them and asks whether they are set (to spare flows
 * with evidence from eviction), so it needs none of detection's types.
 * src/detect names the typed flow it works on (`Flow<FlowInspector, Evidence>`).
 * The defaults are `any` only until src/detect and src/report use that
 * typed name; then they become `unknown`.
 */
export class Flow<Inspector = unknown, Evidence = unknown> {
  ipVersion = 4;
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  aPort = 0;
  bPort = 0;
  protocol = 0;
  /** Symmetric hash of the address pair and ports: the table key, and the worker shard. */
  hash = 0;
  packets0 = 0;
  packets1 = 0;
  bytes0 = 0;
  bytes1 = 0;
  firstMs = 0;
  lastMs = 0;
  state = UNDECIDED;
  /** The opener's SYN was captured, so A is known to be the client. */
  sawSyn = false;
  /** Initial sequence numbers from the SYN / SYN-ACK, -1 when not captured. */
  isn0 = -1;
  isn1 = -1;
  /** FIN or RST seen: a later SYN on the same tuple starts a new flow. */
  closed = false;
  inspector: Inspector | null = null;
  evidence: Evidence | null = null;
}

/** True when the packet's source is side A of the flow. */
export function fromA(flow: Flow, v: number, s0: number, s1: number, s2: number, s3: number, sport: number): boolean {
  return flow.aPort === sport && flow.a0 === s0 && (v === 4 || (flow.a1 === s1 && flow.a2 === s2 && flow.a3 === s3));
}
