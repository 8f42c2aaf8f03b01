/**
 * Stratum v1 ("mining.*" over line JSON-RPC): Bitcoin-style pools, BIP 310
 * mining.configure, NiceHash-signed subscribe, Zcash ZIP 301 (the pool host
 * name travels in the subscribe). Protocol word: "stratum-v1".
 * EthereumStratum variants are told apart in ethereum-stratum.ts, which runs
 * first and hands the shared methods (authorize, submit, set_difficulty) here.
 */
import type { Direction } from '../../evidence';
import { arr, Ctx, LineDialect, errorText, isHex, Msg, num, str } from '../../jsonrpc/context';

/** Requests only a miner sends and pushes only a pool sends are listed in signatures/methods.txt. */
const WORD = 'stratum-v1';

const HOST = /^(?=.{4,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}$/i;

export const stratumV1: LineDialect = {
  request(c, dir, method, m) {
    if (c.sigs.methodNames(WORD, 'client').has(method)) {
      c.protocol(WORD, 1);
      client(c, dir, method, m);
      return true;
    }
    if (c.sigs.methodNames(WORD, 'server').has(method)) {
      c.protocol(WORD, 1);
      server(c, dir, method, m);
      return true;
    }
    return false;
  },

  response(c, dir, method, m) {
    if (!c.sigs.methodNames(WORD, 'client').has(method)) return false;
    answer(c, dir, method, m);
    return true;
  },

  orphan(c, dir, m) {
    // A subscribe reply lists the subscriptions by method name, so it is recognisable without its request.
    const r = arr(m.result);
    const subs = r && arr(r[0]);
    if (!subs) return false;
    const named = (x: unknown) => {
      const a = arr(x);
      return a !== null && (a[0] === 'mining.notify' || a[0] === 'mining.set_difficulty');
    };
    if (!(named(subs) || subs.some(named))) return false;
    c.protocol(WORD, 1);
    c.pool(dir, 'pool answered mining.subscribe (subscription list)');
    return true;
  },
};

/** Client requests shared by Stratum v1 and EthereumStratum. */
export function client(c: Ctx, dir: Direction, method: string, m: Msg): void {
  const p = arr(m.params) ?? [];
  c.expect(dir, m.id, method);
  switch (method) {
    case 'mining.subscribe':
      subscribe(c, dir, p);
      return;
    case 'mining.authorize': {
      const user = str(p[0]);
      if (user) c.login(user);
      c.miner(dir, user ? `client sent mining.authorize (login ${user.slice(0, 120)})` : 'client sent mining.authorize');
      return;
    }
    case 'mining.configure': {
      const ext = arr(p[0])?.filter((x) => typeof x === 'string') ?? [];
      c.miner(dir, `client sent mining.configure (BIP 310${ext.length ? ': ' + ext.join(', ') : ''})`);
      return;
    }
    case 'mining.submit': {
      c.submitted();
      // EIP-1571 puts the job id first ([job, nonce, worker]); a short hex word is not a login.
      const user = str(p[0]);
      if (user && c.ev.login === null && !/^[0-9a-f]{1,16}$/i.test(user)) c.login(user);
      c.miner(dir, 'client sent mining.submit (share)');
      return;
    }
    case 'mining.suggest_difficulty': {
      const d = num(p[0]);
      c.miner(dir, d !== null ? `client sent mining.suggest_difficulty ${d}` : 'client sent mining.suggest_difficulty');
      return;
    }
    default:
      c.miner(dir, `client sent ${method}`);
  }
}

function subscribe(c: Ctx, dir: Direction, p: unknown[]): void {
  const agent = str(p[0]);
  if (agent) c.agent(agent);
  const host = str(p[2]);
  const port = p[3];
  let how = '';
  if (host && HOST.test(host) && (typeof port === 'number' || (typeof port === 'string' && /^\d{1,5}$/.test(port)))) {
    // ZIP 301: [agent, session id or null, host, port]; the pool's name in clear.
    c.ev.domain = host.toLowerCase();
    how = `, Zcash ZIP 301 form naming pool ${host}:${String(port)}`;
  } else if (p.length === 3 && /^\d{12,14}$/.test(String(p[1])) && isHex(p[2], 32)) {
    how = ', NiceHash-signed form';
  }
  c.miner(dir, `client sent mining.subscribe (${agent ? 'agent ' + agent.slice(0, 120) : 'no agent'}${how})`);
}

/** Pool pushes shared by Stratum v1 and EthereumStratum. */
export function server(c: Ctx, dir: Direction, method: string, m: Msg): void {
  const p = arr(m.params) ?? [];
  switch (method) {
    case 'mining.notify':
      c.job();
      c.pool(dir, 'pool sent mining.notify (new job)');
      return;
    case 'mining.set_difficulty': {
      const d = num(p[0]) ?? Number(str(p[0]) ?? NaN);
      c.setDifficulty(d);
      c.pool(dir, 'pool sent mining.set_difficulty');
      return;
    }
    case 'mining.set_target': {
      const t = str(p[0]);
      if (t && isHex(t)) c.ev.target = t;
      c.pool(dir, 'pool sent mining.set_target');
      return;
    }
    default:
      c.pool(dir, `pool sent ${method}`);
  }
}

/** Answers to client requests shared by Stratum v1 and EthereumStratum. */
export function answer(c: Ctx, dir: Direction, method: string, m: Msg): void {
  const err = errorText(m.error);
  if (method === 'mining.submit') {
    if (m.result === true && !err) c.accepted();
    else c.rejected(err ?? 'result false');
    c.pool(dir, 'pool answered mining.submit');
    return;
  }
  if (err) {
    c.pool(dir, `pool refused ${method}: ${err.slice(0, 80)}`);
    return;
  }
  if (method === 'mining.authorize' && m.result === false) {
    c.pool(dir, 'pool refused mining.authorize');
    return;
  }
  c.pool(dir, `pool answered ${method}`);
}
