/**
 * CryptoNote / Monero pool protocol (XMRig, xmr-stak, SRBMiner ...) and its
 * relatives Grin and Beam, which reuse the words login / job / submit.
 * Protocol words: "cryptonote", "grin", "beam".
 *
 * The method names are common English words, so each message must also have
 * its dialect's shape (a login with an agent or algo list, a job with a blob and
 * a target, a submit with a nonce and a result hash) before it counts.
 */
import type { Direction } from '../../evidence';
import { arr, Ctx, LineDialect, errorText, isHex, Msg, num, obj, str } from '../../jsonrpc/context';

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
      case 'solution':
        // Beam share: {"method":"solution","id":<job id>,"nonce":..,"output":..}
        if (!isHex(m.nonce, 8) || !isHex(m.output, 16)) return false;
        c.protocol('beam', 2);
        c.submitted();
        c.expect(dir, m.id, 'solution');
        c.miner(dir, 'client sent solution (Beam share)');
        return true;
      case 'result':
        return beamResult(c, dir, m);
      case 'keepalived':
      case 'getjob':
        if (!p || typeof p.id !== 'string') return false;
        c.protocol('cryptonote', 1);
        c.expect(dir, m.id, method);
        c.miner(dir, `client sent ${method}`);
        return true;
      case 'getjobtemplate':
        c.protocol('grin', 2);
        c.expect(dir, m.id, method);
        c.miner(dir, 'client sent getjobtemplate (Grin)');
        return true;
      case 'keepalive':
      case 'status':
        // Too generic to identify anything alone; only counted on a flow already known.
        if (!c.found || !(c.ev.protocol === 'grin' || c.ev.protocol === 'cryptonote' || c.ev.protocol === 'beam')) return false;
        c.expect(dir, m.id, method);
        c.miner(dir, '');
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
        } else if (typeof m.result === 'string' && m.result.toLowerCase() === 'ok') {
          c.protocol('grin', 2);
          c.pool(dir, 'pool accepted login (Grin)');
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
      case 'getjob':
      case 'getjobtemplate': {
        const r = obj(m.result);
        if (r) jobParams(c, r);
        c.pool(dir, `pool answered ${method}`);
        return true;
      }
      case 'keepalived':
      case 'keepalive':
      case 'status':
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

function login(c: Ctx, dir: Direction, m: Msg, p: Msg | null): boolean {
  if (typeof m.api_key === 'string') {
    // Beam: {"method":"login","api_key":"..."}; the key is a credential, so it is not kept.
    c.protocol('beam', 2);
    c.ev.coin = c.ev.coin ?? 'BEAM';
    c.expect(dir, m.id, 'login');
    c.miner(dir, 'client sent login with api_key (Beam)');
    return true;
  }
  if (!p || typeof p.login !== 'string') return false;
  const algo = arr(p.algo);
  if (typeof p.agent !== 'string' && !algo && typeof p.rigid !== 'string') return false;
  c.protocol(/grin/i.test(str(p.agent) ?? '') ? 'grin' : 'cryptonote', 1);
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
  if (p && typeof p.pre_pow === 'string') {
    c.protocol('grin', 2);
    c.pool(dir, 'pool sent job (Grin)');
    jobParams(c, p);
    return true;
  }
  if (isHex(m.input, 16) && typeof m.difficulty === 'number') {
    // Beam: job fields at top level, difficulty packed as order:8 | mantissa:24.
    c.protocol('beam', 2);
    c.ev.coin = c.ev.coin ?? 'BEAM';
    c.job();
    c.setDifficulty(beamDifficulty(m.difficulty));
    c.pool(dir, 'pool sent job (Beam)');
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

/** Grin job / template: {difficulty, height, job_id, pre_pow}. */
function jobParams(c: Ctx, p: Msg): void {
  if (typeof p.pre_pow === 'string') {
    c.job();
    const d = num(p.difficulty);
    if (d !== null) c.setDifficulty(d);
  } else if (isCnJob(p)) {
    cnJob(c, p);
  }
}

function submit(c: Ctx, dir: Direction, m: Msg, p: Msg | null): boolean {
  if (!p) return false;
  if (isHex(p.nonce, 8, 16) && isHex(p.result, 64, 64) && p.job_id !== undefined) {
    c.protocol('cryptonote', 1);
  } else if (arr(p.pow) && p.nonce !== undefined && p.job_id !== undefined) {
    c.protocol('grin', 2);
  } else {
    return false;
  }
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

/** Beam answers with {"method":"result","id":<request id>,"code":..,"description":..}. */
function beamResult(c: Ctx, dir: Direction, m: Msg): boolean {
  const code = num(m.code);
  if (code === null && typeof m.description !== 'string' && typeof m.nonceprefix !== 'string') return false;
  const method = c.answered(dir, m.id);
  if (method === 'solution') {
    // Beam result codes: 1 accepted; 2 rejected; 3 expired; negatives are errors.
    if (code === 1) c.accepted();
    else c.rejected(str(m.description) ?? `code ${String(code)}`);
  } else if (method === undefined && typeof m.nonceprefix !== 'string' && c.ev.protocol !== 'beam') {
    return false;
  }
  c.protocol('beam', 2);
  c.pool(dir, method === 'login' || m.id === 'login' ? 'pool answered login (Beam)' : 'pool sent result (Beam)');
  return true;
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

/** Beam packs difficulty as exponent (high 8 bits) and mantissa (low 24 bits, implicit leading 1). */
export function beamDifficulty(packed: number): number {
  const order = packed >>> 24;
  const mantissa = (packed & 0xffffff) | 0x1000000;
  return mantissa * Math.pow(2, order - 24);
}
