/**
 * EthereumStratum/1.0.0 (NiceHash) and EthereumStratum/2.0.0 (EIP-1571) with
 * its copies (Alephium and others answering mining.hello). Protocol word:
 * "ethereum-stratum". Only the shapes that differ from Stratum v1 are handled
 * here; authorize, submit and set_difficulty go through stratum-v1.ts.
 */
import type { Direction } from '../../evidence';
import { arr, Ctx, LineDialect, isHex, Msg, obj, str } from '../../jsonrpc/context';
import { client, server } from '../stratum-v1/stratum-v1';

const WORD = 'ethereum-stratum';
const PROTO = /^[A-Za-z]*Stratum\/\d/;
const HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;

export const ethereumStratum: LineDialect = {
  request(c, dir, method, m) {
    const p = arr(m.params);
    switch (method) {
      case 'mining.hello':
        hello(c, dir, m);
        return true;
      case 'mining.subscribe': {
        const proto = p && str(p[1]);
        if (!proto || !PROTO.test(proto)) return false;
        c.protocol(WORD, 2);
        client(c, dir, method, m);
        c.ev.note(`subscribe asks for ${proto.slice(0, 40)}`);
        return true;
      }
      case 'mining.notify':
        // [job id, seed hash, header hash, clean] (1.0.0) or [job id, height, header hash, clean] (EIP-1571).
        if (!p || p.length < 3 || p.length > 5 || !isHex(p[2], 64, 66)) return false;
        c.protocol(WORD, 2);
        server(c, dir, method, m);
        return true;
      case 'mining.set': {
        const s = obj(m.params);
        if (!s) return false;
        c.protocol(WORD, 2);
        const algo = str(s.algo);
        if (algo) c.ev.addAlgorithm(algo);
        const target = str(s.target);
        if (target && isHex(target)) c.ev.target = target;
        c.pool(dir, 'pool sent mining.set (EIP-1571)');
        return true;
      }
      case 'mining.hashrate':
        // ethminer writes the rate as hex without 0x ("500000"); some pools take a plain number.
        if (p) c.ev.reportHashrate(p[0], true);
        c.protocol(WORD, 2);
        c.miner(dir, `client sent ${method}`);
        return true;
      case 'mining.noop':
      case 'mining.bye':
        c.protocol(WORD, 2);
        c.miner(dir, `client sent ${method}`);
        return true;
      case 'connection.set_gzip':
        if (!c.found) return false;
        c.ev.note('stream switched to gzip (connection.set_gzip); later lines are unreadable');
        return true;
      default:
        return false;
    }
  },

  response(c, dir, method, m) {
    if (method === 'mining.hello') {
      const r = obj(m.result);
      const proto = r && str(r.proto);
      c.pool(dir, `pool answered mining.hello${proto ? ' (' + proto.slice(0, 40) + ')' : ''}`);
      if (r && r.encoding === 'gzip') c.ev.note('pool switched the stream to gzip (EIP-1571 encoding); later lines are unreadable');
      return true;
    }
    if (method === 'mining.subscribe') return subscribeReply(c, dir, m);
    return false;
  },

  orphan(c, dir, m) {
    return subscribeReply(c, dir, m);
  },
};

function hello(c: Ctx, dir: Direction, m: Msg): void {
  c.protocol(WORD, 2);
  // EIP-1571: {agent, host, port, proto}; copies send [agent, proto].
  const o = obj(m.params);
  const a = arr(m.params);
  const agent = o ? str(o.agent) : a ? str(a[0]) : null;
  const proto = o ? str(o.proto) : a ? str(a[1]) : null;
  const host = o ? str(o.host) : null;
  if (agent) c.agent(agent);
  if (host && HOST.test(host)) c.ev.domain = host.toLowerCase();
  c.expect(dir, m.id, 'mining.hello');
  const parts = [agent ? 'agent ' + agent.slice(0, 120) : '', proto ? proto.slice(0, 40) : '', host ? 'pool ' + host : ''].filter(Boolean);
  c.miner(dir, `client sent mining.hello${parts.length ? ' (' + parts.join(', ') + ')' : ''}`);
}

/** [["mining.notify", session, "EthereumStratum/1.0.0"], extranonce]. */
function subscribeReply(c: Ctx, dir: Direction, m: Msg): boolean {
  const r = arr(m.result);
  const sub = r && arr(r[0]);
  const proto = sub && str(sub[2]);
  if (!sub || sub[0] !== 'mining.notify' || !proto || !PROTO.test(proto)) return false;
  c.protocol(WORD, 2);
  c.pool(dir, `pool answered mining.subscribe (${proto.slice(0, 40)})`);
  return true;
}
