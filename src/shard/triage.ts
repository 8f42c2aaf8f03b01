/**
 * The decoding side of `scan --workers`: decodes every frame once and tells
 * each analysis thread, frame by frame, whether the frame can matter and, for
 * TCP, the flow's hash and check word. The analysis threads read the same
 * capture themselves, look the flow up in their ruled-out table by those
 * words, and decode only frames that need a flow: most of a busy link's
 * frames cost them a record walk and one table probe.
 *
 * Nothing here keeps state that depends on what the analysis threads decide,
 * so what they report is exactly what one thread reports.
 */
import type { Frame, FrameSink } from '../capture/frame';
import { DecodeStats, decodeFrame } from '../decode/decode';
import { Packet, SYN, TCP, UDP } from '../decode/packet';
import { dnsMayNamePool, poolSuffixHashes } from '../detect/engine';
import type { Signatures } from '../detect/signatures';
import { endpointCheck, endpointHash } from '../flow/table';
import { DNS_DATAGRAM, DNS_PORT_FLAG, SKIP, SYN_FLAG, TCP_SEGMENT, VerdictWriter, type VerdictBuffers } from './verdicts';

const DNS_PORT = 53;

export class Triage implements FrameSink {
  packets = 0;
  bytes = 0;
  /** Frames an analysis thread had to look at (TCP, and DNS that may name a pool). */
  passed = 0;
  readonly decodeStats = new DecodeStats();
  private readonly pkt = new Packet();
  private readonly writers: VerdictWriter[];
  private readonly poolSuffixes: Set<number>;

  constructor(rings: VerdictBuffers[], sigs: Signatures) {
    this.writers = rings.map((r) => new VerdictWriter(r));
    this.poolSuffixes = poolSuffixHashes(sigs);
  }

  frame(frame: Frame): void {
    this.packets++;
    this.bytes += frame.origLength;
    const p = this.pkt;
    let kind = SKIP;
    let hash = 0;
    let check = 0;
    // What Analyzer.frame drops before touching any state is SKIP here.
    if (decodeFrame(frame, p, this.decodeStats) && !p.laterFragment) {
      const dns = p.srcPort === DNS_PORT || p.dstPort === DNS_PORT;
      if (p.protocol === TCP) {
        kind = TCP_SEGMENT | ((p.tcpFlags & SYN) !== 0 ? SYN_FLAG : 0) | (dns ? DNS_PORT_FLAG : 0);
        hash = endpointHash(p);
        check = endpointCheck(p);
      } else if (p.protocol === UDP && dns && dnsMayNamePool(p, this.poolSuffixes)) {
        kind = DNS_DATAGRAM;
      }
    }
    if (kind !== SKIP) this.passed++;
    const writers = this.writers;
    for (let i = 0; i < writers.length; i++) writers[i].put(kind, hash, check, frame.capLength);
  }

  /** No more input. */
  close(): void {
    for (const w of this.writers) w.close();
  }
}
