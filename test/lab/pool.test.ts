/**
 * The lab's stand-in pool and its own client, on loopback (no root needed):
 * the pool must carry each dialect through a whole session — login or
 * subscribe/authorize, jobs, submits answered OK — and serve monerod-style
 * block templates whose hashing blob belongs to the template.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import type { PoolConfig } from '../../pcaps/lab/pool';
import type { ClientConfig } from '../../pcaps/lab/client';
import { keccak256 } from '../../pcaps/lab/wallet';

const LAB = resolve(__dirname, '../../pcaps/lab');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Running {
  port: number;
  events: () => Record<string, unknown>[];
}

function startPool(cfg: PoolConfig): Promise<Running> {
  const p = spawn(process.execPath, [resolve(LAB, 'pool.js'), JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(p);
  let out = '';
  p.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const events = () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return new Promise((ok, fail) => {
    const t = setInterval(() => {
      const l = events().find((e) => e.event === 'listening');
      if (l) {
        clearInterval(t);
        ok({ port: (l.ports as number[])[0], events });
      }
    }, 20);
    p.on('exit', (code) => fail(new Error(`pool exited ${code}`)));
  });
}

function runClient(cfg: ClientConfig): Promise<number | null> {
  const c = spawn(process.execPath, [resolve(LAB, 'client.js'), JSON.stringify(cfg)], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  return new Promise((ok) => c.on('exit', (code) => ok(code)));
}

function post(port: number, body: unknown): Promise<Record<string, unknown>> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/json_rpc', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => ok(JSON.parse(text) as Record<string, unknown>));
    });
    req.on('error', fail);
    req.end(JSON.stringify(body));
  });
}

const base: PoolConfig = { listen: [{ port: 0, host: '127.0.0.1' }], algo: 'rx/0', difficulty: 5, jobIntervalMs: 100 };

test('Stratum v1: subscribe, authorize, notify, submits answered', async () => {
  const pool = await startPool(base);
  const code = await runClient({ dialect: 'stratum-v1', host: '127.0.0.1', port: pool.port, login: 'acct.rig7', agent: 'test/1', shares: 3, intervalMs: 30 });
  expect(code).toBe(0);
  const ev = pool.events();
  expect(ev.find((e) => e.event === 'subscribe')).toMatchObject({ agent: 'test/1' });
  expect(ev.find((e) => e.event === 'login')).toMatchObject({ login: 'acct.rig7' });
  expect(ev.filter((e) => e.event === 'submit' && e.dialect === 'stratum-v1')).toHaveLength(3);
  expect(ev.filter((e) => e.event === 'unknown')).toHaveLength(0);
});

test('CryptoNote: login answered with a job, pushed jobs, submits answered', async () => {
  const pool = await startPool(base);
  const code = await runClient({ dialect: 'cryptonote', host: '127.0.0.1', port: pool.port, login: '4wallet', agent: 'XMRig/6.16.0 test', shares: 4, intervalMs: 80 });
  expect(code).toBe(0);
  const ev = pool.events();
  expect(ev.find((e) => e.event === 'login')).toMatchObject({ login: '4wallet', agent: 'XMRig/6.16.0 test', algo: ['rx/0'] });
  expect(ev.filter((e) => e.event === 'submit' && e.dialect === 'cryptonote')).toHaveLength(4);
  expect(ev.filter((e) => e.event === 'job').length).toBeGreaterThanOrEqual(1);
});

test('CryptoNote vardiff: after N shares one job with the raised difficulty, and no timed jobs', async () => {
  const pool = await startPool({ ...base, jobIntervalMs: 0, vardiff: { afterShares: 2, difficulty: 1000 } });
  expect(await runClient({ dialect: 'cryptonote', host: '127.0.0.1', port: pool.port, login: '4w', agent: 'a', shares: 3, intervalMs: 60 })).toBe(0);
  const jobs = pool.events().filter((e) => e.event === 'job');
  expect(jobs).toHaveLength(1);
  expect(jobs[0].difficulty).toBe(1000);
});

test('monerod RPC: a block template whose hashing blob is its header plus the coinbase hash', async () => {
  const pool = await startPool(base);
  const r = (await post(pool.port, { id: 7, jsonrpc: '2.0', method: 'getblocktemplate', params: { wallet_address: '4x', reserve_size: 8 } })).result as Record<string, unknown>;
  expect(r).toMatchObject({ status: 'OK', difficulty: 5 });
  const tpl = Buffer.from(String(r.blocktemplate_blob), 'hex');
  const hashing = Buffer.from(String(r.blockhashing_blob), 'hex');
  // Header: versions (2), 5-byte timestamp varint, previous id (32), nonce (4) = 43 bytes.
  expect(hashing).toHaveLength(76);
  expect(hashing.subarray(0, 43).equals(tpl.subarray(0, 43))).toBe(true);
  expect(hashing[75]).toBe(1);
  // The coinbase prefix ends where the RingCT type byte (0) and the tx-hash count (0) begin.
  const prefix = tpl.subarray(43, tpl.length - 2);
  expect([...tpl.subarray(tpl.length - 2)]).toEqual([0, 0]);
  const rctBase = keccak256(Buffer.from([0]));
  const txHash = keccak256(Buffer.concat([keccak256(prefix), rctBase, Buffer.alloc(32)]));
  expect(hashing.subarray(43, 75).equals(txHash)).toBe(true);
  // reserved_offset points at the 8 zero bytes after the extra-nonce tag (02 08).
  const off = Number(r.reserved_offset);
  expect([...tpl.subarray(off - 2, off)]).toEqual([2, 8]);
  expect(tpl.subarray(off, off + 8).equals(Buffer.alloc(8))).toBe(true);
  const s = (await post(pool.port, { id: 8, jsonrpc: '2.0', method: 'submitblock', params: [r.blocktemplate_blob] })).result;
  expect(s).toMatchObject({ status: 'OK' });
  // The pool logs the submit on its stdout, which may reach us just after the HTTP reply.
  const submits = () => pool.events().filter((e) => e.event === 'submit' && e.dialect === 'daemon');
  for (let i = 0; i < 100 && submits().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(submits()).toHaveLength(1);
});
