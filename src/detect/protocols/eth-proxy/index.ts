import type { ProtocolRecord } from '../../record';
import { ethProxy } from './eth-proxy';

export const record: ProtocolRecord = {
  name: 'eth-proxy',
  carriesMiningContent: true,
  difficulty: { kind: 'fixed', hashesPerUnit: 1, family: 'Ethash boundary (difficulty = 2^256/boundary hashes per share)' },
  dialect: ethProxy,
  methodNames: true,
};
