import type { ProtocolRecord } from '../record';
import { JsonRpcSession } from './session';

/** '{' and '[' open JSON; whitespace may come first; 'e' starts base64 of '{"' (XMRig forks that wrap lines). */
const JSON_FIRST = [0x7b, 0x5b, 0x20, 0x09, 0x0d, 0x0a, 0x65];

/**
 * The line JSON-RPC session carries the line dialects (the records with a
 * `dialect`); its findings take the dialect's word, never this name.
 */
export const record: ProtocolRecord = {
  name: 'json-rpc-lines',
  carriesMiningContent: false,
  difficulty: null,
  stream: {
    wants: { firstBytes: JSON_FIRST, start: 'both', tunnel: true },
    make: (ctx) => new JsonRpcSession(ctx.sigs, ctx.maxLineBytes, ctx.lineDialects),
  },
};
