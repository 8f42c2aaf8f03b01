/**
 * CryptoNote / Monero pool protocol (XMRig, xmr-stak, SRBMiner ...): the
 * XMRig login, pushed jobs, submits, keepalived. Protocol word: "cryptonote".
 * Grin and Beam reuse the words login / job / submit with shapes of their own
 * (protocols/grin, protocols/beam); Grin's login is this one.
 *
 * The method names are common English words, so each message must also have
 * its dialect's shape (a login with an agent or algo list, a job with a blob and
 * a target, a submit with a nonce and a result hash) before it counts.
 */
import type { Direction } from '../../evidence';
import { arr, Ctx, LineDialect, errorText, isHex, Msg, obj, str } from '../../jsonrpc/context';

export const cryptonote: LineDialect = {
  request(c, dir, method, m) {
    const p = obj(m.params);
    switch (method) {
      case 'login':
        return login(c, dir, m, p);
      case 'job':
        return pushedJob(c, dir, m, p);
      case 'submit':
        return submit(c, dir, m, p);
      case 'keepalived':
      case 'getjob':
        if (!p || typeof p.id !== 'string') return false;
        c.protocol('cryptonote', 1);
        c.expect(dir, m.id, method);
        c.miner(dir, `client sent ${method}`);
        return true;
      default:
        return false;
    }
  },

  response(c, dir, method, m) {
    const err = errorText(m.error);
    switch (method) {
      case 'login': {
        if (err) {
          c.pool(dir, `pool refused login: ${err.slice(0, 80)}`);
          return true;
        }
        const r = obj(m.result);
        const job = r && obj(r.job);
        if (job) {
          c.pool(dir, 'pool answered login with a job');
          cnJob(c, job);
        } else {
          c.pool(dir, 'pool answered login');
        }
        return true;
      }
      case 'submit':
        if (!err && submitOk(m.result)) c.accepted();
        else c.rejected(err ?? 'not accepted');
        c.pool(dir, 'pool answered submit');
        return true;
      case 'getjob': {
        const r = obj(m.result);
        if (r && isCnJob(r)) cnJob(c, r);
        c.pool(dir, `pool answered ${method}`);
        return true;
      }
      case 'keepalived':
        c.pool(dir, '');
        return true;
      default:
        return false;
    }
  },

  orphan(c, dir, m) {
    const r = obj(m.result);
    if (!r) return false;
    const job = obj(r.job);
    if (job && isCnJob(job)) {
      // A login answer whose login was not captured.
      c.protocol('cryptonote', 1);
      c.pool(dir, 'pool answered login with a job');
      cnJob(c, job);
      return true;
    }
    if (r.status === 'KEEPALIVED') {
      c.protocol('cryptonote', 1);
      c.pool(dir, 'pool answered keepalived');
      return true;
    }
    return false;
  },
};

/** The XMRig login shape: {login, and an agent, algo list or rig id}; `word` is the dialect it names (Grin's is the same). */
export function login(c: Ctx, dir: Direction, m: Msg, p: Msg | null, word = 'cryptonote'): boolean {
  if (!p || typeof p.login !== 'string') return false;
  const algo = arr(p.algo);
  if (typeof p.agent !== 'string' && !algo && typeof p.rigid !== 'string') return false;
  c.protocol(word, 1);
  c.login(p.login);
  c.agent(p.agent);
  c.worker(p.rigid);
  if (algo) for (const a of algo) if (typeof a === 'string') c.ev.addAlgorithm(a);
  c.expect(dir, m.id, 'login');
  const agent = str(p.agent);
  c.miner(dir, `client sent login (${agent ? 'agent ' + agent.slice(0, 120) : 'no agent'})`);
  return true;
}

function pushedJob(c: Ctx, dir: Direction, m: Msg, p: Msg | null): boolean {
  if (p && isCnJob(p)) {
    c.protocol('cryptonote', 1);
    c.pool(dir, 'pool sent job');
    cnJob(c, p);
    return true;
  }
  return false;
}

function isCnJob(j: Msg): boolean {
  return isHex(j.blob, 64) && (typeof j.job_id === 'string' || typeof j.job_id === 'number') && isHex(j.target, 8, 16);
}

function cnJob(c: Ctx, j: Msg): void {
  c.job();
  const algo = str(j.algo);
  if (algo) c.ev.addAlgorithm(algo);
  const t = str(j.target);
  if (t && isHex(t, 8, 16)) {
    const d = targetDifficulty(t);
    if (d !== null) c.setDifficulty(d, t);
  }
}

function submit(c: Ctx, dir: Direction, m: Msg, p: Msg | null): boolean {
  if (!p) return false;
  if (!isHex(p.nonce, 8, 16) || !isHex(p.result, 64, 64) || p.job_id === undefined) return false;
  c.protocol('cryptonote', 1);
  c.submitted();
  c.expect(dir, m.id, 'submit');
  c.miner(dir, 'client sent submit (share)');
  return true;
}

function submitOk(r: unknown): boolean {
  if (r === true) return true;
  const s = str(r) ?? str(obj(r)?.status);
  if (s === null) return false;
  const l = s.toLowerCase();
  return l === 'ok' || l.startsWith('block');
}

/**
 * Share difficulty from a CryptoNote target: 4 bytes -> 0xFFFFFFFF / t,
 * 8 bytes -> 2^64 / t, both little-endian hex as XMRig reads them.
 */
export function targetDifficulty(hex: string): number | null {
  if (hex.length === 8) {
    const t = parseInt(hex.slice(6, 8) + hex.slice(4, 6) + hex.slice(2, 4) + hex.slice(0, 2), 16);
    return t > 0 ? Math.floor(0xffffffff / t) : null;
  }
  if (hex.length === 16) {
    let be = '';
    for (let i = 14; i >= 0; i -= 2) be += hex.slice(i, i + 2);
    const t = BigInt('0x' + be);
    return t > 0n ? Number((1n << 64n) / t) : null;
  }
  return null;
}
