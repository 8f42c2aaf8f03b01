import { VERDICT_NOT_THIS, VERDICT_UNDECIDED, type StreamClassifier } from '../../classifier';
import type { Direction, Evidence } from '../../evidence';
import { dnsOverTcpMessages, parseDns, type DnsMessage } from './dns';
import { Accumulator } from '../../accumulator';

const DNS_TCP_LIMIT = 65536 + 2;

/**
 * DNS over TCP (port 53): each message is length-prefixed. Messages are
 * handed to the engine's DNS handling, the same as DNS over UDP, so answers
 * for pool domains tie addresses and lookups are recorded.
 */
export class DnsOverTcp implements StreamClassifier {
  private readonly acc: [Accumulator, Accumulator] = [new Accumulator(DNS_TCP_LIMIT), new Accumulator(DNS_TCP_LIMIT)];

  constructor(private readonly onMessage: (msg: DnsMessage, dir: Direction) => void) {}

  feed(dir: Direction, data: Uint8Array, start: number, end: number, _ev: Evidence): number {
    const acc = this.acc[dir];
    if (!acc.add(data, start, end)) {
      acc.clear();
      return VERDICT_NOT_THIS;
    }
    let used = acc.start;
    for (const m of dnsOverTcpMessages(acc.buf, acc.start, acc.end)) {
      const msg = parseDns(acc.buf, m.start, m.end);
      if (msg === null) {
        acc.clear();
        return VERDICT_NOT_THIS;
      }
      this.onMessage(msg, dir);
      used = m.end;
    }
    if (used === acc.end) acc.clear();
    else {
      // Keep only the incomplete tail for the next segment.
      const tail = Buffer.from(acc.buf.subarray(used, acc.end));
      acc.clear();
      acc.add(tail, 0, tail.length);
    }
    return VERDICT_UNDECIDED;
  }

  gap(dir: Direction): void {
    this.acc[dir].clear();
  }
}
