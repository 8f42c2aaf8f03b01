/**
 * Stand-in mining pool for the lab. It speaks just enough of three dialects to
 * drive a real miner through a whole session: CryptoNote stratum (XMRig's
 * login/job/submit/keepalived), Stratum v1 (subscribe/authorize/notify/submit)
 * and a monerod-style HTTP JSON-RPC for solo ("daemon") mining. Hashes are not
 * checked: the targets are easy so that one thread finds shares in seconds.
 *
 *   node dist/pcaps/lab/pool.js '<json PoolConfig>'
 *
 * One JSON object per line on stdout tells the lab what happened
 * ({"event":"listening"}, {"event":"submit",...}), which is how the recorder
 * knows how many shares a capture must contain.
 */
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keccak256 } from './wallet';

export interface PoolListen {
  port: number;
  host?: string;
  tls?: boolean;
}

export interface PoolConfig {
  listen: PoolListen[];
  /** PEM files for TLS listeners. */
  cert?: string;
  key?: string;
  /** Algorithm named in CryptoNote jobs (e.g. "rx/0", "cn/r"). */
  algo: string;
  /** Share difficulty: one share per `difficulty` hashes on average. */
  difficulty: number;
  /** Push a new job this often (0: never after the first). */
  jobIntervalMs: number;
  /**
   * Variable difficulty, as real pools raise it: after this many accepted
   * shares in a session, push one new job at `difficulty` (CryptoNote only).
   */
  vardiff?: { afterShares: number; difficulty: number };
  /** Extensions announced in the login reply ("keepalive" makes XMRig send keepalived). */
  extensions?: string[];
}

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, t: Date.now(), ...fields })}\n`);
}

let height = 2_500_000 + Math.floor(Math.random() * 1000);
// The chain tip a solo miner builds on; it changes only when a block is found, as monerod's does.
let tipHash = randomBytes(32);
const seedHash = randomBytes(32).toString('hex');

/** 4-byte little-endian compact target as XMRig reads it: difficulty = 0xffffffff / target. */
function compactTarget(difficulty: number): string {
  const t = Math.max(1, Math.floor(0xffffffff / difficulty));
  const b = Buffer.alloc(4);
  b.writeUInt32LE(t >>> 0);
  return b.toString('hex');
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

/** Block header as Monero lays it out: major, minor, timestamp, previous id, nonce. */
function header(major = 16, prev: Buffer = randomBytes(32)): Buffer {
  return Buffer.concat([Buffer.from([major, major]), varint(Math.floor(Date.now() / 1000)), prev, Buffer.alloc(4)]);
}

/** A 76-byte hashing blob (header, tree root, transaction count) with the nonce at byte 39. */
function hashingBlob(): string {
  return Buffer.concat([header(), randomBytes(32), varint(7)]).toString('hex');
}

// keccak of a miner transaction's empty RingCT base (one 0 byte), as Monero hashes transactions in three parts.
const RCT_BASE_HASH = keccak256(Buffer.from([0]));

/**
 * A block template as monerod (v0.17, 2021, the era of XMRig 6.16) builds it:
 * header, a coinbase transaction (one txout_to_key output, tx public key and an
 * 8-byte reserved extra nonce), no other transactions; and the matching
 * hashing blob, whose tree root is the coinbase hash.
 */
function blockTemplate(h: number): { blob: string; hashing: string; reservedOffset: number } {
  const head = header(14, tipHash);
  const prefix = Buffer.concat([
    Buffer.from([2]), // version
    varint(h + 60), // unlock time
    Buffer.from([1, 0xff]), // one input: coinbase
    varint(h),
    Buffer.from([1]), // one output
    varint(600_000_000_000),
    Buffer.from([2]), // txout_to_key
    randomBytes(32),
    varint(43), // extra: tx public key (1 + 32), extra nonce (1 + 1 + 8)
    Buffer.from([1]),
    randomBytes(32),
    Buffer.from([2, 8]),
    Buffer.alloc(8),
  ]);
  const blob = Buffer.concat([head, prefix, Buffer.from([0]), varint(0)]);
  const txHash = keccak256(Buffer.concat([keccak256(prefix), RCT_BASE_HASH, Buffer.alloc(32)]));
  const hashing = Buffer.concat([head, txHash, varint(1)]);
  return { blob: blob.toString('hex'), hashing: hashing.toString('hex'), reservedOffset: head.length + prefix.length - 8 };
}

class LineConn {
  private buf = '';
  constructor(
    readonly sock: Socket,
    private readonly onLine: (msg: Record<string, unknown>) => void,
  ) {}
  feed(chunk: Buffer): void {
    this.buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      try {
        this.onLine(JSON.parse(line) as Record<string, unknown>);
      } catch {
        emit('bad-line', { line: line.slice(0, 200) });
      }
    }
  }
  send(obj: unknown): void {
    if (!this.sock.destroyed) this.sock.write(`${JSON.stringify(obj)}\n`);
  }
}

/** XMRig-style CryptoNote stratum. */
function cryptonote(conn: LineConn, cfg: PoolConfig, remote: string): (msg: Record<string, unknown>) => void {
  const session = randomBytes(8).toString('hex');
  let jobSeq = 0;
  let shares = 0;
  let difficulty = cfg.difficulty;
  let timer: NodeJS.Timeout | undefined;
  const job = () => {
    const j: Record<string, unknown> = {
      blob: hashingBlob(),
      job_id: `${session.slice(0, 6)}${(++jobSeq).toString(16).padStart(4, '0')}`,
      target: compactTarget(difficulty),
      algo: cfg.algo,
      height,
      id: session,
    };
    if (cfg.algo.startsWith('rx/')) j.seed_hash = seedHash;
    return j;
  };
  conn.sock.on('close', () => timer && clearInterval(timer));
  return (msg) => {
    const id = msg.id;
    const params = (msg.params ?? {}) as Record<string, unknown>;
    switch (msg.method) {
      case 'login': {
        emit('login', { remote, login: params.login, pass: params.pass, agent: params.agent, rigid: params.rigid, algo: params.algo });
        conn.send({
          id,
          jsonrpc: '2.0',
          error: null,
          result: { id: session, job: job(), extensions: cfg.extensions ?? ['algo', 'nicehash', 'connect', 'tls', 'keepalive'], status: 'OK' },
        });
        if (cfg.jobIntervalMs > 0) {
          timer = setInterval(() => {
            height++;
            conn.send({ jsonrpc: '2.0', method: 'job', params: job() });
            emit('job', { remote });
          }, cfg.jobIntervalMs);
        }
        return;
      }
      case 'submit':
        emit('submit', { remote, dialect: 'cryptonote', job_id: params.job_id, nonce: params.nonce });
        conn.send({ id, jsonrpc: '2.0', error: null, result: { status: 'OK' } });
        if (cfg.vardiff && ++shares === cfg.vardiff.afterShares) {
          difficulty = cfg.vardiff.difficulty;
          conn.send({ jsonrpc: '2.0', method: 'job', params: job() });
          emit('job', { remote, difficulty });
        }
        return;
      case 'keepalived':
        emit('keepalived', { remote });
        conn.send({ id, jsonrpc: '2.0', error: null, result: { status: 'KEEPALIVED' } });
        return;
      default:
        emit('unknown', { remote, method: msg.method });
        conn.send({ id, jsonrpc: '2.0', error: { code: -1, message: 'Unknown method' } });
    }
  };
}

/** Stratum v1 as Bitcoin-family pools speak it. */
function stratumV1(conn: LineConn, cfg: PoolConfig, remote: string): (msg: Record<string, unknown>) => void {
  const extranonce1 = randomBytes(4).toString('hex');
  let jobSeq = 0;
  let timer: NodeJS.Timeout | undefined;
  const notify = (clean: boolean) => {
    const ntime = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
    conn.send({
      id: null,
      method: 'mining.notify',
      params: [
        (++jobSeq).toString(16),
        randomBytes(32).toString('hex'),
        `01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20${varint(height).toString('hex')}`,
        `ffffffff0100f2052a010000001976a914${randomBytes(20).toString('hex')}88ac00000000`,
        [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')],
        '20000000',
        '17034219',
        ntime,
        clean,
      ],
    });
  };
  conn.sock.on('close', () => timer && clearInterval(timer));
  return (msg) => {
    const id = msg.id;
    const params = Array.isArray(msg.params) ? (msg.params as unknown[]) : [];
    switch (msg.method) {
      case 'mining.subscribe':
        emit('subscribe', { remote, agent: params[0] });
        conn.send({ id, result: [[['mining.set_difficulty', 'b4b6693b72a50c7116db18d6497cac52'], ['mining.notify', 'ae6812eb4cd7735a302a8a9dd95cf71f']], extranonce1, 4], error: null });
        return;
      case 'mining.authorize':
        emit('login', { remote, login: params[0], pass: params[1] });
        conn.send({ id, result: true, error: null });
        conn.send({ id: null, method: 'mining.set_difficulty', params: [cfg.difficulty] });
        notify(true);
        if (cfg.jobIntervalMs > 0) {
          timer = setInterval(() => {
            height++;
            notify(false);
          }, cfg.jobIntervalMs);
        }
        return;
      case 'mining.extranonce.subscribe':
        conn.send({ id, result: true, error: null });
        return;
      case 'mining.submit':
        emit('submit', { remote, dialect: 'stratum-v1', job_id: params[1], nonce: params[4] });
        conn.send({ id, result: true, error: null });
        return;
      default:
        emit('unknown', { remote, method: msg.method });
        conn.send({ id, result: null, error: [20, 'Unknown method', null] });
    }
  };
}

/** monerod's RPC as a solo miner uses it: block templates in, blocks out. */
function daemonRpc(cfg: PoolConfig, req: IncomingMessage, res: ServerResponse, body: string, remote: string): void {
  const reply = (obj: unknown) => {
    const text = JSON.stringify(obj);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  let rpcMethod: unknown;
  try {
    rpcMethod = (JSON.parse(body) as { method?: unknown }).method;
  } catch {
    /* GET requests have no body */
  }
  emit('http', { remote, method: req.method, url: req.url, rpc: rpcMethod, agent: req.headers['user-agent'] });
  if (req.method === 'GET' && (req.url === '/getheight' || req.url === '/get_height')) {
    return reply({ hash: tipHash.toString('hex'), height, status: 'OK', untrusted: false });
  }
  if (req.method === 'GET' && (req.url === '/getinfo' || req.url === '/get_info')) {
    return reply(info());
  }
  let msg: Record<string, unknown> = {};
  try {
    msg = JSON.parse(body) as Record<string, unknown>;
  } catch {
    res.writeHead(400);
    return void res.end();
  }
  const id = msg.id ?? 0;
  switch (msg.method) {
    case 'get_block_template':
    case 'getblocktemplate': {
      const t = blockTemplate(height);
      return reply({
        id,
        jsonrpc: '2.0',
        result: {
          blockhashing_blob: t.hashing,
          blocktemplate_blob: t.blob,
          difficulty: cfg.difficulty,
          difficulty_top64: 0,
          expected_reward: 600_000_000_000,
          height,
          next_seed_hash: '',
          prev_hash: tipHash.toString('hex'),
          reserved_offset: t.reservedOffset,
          seed_hash: seedHash,
          seed_height: height - (height % 2048),
          status: 'OK',
          untrusted: false,
          wide_difficulty: `0x${cfg.difficulty.toString(16)}`,
        },
      });
    }
    case 'submit_block':
    case 'submitblock':
      emit('submit', { remote, dialect: 'daemon' });
      height++;
      tipHash = randomBytes(32);
      return reply({ id, jsonrpc: '2.0', result: { block_id: randomBytes(32).toString('hex'), status: 'OK', untrusted: false } });
    case 'get_info':
      return reply({ id, jsonrpc: '2.0', result: info() });
    case 'get_last_block_header':
    case 'get_block_header_by_height':
      return reply({ id, jsonrpc: '2.0', result: { block_header: { height: height - 1, hash: randomBytes(32).toString('hex'), timestamp: Math.floor(Date.now() / 1000) }, status: 'OK' } });
    default:
      emit('unknown', { remote, method: msg.method });
      return reply({ id, jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' } });
  }
}

function info(): Record<string, unknown> {
  return { height, target_height: height, difficulty: 300_000_000_000, status: 'OK', synchronized: true, nettype: 'mainnet', version: '0.18.3.1-release', untrusted: false, top_block_hash: randomBytes(32).toString('hex') };
}

export function startPool(cfg: PoolConfig): void {
  const http = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => daemonRpc(cfg, req, res, body, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
  });
  // The first bytes tell the dialect: an HTTP verb goes to the RPC server, a JSON line to stratum.
  const onSocket = (sock: Socket) => {
    const remote = `${sock.remoteAddress}:${sock.remotePort}`;
    emit('connect', { remote, local: `${sock.localAddress}:${sock.localPort}` });
    sock.on('error', () => undefined);
    sock.on('close', () => emit('close', { remote }));
    sock.once('data', (first: Buffer) => {
      const head = first.subarray(0, 8).toString('latin1');
      if (/^(GET|POST|HEAD|PUT) /.test(head)) {
        sock.pause();
        sock.unshift(first);
        http.emit('connection', sock);
        sock.resume();
        return;
      }
      let handler: ((m: Record<string, unknown>) => void) | undefined;
      const conn = new LineConn(sock, (m) => {
        if (!handler) handler = m.method === 'login' ? cryptonote(conn, cfg, remote) : stratumV1(conn, cfg, remote);
        handler(m);
      });
      conn.feed(first);
      sock.on('data', (c: Buffer) => conn.feed(c));
    });
  };
  let pending = cfg.listen.length;
  const ports: number[] = [];
  for (const l of cfg.listen) {
    const server = l.tls
      ? createTlsServer({ cert: readFileSync(cfg.cert!), key: readFileSync(cfg.key!) }, (s) => onSocket(s))
      : createTcpServer(onSocket);
    server.on('tlsClientError', () => undefined);
    server.listen(l.port, l.host ?? '0.0.0.0', () => {
      // Port 0 asks for any free port: report the one bound, in listen order.
      ports[cfg.listen.indexOf(l)] = (server.address() as AddressInfo).port;
      if (--pending === 0) emit('listening', { ports });
    });
  }
}

if (require.main === module) {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as PoolConfig;
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  startPool(cfg);
}
