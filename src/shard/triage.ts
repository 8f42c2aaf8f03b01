/**
 * The decoding side of `scan --workers`. The analysis threads parse the same
 * read buffers themselves (chunk-pool.ts) and so see every frame; this thread
 * decodes each frame for them and sends a verdict: whether it can matter at
 * all and, for TCP, the flow's hash and check word. An analysis thread then
 * probes its ruled-out table with those words and decodes only the frames
 * that need a flow.
 *
 * A verdict depends on the frame alone, never on analysis state, so what the
 * analysis threads report is exactly what one thread reports.
 */
import type { Frame, FrameSink } from '../capture/frame';
import { DecodeStats } from '../decode/decode';
import { dnsMayNamePool, poolSuffixHashes } from '../detect/engine';
import type { IntSet } from '../detect/int-set';
import type { Signatures } from '../detect/signatures';
import { DNS_DATAGRAM, FrameVerdict, SKIP, TCP_SEGMENT, KIND_MASK, frameVerdict } from '../flow/verdict';
import { WordRingWriter, createWordRing, type WordRingBuffers } from './word-ring';

/** Verdict record: kind (src/flow/verdict.ts, never RULED_OUT), hash, check word, captured length (to catch two parsers drifting apart). */
export const VERDICT_WORDS = 4;

export function createVerdictRing(): WordRingBuffers {
  return createWordRing(1 << 16, VERDICT_WORDS, 64);
}

export class Triage implements FrameSink {
  packets = 0;
  bytes = 0;
  readonly decodeStats = new DecodeStats();
  private readonly verdict = new FrameVerdict();
  private readonly writers: WordRingWriter[];
  private readonly poolSuffixes: IntSet;
  private lastSource: string | null = null;
  /** Index of the first frame of each input seen, and its name. */
  private readonly sourceStarts: number[] = [];
  private readonly sourceNames: string[] = [];

  constructor(rings: WordRingBuffers[], sigs: Signatures) {
    this.writers = rings.map((r) => new WordRingWriter(r));
    this.poolSuffixes = poolSuffixHashes(sigs);
  }

  frame(frame: Frame): void {
    // Inputs are read one after another: a source differs from the last only at an input's first frame.
    if (frame.source !== this.lastSource) this.newSource(frame.source);
    this.packets++;
    this.bytes += frame.origLength;
    const v = this.verdict;
    // The same verdict Analyzer.frame takes, without a ruled-out table: that is the analysis threads' state.
    let kind = frameVerdict(frame, v, this.decodeStats, null);
    // A DNS datagram that cannot name a pool changes nothing (Analyzer's engine drops it on the same test).
    if (kind === DNS_DATAGRAM && !dnsMayNamePool(v.pkt, this.poolSuffixes)) kind = SKIP;
    const tcp = (kind & KIND_MASK) === TCP_SEGMENT;
    const hash = tcp ? v.hash : 0;
    const check = tcp ? v.check : 0;
    const writers = this.writers;
    for (let i = 0; i < writers.length; i++) {
      const w = writers[i];
      const at = w.begin();
      const words = w.words;
      words[at] = kind;
      words[at + 1] = hash;
      words[at + 2] = check;
      words[at + 3] = frame.capLength;
      w.commit();
    }
  }

  /** The input the frame of this index (counting from 0, every frame) came from. */
  sourceOf(index: number): string {
    let i = 0;
    while (i + 1 < this.sourceStarts.length && this.sourceStarts[i + 1] <= index) i++;
    return this.sourceNames[i] ?? '';
  }

  private newSource(source: string): void {
    this.lastSource = source;
    this.sourceStarts.push(this.packets);
    this.sourceNames.push(source);
  }

  /** Wakes analysis threads asleep on their verdicts: this thread is about to wait for them. */
  wake(): void {
    for (const w of this.writers) w.wake();
  }

  close(): void {
    for (const w of this.writers) w.close();
  }
}
