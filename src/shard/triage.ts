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
import { DecodeStats, decodeFrame } from '../decode/decode';
import { Packet, SYN, TCP, UDP } from '../decode/packet';
import { dnsMayNamePool, poolSuffixHashes } from '../detect/engine';
import type { IntSet } from '../detect/int-set';
import type { Signatures } from '../detect/signatures';
import { TcpFrameKey, tcpFrameKey } from '../flow/frame-key';
import { reassembles } from '../flow/defrag';
import { endpointCheck, endpointHash } from '../flow/table';
import { WordRingWriter, createWordRing, type WordRingBuffers } from './word-ring';

/** Verdict record: kind, hash, check word, captured length (to catch two parsers drifting apart). */
export const VERDICT_WORDS = 4;
/** The frame cannot change any state (not TCP/UDP, UDP that is not DNS naming a pool, a fragment not reassembled). */
export const SKIP = 0;
export const TCP_SEGMENT = 1;
/** A DNS message over UDP whose bytes may name a pool. */
export const DNS_DATAGRAM = 2;
/**
 * An IP fragment: every analysis thread takes it and reassembles (a later
 * fragment has no ports to shard by), then keeps the datagram if it owns the flow.
 */
export const FRAGMENT = 3;
/** Flag on TCP_SEGMENT: SYN set, so never ruled out (the ports may start a new connection). */
export const SYN_FLAG = 4;
/** Flag on TCP_SEGMENT: to or from port 53, which every shard follows. */
export const DNS_PORT_FLAG = 8;

const DNS_PORT = 53;

export function createVerdictRing(): WordRingBuffers {
  return createWordRing(1 << 16, VERDICT_WORDS, 64);
}

export class Triage implements FrameSink {
  packets = 0;
  bytes = 0;
  readonly decodeStats = new DecodeStats();
  private readonly pkt = new Packet();
  private readonly key = new TcpFrameKey();
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
    const p = this.pkt;
    let kind = SKIP;
    let hash = 0;
    let check = 0;
    const key = this.key;
    if (tcpFrameKey(frame, key)) {
      // The common TCP segment: its key is read from the bytes, with no decoding.
      this.decodeStats.ok++;
      kind = TCP_SEGMENT | (key.syn ? SYN_FLAG : 0) | (key.dnsPort ? DNS_PORT_FLAG : 0);
      hash = key.hash;
      check = key.check;
    } else if (!decodeFrame(frame, p, this.decodeStats)) {
      // SKIP: nothing Analyzer.frame keeps state for.
    } else if (p.fragment) {
      if (reassembles(p.protocol)) kind = FRAGMENT;
    } else {
      // What Analyzer.frame drops before touching any state is SKIP here.
      const dns = p.srcPort === DNS_PORT || p.dstPort === DNS_PORT;
      if (p.protocol === TCP) {
        kind = TCP_SEGMENT | ((p.tcpFlags & SYN) !== 0 ? SYN_FLAG : 0) | (dns ? DNS_PORT_FLAG : 0);
        hash = endpointHash(p);
        check = endpointCheck(p);
      } else if (p.protocol === UDP && dns && dnsMayNamePool(p, this.poolSuffixes)) {
        kind = DNS_DATAGRAM;
      }
    }
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
