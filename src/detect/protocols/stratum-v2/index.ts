import type { ProtocolRecord } from '../../record';
import { StratumV2 } from './stratum-v2';

export const record: ProtocolRecord = {
  name: 'stratum-v2',
  carriesMiningContent: true,
  difficulty: { kind: 'none', why: 'Stratum V2 share difficulty is not read: no rate' },
  stream: {
    // Binary frames (or a Noise handshake): whatever first byte the text protocols leave.
    wants: { firstBytes: 'rest', start: 'stream-start' },
    make: (ctx) => new StratumV2(ctx.sigs, ctx.serverPort),
  },
};
