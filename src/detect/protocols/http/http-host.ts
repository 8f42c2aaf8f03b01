import { VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED, type StreamClassifier } from '../../classifier';
import { LEVEL_LOW, LEVEL_MEDIUM, type Direction, type Evidence } from '../../evidence';
import { NEED_MORE, parseHttpRequestHead, parseHttpResponseHead } from './http';
import type { Signatures } from '../../signatures';
import { Accumulator } from '../../accumulator';

const LF = 0x0a;
const CR = 0x0d;

/**
 * The host an HTTP client names: a Host header for a pool's site, or a
 * CONNECT through a proxy to a pool. Miners behind a proxy tunnel their
 * stratum through CONNECT, so after the proxy's answer the tunnel's bytes are
 * handed to the stream classifiers again, and a pool found inside is reported
 * against the proxy address with the CONNECT target as its domain.
 */
export class HttpHost implements StreamClassifier {
  private readonly acc: [Accumulator, Accumulator];
  /**
   * Per direction: the pending head's first line is complete, so it is parsed
   * again only when a blank line may have arrived. A head sent a byte at a
   * time would otherwise be parsed from its start for every byte.
   */
  private readonly lineDone = [false, false];
  /** Direction that sent CONNECT, once seen. */
  private connectDir = -1;
  /** Per direction: the HTTP head is behind us and bytes now belong to the tunnel. */
  private inTunnel = [false, false];
  private inner: StreamClassifier[] | null = null;
  /** Per inner classifier: bit 0 / bit 1 set when that direction was ruled out. */
  private innerOut: number[] = [];

