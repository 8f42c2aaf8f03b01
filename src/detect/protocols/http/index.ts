import type { ProtocolRecord } from '../../record';
import { HttpHost } from './http-host';

const UPPER = Array.from({ length: 26 }, (_, i) => 0x41 + i);

export const record: ProtocolRecord = {
  name: 'http',
  carriesMiningContent: false,
  difficulty: null,
  stream: {
    wants: { firstBytes: UPPER, start: 'stream-start' },
    make: (ctx) => new HttpHost(ctx.sigs, ctx.maxLineBytes, () => ctx.tunnel()),
  },
};
