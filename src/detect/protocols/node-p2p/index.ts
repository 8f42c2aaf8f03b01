import type { ProtocolRecord } from '../../record';
import { NodePeers } from './node-peers';

export const record: ProtocolRecord = {
  name: 'node-p2p',
  carriesMiningContent: false,
  difficulty: null,
  stream: {
    // Binary magic numbers (or RLPx's random bytes): whatever first byte the text protocols leave.
    wants: { firstBytes: 'rest', start: 'both' },
    make: () => new NodePeers(),
  },
};
