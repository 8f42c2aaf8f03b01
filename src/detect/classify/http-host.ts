import { MINING, NOT_THIS, UNDECIDED, type StreamClassifier } from '../classifier';
import { LEVEL_LOW, LEVEL_MEDIUM, type Direction, type Evidence } from '../evidence';
import { NEED_MORE, parseHttpRequestHead, parseHttpResponseHead } from '../http';
import type { Signatures } from '../signatures';
import { Accumulator } from './accumulator';

const HEAD_LIMIT = 16384;

/**
 * The host an HTTP client names: a Host header for a pool's site, or a
 * CONNECT through a proxy to a pool. Miners behind a proxy tunnel their
 * stratum through CONNECT, so after the proxy's answer the tunnel's bytes are
 * handed to the stream classifiers again, and a pool found inside is reported
 * against the proxy address with the CONNECT target as its domain.
 */
export class HttpHost implements StreamClassifier {
  private readonly acc: [Accumulator, Accumulator] = [new Accumulator(HEAD_LIMIT), new Accumulator(HEAD_LIMIT)];
  /** Direction that sent CONNECT, once seen. */
  private connectDir = -1;
  /** Per direction: the HTTP head is behind us and bytes now belong to the tunnel. */
  private inTunnel = [false, false];
  private inner: StreamClassifier[] | null = null;
  /** Per inner classifier: bit 0 / bit 1 set when that direction was ruled out. */
  private innerOut: number[] = [];

  constructor(
    private readonly sigs: Signatures,
    private readonly tunnelClassifiers: () => StreamClassifier[],
  ) {}

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    if (this.inTunnel[dir]) return this.tunnel(dir, data, start, end, ev);
    const acc = this.acc[dir];
    if (!acc.add(data, start, end)) return this.stop(dir);
    if (this.connectDir === -1) {
      const req = parseHttpRequestHead(acc.buf, acc.start, acc.end);
      if (req === NEED_MORE) return this.wait(acc);
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
        acc.clear();
        const verdict = rest < stop ? this.tunnel(dir, buf, rest, stop, ev) : UNDECIDED;
        return pool !== null ? MINING : verdict;
      }
      acc.clear();
      const pool = req.host === null ? null : this.sigs.matchPoolDomain(req.host);
      if (pool === null || req.host === null) {
        // Another site's name on an address a pool's DNS answer also gave (shared hosting, a CDN): the tie does not hold.
        if (req.host !== null && /[a-z]/.test(req.host)) ev.withdrawAddressTie();
        return this.stop(dir);
      }
      // A pool's web site: an operator checking a balance, or a getwork miner (HttpMiningSession says which).
      this.flag(ev, req.host, pool.pool, dir, LEVEL_LOW);
      ev.note(`HTTP request for pool host ${req.host} (${pool.pool})`);
      return MINING;
    }
    // The proxy's answer to CONNECT: after a 2xx head, the rest is the tunnel.
    const res = parseHttpResponseHead(acc.buf, acc.start, acc.end);
    if (res === NEED_MORE) return this.wait(acc);
    const buf = acc.buf;
    const stop = acc.end;
    acc.clear();
    if (typeof res === 'number' || res.status < 200 || res.status > 299) return this.stop(dir);
    this.inTunnel[dir] = true;
    ev.note(`proxy answered CONNECT with ${res.status}`);
    return res.headerEnd < stop ? this.tunnel(dir, buf, res.headerEnd, stop, ev) : UNDECIDED;
  }

  gap(dir: Direction): void {
    this.acc[dir].clear();
    if (this.inner !== null) for (const c of this.inner) c.gap(dir);
  }

  private tunnel(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    const inner = this.inner;
    if (inner === null) return NOT_THIS;
    const bit = dir === 0 ? 1 : 2;
    let live = false;
    for (let i = 0; i < inner.length; i++) {
      if ((this.innerOut[i] & bit) !== 0) continue;
      const v = inner[i].feed(dir, data, start, end, ev);
      if (v === MINING) {
        ev.note('mining found inside the HTTP CONNECT tunnel');
        return MINING;
      }
      if (v === NOT_THIS) this.innerOut[i] |= bit;
      else live = true;
    }
    return live || ev.level > 0 ? UNDECIDED : NOT_THIS;
  }

  private wait(acc: Accumulator): number {
    acc.keep();
    return UNDECIDED;
  }

  private stop(dir: Direction): number {
    this.acc[dir].clear();
    return NOT_THIS;
  }

  private flag(ev: Evidence, host: string, poolName: string, minerDir: Direction, level: number): void {
    ev.domain = host;
    if (ev.poolName === null) ev.poolName = poolName;
    if (ev.protocol === null) ev.protocol = level === LEVEL_LOW ? 'http' : 'http-connect';
    if (ev.minerDirection === -1) ev.minerDirection = minerDir;
    ev.raise(level);
  }
}
