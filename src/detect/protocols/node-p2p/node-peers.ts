import { VERDICT_NOT_THIS, type StreamClassifier } from '../../classifier';
import type { Direction, Evidence } from '../../evidence';
import { identifyNode } from './node-p2p';

/**
 * Cryptocurrency node peer traffic (Bitcoin-family P2P, Monero Levin,
 * Ethereum RLPx) is not pool mining. It is named here so that the other
 * classifiers stay quiet on it and the report can list it apart, on request.
 */
export class NodePeers implements StreamClassifier {
  private tried = [false, false];

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    if (this.tried[dir]) return VERDICT_NOT_THIS;
    this.tried[dir] = true;
    const m = identifyNode(data, start, end);
    if (m !== null && ev.node === null) {
      ev.node = m.protocol;
      ev.note(`${m.protocol} peer traffic (${m.network}${m.command !== null ? ', first message ' + m.command : ''})`);
    }
    return VERDICT_NOT_THIS;
  }

  gap(): void {}
}
