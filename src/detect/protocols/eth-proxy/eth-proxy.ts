/**
 * ETH-proxy / "stratum1" (Claymore, ethminer, Ethash and Etchash pools):
 * eth_submitLogin, eth_getWork, eth_submitWork, eth_submitHashrate over line
 * JSON-RPC, and work pushed as an id-0 getWork result. Protocol word:
 * "eth-proxy". Node methods (eth_blockNumber ...) are not mining and are left alone.
 */
import type { Direction } from '../../evidence';
import { arr, Ctx, LineDialect, errorText, isHex, Msg, str } from '../../jsonrpc/context';

const WORD = 'eth-proxy';

export const ethProxy: LineDialect = {
  request(c, dir, method, m) {
    const p = arr(m.params) ?? [];
    switch (method) {
      case 'eth_submitLogin': {
        const login = str(p[0]);
        if (login) c.login(login);
        c.worker(m.worker);
        c.agent(m.agent ?? p[2]);
        break;
      }
      case 'eth_getWork':
        break;
      case 'eth_submitWork':
        if (!isHex(p[0], 16, 16) || !isHex(p[1], 64, 64)) return false;
        c.submitted();
        if (c.ev.worker === null) c.worker(m.worker);
        break;
      case 'eth_submitHashrate':
        if (!isHex(p[0])) return false;
        c.ev.reportHashrate(p[0], true);
        break;
      default:
        return false;
    }
    c.protocol(WORD, 2);
    c.expect(dir, m.id, method);
    const login = method === 'eth_submitLogin' && str(p[0]);
    c.miner(dir, login ? `client sent eth_submitLogin (login ${login.slice(0, 120)})` : `client sent ${method}`);
    return true;
  },

  response(c, dir, method, m) {
    if (!method.startsWith('eth_')) return false;
    const err = errorText(m.error);
    if (method === 'eth_getWork') {
      if (!work(c, dir, m)) c.pool(dir, err ? `pool refused eth_getWork: ${err.slice(0, 80)}` : 'pool answered eth_getWork');
    } else if (method === 'eth_submitWork') {
      if (m.result === true && !err) c.accepted();
      else c.rejected(err ?? 'result false');
      c.pool(dir, 'pool answered eth_submitWork');
    } else if (err || m.result === false) {
      c.pool(dir, `pool refused ${method}${err ? ': ' + err.slice(0, 80) : ''}`);
    } else {
      c.pool(dir, `pool answered ${method}`);
    }
    return true;
  },

  orphan(c, dir, m) {
    // Pools push new work as an unsolicited getWork result (id 0): [header, seed, boundary(, height)].
    // Unasked, three hashes could be something else (filter changes), so the boundary must look like
    // one: a share target far below 2^256, i.e. leading zero digits.
    const r = arr(m.result);
    if (!r || !/^(0x)?0000/.test(str(r[2]) ?? '') || r[0] === r[1]) return false;
    return work(c, dir, m);
  },
};

function work(c: Ctx, dir: Direction, m: Msg): boolean {
  const r = arr(m.result);
  if (!r || r.length < 3 || r.length > 4 || !isHex(r[0], 64, 66) || !isHex(r[1], 64, 66) || !isHex(r[2], 1, 66)) return false;
  c.protocol(WORD, 2);
  c.job();
  const boundary = BigInt((r[2] as string).startsWith('0x') ? (r[2] as string) : '0x' + (r[2] as string));
  if (boundary > 0n) c.setDifficulty(Number((1n << 256n) / boundary), r[2] as string);
  c.pool(dir, 'pool sent work (eth_getWork result: header, seed, boundary)');
  return true;
}
