import { VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED, type StreamClassifier } from '../../classifier';
import { LEVEL_MEDIUM, type Direction, type Evidence } from '../../evidence';
import type { Signatures } from '../../signatures';
import { parseServerCertificateNames } from './certificate';
import { NEED_MORE, parseClientHello } from './tls';
import { Accumulator } from '../../accumulator';

const HELLO_LIMIT = 65536;
const RECORD_HEADER = 5;
const HANDSHAKE = 0x16;
/** Largest TLS plaintext record (RFC 8446 5.1). */
const MAX_RECORD = 16384;

/**
 * Stratum over TLS hides its content; the names left in the clear are the
 * client's SNI and, in TLS 1.2, the server certificate. A pool name in either
 * flags the flow. A ClientHello without SNI is noted, since XMRig before 6.21
 * never sends one while browsers always do.
 */
export class TlsNames implements StreamClassifier {
  private readonly acc: [Accumulator, Accumulator] = [new Accumulator(HELLO_LIMIT), new Accumulator(HELLO_LIMIT)];
  private helloDir = -1;

  constructor(private readonly sigs: Signatures) {}

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    const acc = this.acc[dir];
    if (!acc.add(data, start, end)) return this.finish(dir);
    if (this.helloDir === -1 || this.helloDir === dir) {
      const hello = parseClientHello(acc.buf, acc.start, acc.end);
      if (hello === NEED_MORE) return this.wait(acc);
      if (typeof hello !== 'number') {
        this.helloDir = dir;
        acc.clear();
        if (hello.sni === null) {
          if (ev.level === 0) return VERDICT_NOT_THIS;
          ev.note('TLS ClientHello without a server name (miners such as XMRig before 6.21 send none; browsers always do)');
          if (ev.protocol === null) ev.protocol = 'tls';
          ev.raise(LEVEL_MEDIUM);
          return VERDICT_MINING;
        }
        const pool = this.sigs.matchPoolDomain(hello.sni);
        if (pool === null) {
          ev.withdrawAddressTie();
          return VERDICT_NOT_THIS;
        }
        this.flag(ev, hello.sni, pool.pool, dir);
        ev.note(`TLS ClientHello names pool host ${hello.sni} (${pool.pool})`);
        return VERDICT_MINING;
      }
      if (this.helloDir === -1 && dir === 0) return this.finish(dir);
    }
    // The other direction: the server's flight, whose TLS 1.2 certificate names the pool.
    const names = parseServerCertificateNames(acc.buf, acc.start, acc.end);
    if (names === NEED_MORE) return this.wait(acc);
    acc.clear();
    if (typeof names === 'number') return VERDICT_NOT_THIS;
    for (const name of names) {
      const pool = this.sigs.matchPoolDomain(name.replace(/^\*\./, ''));
      if (pool !== null) {
        this.flag(ev, name, pool.pool, dir === 0 ? 1 : 0);
        ev.note(`pool TLS certificate names ${name} (${pool.pool})`);
        return VERDICT_MINING;
      }
    }
    return VERDICT_NOT_THIS;
  }

  gap(dir: Direction): void {
    this.acc[dir].clear();
  }

  /**
   * A ClientHello still arriving in its first record (at most 16 KiB plus a
   * header): a hello padded past the inspect budget is still read. Only the
   * first record, where waiting costs a length check per segment; a hello
   * spread over many records is copied together at every try.
   */
  open(dir: Direction): boolean {
    if (this.helloDir !== -1 && this.helloDir !== dir) return false;
    const acc = this.acc[dir];
    const have = acc.end - acc.start;
    if (have < RECORD_HEADER || acc.buf[acc.start] !== HANDSHAKE) return have > 0;
    const first = RECORD_HEADER + ((acc.buf[acc.start + 3] << 8) | acc.buf[acc.start + 4]);
    return have < first && first <= RECORD_HEADER + MAX_RECORD;
  }

  private wait(acc: Accumulator): number {
    acc.keep();
    return VERDICT_UNDECIDED;
  }

  private finish(dir: Direction): number {
    this.acc[dir].clear();
    return VERDICT_NOT_THIS;
  }

  private flag(ev: Evidence, name: string, poolName: string, minerDir: Direction): void {
    if (ev.domain === null) ev.domain = name;
    if (ev.poolName === null) ev.poolName = poolName;
    if (ev.protocol === null) ev.protocol = 'tls';
    if (ev.minerDirection === -1) ev.minerDirection = minerDir;
    ev.raise(LEVEL_MEDIUM);
  }
}
