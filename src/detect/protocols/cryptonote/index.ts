import type { ProtocolRecord } from '../../record';
import { cryptonote } from './cryptonote';

export const record: ProtocolRecord = {
  name: 'cryptonote',
  carriesMiningContent: true,
  difficulty: { kind: 'fixed', hashesPerUnit: 1, family: 'CryptoNote target (difficulty = hashes per share)' },
  dialect: cryptonote,
  methodNames: true,
};
