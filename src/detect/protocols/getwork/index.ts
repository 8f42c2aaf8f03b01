import type { ProtocolRecord } from '../../record';
import { HttpMiningSession } from './http-mining';

const POST = Buffer.from('POST ');
const X_MINING = Buffer.from('X-Mining-');
const UPPER = Array.from({ length: 26 }, (_, i) => 0x41 + i);

function startsWith(b: Uint8Array, start: number, length: number, what: Buffer): boolean {
  if (length < what.length) return false;
  for (let i = 0; i < what.length; i++) if (b[start + i] !== what[i]) return false;
  return true;
}

/** Searches only the segment, not the rest of the reader's chunk behind it (and builds no view to do so). */
function contains(b: Uint8Array, start: number, length: number, what: Buffer): boolean {
  const first = what[0];
  const last = start + length - what.length;
  for (let i = start; i <= last; i++) {
    if (b[i] !== first) continue;
    let j = 1;
    while (j < what.length && b[i + j] === what[j]) j++;
    if (j === what.length) return true;
  }
  return false;
}

export const record: ProtocolRecord = {
  name: 'getwork',
  carriesMiningContent: true,
  // Only monerod's block template carries a difficulty number, and it is hashes per block.
  difficulty: { kind: 'fixed', hashesPerUnit: 1, family: 'block template difficulty (hashes per block)' },
  methodNames: true,
  stream: {
    wants: {
      firstBytes: UPPER,
      // getwork, getblocktemplate and monerod's JSON-RPC are POSTs; other requests need a mining header to be worth parsing.
      firstSegment: (b, start, length) => startsWith(b, start, length, POST) || contains(b, start, length, X_MINING),
      start: 'both',
    },
    make: (ctx) => new HttpMiningSession(ctx.sigs),
  },
};
