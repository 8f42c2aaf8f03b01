/**
 * The engine's choice of classifiers for a new flow, built once from the
 * registry's stream records: a flow on a port a record owns gets that record
 * alone; a stream seen from its start gets the records its first byte calls
 * for (a table lookup); one picked up later gets the records that resync.
 */
import type { ProtocolRecord, StreamEntry } from './record';

export class Dispatch {
  /** Per first byte, the entries wanting it, in registry order. */
  private readonly byFirst: StreamEntry[][] = [];
  private readonly midStream: StreamEntry[] = [];
  /** Per port: 1 + the index in `owners` of the entries owning it, or 0 (a byte per port, no hashing per flow). */
  private readonly portOwner = new Uint8Array(65536);
  private readonly owners: StreamEntry[][] = [];
  /** Per first byte: 1 when an entry wanting it takes a further look at the segment. */
  private readonly looks = new Uint8Array(256);
  /** Entries run inside an HTTP CONNECT tunnel. */
  readonly tunnel: StreamEntry[] = [];

  constructor(records: readonly ProtocolRecord[]) {
    const named = new Uint8Array(256);
    const entries: StreamEntry[] = [];
    for (const r of records) if (r.stream !== undefined) entries.push(r.stream);
    for (const e of entries) {
      const fb = e.wants.firstBytes;
      if (fb !== undefined && fb !== 'rest') for (const b of fb) named[b] = 1;
    }
    for (let b = 0; b < 256; b++) this.byFirst.push([]);
    for (const e of entries) {
      const w = e.wants;
      if (w.ports !== undefined) {
        for (const port of w.ports) {
          if (this.portOwner[port] === 0) {
            this.owners.push([]);
            this.portOwner[port] = this.owners.length;
          }
          this.owners[this.portOwner[port] - 1].push(e);
        }
        continue;
      }
      if (w.start !== 'stream-start') this.midStream.push(e);
      if (w.tunnel === true) this.tunnel.push(e);
      if (w.start === 'mid-stream' || w.firstBytes === undefined) continue;
      for (let b = 0; b < 256; b++) {
        if (w.firstBytes === 'rest' ? named[b] === 0 : w.firstBytes.includes(b)) {
          this.byFirst[b].push(e);
          if (w.firstSegment !== undefined) this.looks[b] = 1;
        }
      }
    }
  }

  /** The entries for a flow whose first payload is data[start, start + length). */
  choose(aPort: number, bPort: number, atStart: boolean, data: Uint8Array, start: number, length: number): readonly StreamEntry[] {
    const owner = this.portOwner[aPort] || this.portOwner[bPort];
    if (owner !== 0) return this.owners[owner - 1];
    if (!atStart) return this.midStream;
    const first = data[start];
    const wanted = this.byFirst[first];
    if (this.looks[first] === 0) return wanted;
    const out: StreamEntry[] = [];
    for (const e of wanted) {
      const look = e.wants.firstSegment;
      if (look === undefined || look(data, start, length)) out.push(e);
    }
    return out;
  }
}