  /** `maxHead`: the largest request or response head read (the engine's line cap). */
  constructor(
    private readonly sigs: Signatures,
    private readonly maxHead: number,
    private readonly tunnelClassifiers: () => StreamClassifier[],
  ) {
    this.acc = [new Accumulator(maxHead), new Accumulator(maxHead)];
  }

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    if (this.inTunnel[dir]) return this.tunnel(dir, data, start, end, ev);
    const acc = this.acc[dir];
    const had = acc.end - acc.start;
    if (!acc.add(data, start, end)) return this.stop(dir);
    if (had > 0 && this.lineDone[dir] && !blankLine(acc.buf, Math.max(acc.start, acc.start + had - 2), acc.end)) return this.wait(dir, had);
    if (this.connectDir === -1) {
      const req = parseHttpRequestHead(acc.buf, acc.start, acc.end, this.maxHead);
      if (req === NEED_MORE) return this.wait(dir, had);
      if (typeof req === 'number') return this.stop(dir);
      const rest = req.headerEnd;
      const buf = acc.buf;
      const stop = acc.end;
      if (req.method === 'CONNECT') {
        this.connectDir = dir;
        this.inTunnel[dir] = true;
        this.inner = this.tunnelClassifiers();
        this.innerOut = this.inner.map(() => 0);
        ev.note(`client asked an HTTP proxy to CONNECT ${req.target}`);
        const pool = req.host === null ? null : this.sigs.matchPoolDomain(req.host);
        if (pool !== null && req.host !== null) {
          this.flag(ev, req.host, pool.pool, dir, LEVEL_MEDIUM);
          ev.note(`CONNECT target ${req.target} is a pool host (${pool.pool})`);
        } else if (req.host !== null && ev.domain === null) {
          ev.domain = req.host;
        }
        this.clear(dir);
        const verdict = rest < stop ? this.tunnel(dir, buf, rest, stop, ev) : VERDICT_UNDECIDED;
        return pool !== null ? VERDICT_MINING : verdict;
      }
      this.clear(dir);
      const pool = req.host === null ? null : this.sigs.matchPoolDomain(req.host);
      if (pool === null || req.host === null) {
        // Another site's name on an address a pool's DNS answer also gave (shared hosting, a CDN): the tie does not hold.
        if (req.host !== null && /[a-z]/.test(req.host)) ev.withdrawAddressTie();
        return this.stop(dir);
      }
      // A pool's web site: an operator checking a balance, or a getwork miner (HttpMiningSession says which).
      this.flag(ev, req.host, pool.pool, dir, LEVEL_LOW);
      ev.note(`HTTP request for pool host ${req.host} (${pool.pool})`);
      return VERDICT_MINING;
    }
    // The proxy's answer to CONNECT: after a 2xx head, the rest is the tunnel.
    const res = parseHttpResponseHead(acc.buf, acc.start, acc.end, this.maxHead);
    if (res === NEED_MORE) return this.wait(dir, had);
    const buf = acc.buf;
    const stop = acc.end;
    this.clear(dir);
    if (typeof res === 'number' || res.status < 200 || res.status > 299) return this.stop(dir);
    this.inTunnel[dir] = true;
    ev.note(`proxy answered CONNECT with ${res.status}`);
    return res.headerEnd < stop ? this.tunnel(dir, buf, res.headerEnd, stop, ev) : VERDICT_UNDECIDED;
  }

  gap(dir: Direction): void {
    this.clear(dir);
    if (this.inner !== null) for (const c of this.inner) c.gap(dir);
  }

  /** A head is still arriving (bounded by maxHead), or a tunnelled classifier holds an open line. */
  open(dir: Direction): boolean {
    if (!this.inTunnel[dir]) return this.acc[dir].end > this.acc[dir].start;
    const inner = this.inner;
    if (inner === null) return false;
    const bit = dir === 0 ? 1 : 2;
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i];
      if ((this.innerOut[i] & bit) === 0 && c.open !== undefined && c.open(dir)) return true;
    }
    return false;
  }

  private tunnel(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    const inner = this.inner;
    if (inner === null) return VERDICT_NOT_THIS;
    const bit = dir === 0 ? 1 : 2;
    let live = false;
    for (let i = 0; i < inner.length; i++) {
      if ((this.innerOut[i] & bit) !== 0) continue;
      const v = inner[i].feed(dir, data, start, end, ev);
      if (v === VERDICT_MINING) {
        ev.note('mining found inside the HTTP CONNECT tunnel');
        return VERDICT_MINING;
      }
      if (v === VERDICT_NOT_THIS) this.innerOut[i] |= bit;
      else live = true;
    }
    return live || ev.level > 0 ? VERDICT_UNDECIDED : VERDICT_NOT_THIS;
  }

  /** The head is incomplete: keep its bytes; `had` of them were already looked at. */
  private wait(dir: Direction, had: number): number {
    const acc = this.acc[dir];
    if (!this.lineDone[dir]) {
      // Searched by hand: the buffer may be the reader's whole chunk, of which only [start, end) is this stream's.
      const b = acc.buf;
      for (let i = acc.start + had; i < acc.end && !this.lineDone[dir]; i++) if (b[i] === LF) this.lineDone[dir] = true;
    }
    acc.keep();
    return VERDICT_UNDECIDED;
  }

  private clear(dir: Direction): void {
    this.acc[dir].clear();
    this.lineDone[dir] = false;
  }

  private stop(dir: Direction): number {
    this.clear(dir);
    return VERDICT_NOT_THIS;
  }

  private flag(ev: Evidence, host: string, poolName: string, minerDir: Direction, level: number): void {
    ev.domain = host;
    if (ev.poolName === null) ev.poolName = poolName;
    if (ev.protocol === null) ev.protocol = level === LEVEL_LOW ? 'http' : 'http-connect';
    if (ev.minerDirection === -1) ev.minerDirection = minerDir;
    ev.raise(level);
  }
}

/** An empty line (LF LF or LF CR LF) starts in [from, to): the head may be complete. */
function blankLine(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to - 1; i++) {
    if (b[i] !== LF) continue;
    if (b[i + 1] === LF || (b[i + 1] === CR && i + 2 < to && b[i + 2] === LF)) return true;
  }
  return false;
}
