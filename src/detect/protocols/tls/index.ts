import type { ProtocolRecord } from '../../record';
import { TlsNames } from './tls-names';

const HANDSHAKE = 0x16;

export const record: ProtocolRecord = {
  name: 'tls',
  carriesMiningContent: false,
  difficulty: null,
  stream: {
    wants: { firstBytes: [HANDSHAKE], start: 'stream-start', tunnel: true },
    make: (ctx) => new TlsNames(ctx.sigs),
  },
};
