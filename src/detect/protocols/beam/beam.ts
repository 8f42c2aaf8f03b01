/**
 * Beam stratum: a login with an api_key, jobs with their fields at top level
 * and a packed difficulty, shares sent as "solution", and every answer a
 * "method":"result" message. Protocol word: "beam".
 */
import type { ProtocolRecord } from '../../record';
import { isHex, num, str, type Ctx, type LineDialect, type Msg } from '../../jsonrpc/context';
import type { Direction } from '../../evidence';

const WORD = 'beam';

export const beam: LineDialect = {
  request(c, dir, method, m) {
    switch (method) {
      case 'login':
        // {"method":"login","api_key":"..."}; the key is a credential, so it is not kept.
        if (typeof m.api_key !== 'string') return false;
        c.protocol(WORD, 2);
        c.ev.coin = c.ev.coin ?? 'BEAM';
        c.expect(dir, m.id, 'login');
        c.miner(dir, 'client sent login with api_key (Beam)');
        return true;
      case 'job':
        if (!isHex(m.input, 16) || typeof m.difficulty !== 'number') return false;
        c.protocol(WORD, 2);
        c.ev.coin = c.ev.coin ?? 'BEAM';
        c.job();
        c.setDifficulty(beamDifficulty(m.difficulty));
        c.pool(dir, 'pool sent job (Beam)');
        return true;
      case 'solution':
        // A share: {"method":"solution","id":<job id>,"nonce":..,"output":..}
        if (!isHex(m.nonce, 8) || !isHex(m.output, 16)) return false;
        c.protocol(WORD, 2);
        c.submitted();
        c.expect(dir, m.id, 'solution');
        c.miner(dir, 'client sent solution (Beam share)');
        return true;
      case 'result':
        return result(c, dir, m);
      default:
        return false;
    }
  },

  response() {
    return false;
  },

  orphan() {
    return false;
  },
};

/** {"method":"result","id":<request id>,"code":..,"description":..}. */
function result(c: Ctx, dir: Direction, m: Msg): boolean {
  const code = num(m.code);
  if (code === null && typeof m.description !== 'string' && typeof m.nonceprefix !== 'string') return false;
  const method = c.answered(dir, m.id);
  if (method === 'solution') {
    // Result codes: 1 accepted; 2 rejected; 3 expired; negatives are errors.
    if (code === 1) c.accepted();
    else c.rejected(str(m.description) ?? `code ${String(code)}`);
  } else if (method === undefined && typeof m.nonceprefix !== 'string' && c.ev.protocol !== WORD) {
    return false;
  }
  c.protocol(WORD, 2);
  c.pool(dir, method === 'login' || m.id === 'login' ? 'pool answered login (Beam)' : 'pool sent result (Beam)');
  return true;
}

/** Difficulty packed as exponent (high 8 bits) and mantissa (low 24 bits, implicit leading 1). */
export function beamDifficulty(packed: number): number {
  const order = packed >>> 24;
  const mantissa = (packed & 0xffffff) | 0x1000000;
  return mantissa * Math.pow(2, order - 24);
}

export const record: ProtocolRecord = {
  name: WORD,
  carriesMiningContent: true,
  difficulty: { kind: 'none', why: 'Beam shares are BeamHash solutions, not hashes: no rate' },
  dialect: beam,
  methodNames: true,
};
