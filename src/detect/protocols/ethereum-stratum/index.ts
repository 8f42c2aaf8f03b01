import type { ProtocolRecord } from '../../record';
import { ethereumStratum } from './ethereum-stratum';

export const record: ProtocolRecord = {
  name: 'ethereum-stratum',
  carriesMiningContent: true,
  // EthereumStratum/1.0.0 sets Bitcoin-style difficulty; EIP-1571 sends a target, which sets none.
  difficulty: { kind: 'fixed', hashesPerUnit: 2 ** 32, family: 'EthereumStratum difficulty (1 = 2^32 hashes)' },
  dialect: ethereumStratum,
  methodNames: true,
};
