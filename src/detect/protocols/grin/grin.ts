/**
 * Grin stratum (grin-miner against a Grin pool, mimblewimble/grin
 * doc/stratum.md): the CryptoNote words login / job / submit with Grin's
 * shapes (a job with pre_pow, a submit with a Cuckoo Cycle pow), plus
 * getjobtemplate, keepalive and status; a login answered "ok". String ids, and
 * "method" repeated in answers. Protocol word: "grin".
 */
import type { ProtocolRecord } from '../../record';
import { arr, errorText, num, obj, str, type Ctx, type LineDialect, type Msg } from '../../jsonrpc/context';
import { login } from '../cryptonote/cryptonote';

const WORD = 'grin';

export const grin: LineDialect = {
  request(c, dir, method, m) {
    const p = obj(m.params);
    switch (method) {
      case 'login':
        // The CryptoNote login shape; grin-miner names itself in the agent.
        if (!p || !/grin/i.test(str(p.agent) ?? '')) return false;
        return login(c, dir, m, p, WORD);
      case 'job':
        if (!p || typeof p.pre_pow !== 'string') return false;
        c.protocol(WORD, 2);
        c.pool(dir, 'pool sent job (Grin)');
        job(c, p);
        return true;
      case 'submit':
        if (!p || !arr(p.pow) || p.nonce === undefined || p.job_id === undefined) return false;
        c.protocol(WORD, 2);
        c.submitted();
        c.expect(dir, m.id, 'submit');
        c.miner(dir, 'client sent submit (share)');
        return true;
      case 'getjobtemplate':
        c.protocol(WORD, 2);
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
    switch (method) {
      case 'login':
        if (errorText(m.error) || typeof m.result !== 'string' || m.result.toLowerCase() !== 'ok') return false;
        c.protocol(WORD, 2);
        c.pool(dir, 'pool accepted login (Grin)');
        return true;
      case 'getjobtemplate': {
        const r = obj(m.result);
        if (r && typeof r.pre_pow === 'string') job(c, r);
        c.pool(dir, `pool answered ${method}`);
        return true;
      }
      case 'keepalive':
      case 'status':
        c.pool(dir, '');
        return true;
      default:
        return false;
    }
  },

  orphan() {
    return false;
  },
};

/** A job or template: {difficulty, height, job_id, pre_pow}. */
function job(c: Ctx, p: Msg): void {
  c.job();
  const d = num(p.difficulty);
  if (d !== null) c.setDifficulty(d);
}

export const record: ProtocolRecord = {
  name: WORD,
  carriesMiningContent: true,
  difficulty: { kind: 'none', why: 'Grin shares are Cuckoo Cycle graphs, not hashes: no rate' },
  dialect: grin,
  methodNames: true,
};
