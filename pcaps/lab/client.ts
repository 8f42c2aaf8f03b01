/**
 * The lab's own small mining client, for what XMRig 6.16.0 cannot do: speak
 * Stratum v1 (subscribe / authorize / submit, as Bitcoin-family miners do) and
 * send a TLS server name (SNI) to a stratum pool. It computes no hashes: it
 * answers each job with a made-up nonce, like a miner that found shares.
 *
 *   node dist/pcaps/lab/client.js '<json ClientConfig>'
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { randomBytes } from 'node:crypto';

export interface ClientConfig {
  dialect: 'stratum-v1' | 'cryptonote';
  /** Host name (looked up through the system resolver, so through the lab's DNS) and port. */
  host: string;
  port: number;
  /** TLS with SNI = `host` (Node sends the server name by default). */
  tls?: boolean;
  login: string;
  pass?: string;
  agent: string;
  /** Submit this many shares, one every `intervalMs`, then close. */
  shares: number;
  intervalMs: number;
}

export const LAB_CLIENT_AGENT = 'poolwatch-lab/1.0';

function run(cfg: ClientConfig): void {
  let sock: Socket;
  const opened = () => start();
  if (cfg.tls) {
    // The stand-in's certificate is self-signed; a miner pinning nothing accepts it the same way.
    sock = tlsConnect({ host: cfg.host, port: cfg.port, servername: cfg.host, rejectUnauthorized: false }, opened);
  } else {
    sock = tcpConnect({ host: cfg.host, port: cfg.port }, opened);
  }
  sock.on('error', (e) => {
    console.error(`client: ${e.message}`);
    process.exit(2);
  });
  let seq = 1;
  let buf = '';
  let submitted = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = (o: unknown) => sock.write(`${JSON.stringify(o)}\n`);
  let session = '';
  let jobId = '';

  const finish = () => {
    if (timer) clearInterval(timer);
    console.log(JSON.stringify({ event: 'done', submitted }));
    sock.end();
    setTimeout(() => process.exit(0), 500).unref();
  };
  const submitLoop = () => {
    if (timer) return;
    timer = setInterval(() => {
      if (submitted >= cfg.shares) return finish();
      submitted++;
      if (cfg.dialect === 'cryptonote') {
        send({ id: ++seq, jsonrpc: '2.0', method: 'submit', params: { id: session, job_id: jobId, nonce: randomBytes(4).toString('hex'), result: randomBytes(32).toString('hex') } });
      } else {
        send({ id: ++seq, method: 'mining.submit', params: [cfg.login, jobId, randomBytes(4).toString('hex'), Math.floor(Date.now() / 1000).toString(16), randomBytes(4).toString('hex')] });
      }
    }, cfg.intervalMs);
  };

  function start(): void {
    if (cfg.dialect === 'cryptonote') {
      send({ id: 1, jsonrpc: '2.0', method: 'login', params: { login: cfg.login, pass: cfg.pass ?? 'x', agent: cfg.agent, algo: ['rx/0'] } });
    } else {
      send({ id: 1, method: 'mining.subscribe', params: [cfg.agent] });
      send({ id: ++seq, method: 'mining.authorize', params: [cfg.login, cfg.pass ?? 'x'] });
    }
  }

  sock.on('data', (chunk: Buffer) => {
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as { id?: unknown; method?: string; params?: unknown; result?: unknown };
      if (cfg.dialect === 'cryptonote') {
        const result = msg.result as { id?: string; job?: { job_id: string } } | undefined;
        if (msg.id === 1 && result?.job) {
          session = result.id ?? '';
          jobId = result.job.job_id;
          submitLoop();
        } else if (msg.method === 'job') {
          jobId = (msg.params as { job_id: string }).job_id;
        }
      } else if (msg.method === 'mining.notify') {
        jobId = String((msg.params as unknown[])[0]);
        submitLoop();
      }
    }
  });
}

if (require.main === module) {
  process.on('SIGTERM', () => process.exit(0));
  run(JSON.parse(process.argv[2] ?? '{}') as ClientConfig);
}
