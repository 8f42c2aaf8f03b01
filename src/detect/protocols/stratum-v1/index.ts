import type { ProtocolRecord } from '../../record';
import { stratumV1 } from './stratum-v1';

export const record: ProtocolRecord = {
  name: 'stratum-v1',
  carriesMiningContent: true,
  difficulty: {
    kind: 'by-algorithm',
    why: 'Stratum v1 does not say the algorithm, and difficulty 1 means 2^32 hashes for SHA-256d but 2^16 for Scrypt: no rate',
  },
  dialect: stratumV1,
  methodNames: true,
};
