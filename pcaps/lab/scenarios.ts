/**
 * The lab's scenarios: each starts real programs inside a fresh Lab, records
 * the watched host's wire with tcpdump, and returns what a correct poolwatch
 * must report for that capture (built from what the stand-in servers actually
 * saw, so the expectations are the ground truth of this very recording).
 */
import { join } from 'node:path';
import { copyFileSync, writeFileSync, readFileSync, statSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { ADDR, Lab, sleep, type Proc } from './netns';
import { LAB_DIST, NAMES, SERVICE_TIMEOUT_MS, makeCert, poolEvents, startCapture, startDns, startPool, stopCapture } from './services';
import { XMRIG_PACKAGE, XMRIG_VERSION, ensureXmrig, xmrigConfig, type MinerPool } from './xmrig';
import { bitcoinAddress, moneroAddress } from './wallet';
import type { PoolConfig } from './pool';
import { LAB_CLIENT_AGENT, type ClientConfig } from './client';
import type { BenignConfig } from './benign-server';

/** One finding a correct scan must report (fields left out are not checked). */
export interface ExpectedFinding {
  host: string;
  pool: string;
  poolPort: number;
  protocol: string;
  domain?: string | null;
  login?: string;
  worker?: string;
  agent?: string;
  /** Each of these must be among the finding's algorithms. */
  algorithms?: string[];
  /** The finding's sharesSubmitted must be at least this (the pool's own count of submits). */
  sharesSubmittedAtLeast?: number;
}

export interface CaptureEntry {
  file: string;
  scenario: string;
  description: string;
  program: string;
  version: string;
  source: string;
  /** Empty for benign traffic: a scan must report no finding at all. */
  expect: { findings: ExpectedFinding[] };
  /** What the servers saw during the recording (for the reader; the test checks `expect`). */
  observed: Record<string, unknown>;
  packets: number;
  bytes: number;
  recordedSeconds: number;
  mtu: number;
}

export interface RunContext {
  lab: Lab;
  /** Scratch folder for this run (configs, certificates, logs). */
  dir: string;
  cacheDir: string;
}

export interface Scenario {
  name: string;
  description: string;
  kind: 'miner' | 'benign';
  mtu?: number;
  /** Runs the programs; the capture is already running and the DNS server is up. */
  run(ctx: RunContext): Promise<Omit<CaptureEntry, 'file' | 'scenario' | 'description' | 'packets' | 'bytes' | 'recordedSeconds' | 'mtu'>>;
}

export const WALLET = moneroAddress('poolwatch lab wallet');
export const NICEHASH_WALLET = bitcoinAddress('poolwatch lab nicehash');

const nodeBin = process.execPath;

/** Waits until `done()` holds (checked every 100 ms) or `maxMs` passes; returns whether it held. */
async function until(done: () => boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    if (done()) return true;
    await sleep(100);
  }
  return done();
}

const count = (p: Proc, event: string) => poolEvents(p).filter((e) => e.event === event).length;

interface XmrigScenarioOptions {
  name: string;
  description: string;
  domain: string;
  port: number;
  tls?: boolean;
  nicehash?: boolean;
  daemon?: boolean;
  keepalive?: boolean | number;
  rigId?: string;
  user?: string;
  mtu?: number;
  /** Stop once the pool has this many submits (default 3)... */
  shares?: number;
  /** ...and, if set, this many keepalived messages. */
  keepaliveds?: number;
  /** Never run the miner longer than this. */
  maxMs?: number;
  algo?: string;
  difficulty?: number;
  jobIntervalMs?: number;
  vardiff?: PoolConfig['vardiff'];
}

/**
 * The report contract's login is the wallet or account and its worker the rig
 * name: a pool login "wallet.rig" is reported as login "wallet", worker "rig".
 */
function splitLogin(raw: string): { login: string; worker?: string } {
  const dot = raw.indexOf('.');
  return dot > 0 ? { login: raw.slice(0, dot), worker: raw.slice(dot + 1) } : { login: raw };
}

/** The algorithm the stand-in hands out: RandomX in light mode needs no 2 GiB dataset and starts in ~1 s. */
const ALGO = 'rx/0';

function xmrigScenario(o: XmrigScenarioOptions): Scenario {
  return {
    name: o.name,
    description: o.description,
    kind: 'miner',
    mtu: o.mtu,
    async run(ctx) {
      const { lab, dir } = ctx;
      const xmrig = ensureXmrig(ctx.cacheDir);
      const cfg: PoolConfig = {
        listen: [{ port: o.port, tls: o.tls }],
        algo: o.algo ?? ALGO,
        difficulty: o.difficulty ?? 5,
        jobIntervalMs: o.jobIntervalMs ?? 2500,
        vardiff: o.vardiff,
      };
      if (o.tls) Object.assign(cfg, makeCert(dir, o.domain));
      const pool = await startPool(lab, cfg, join(dir, 'pool.log'));
      const user = o.user ?? WALLET;
      const mp: MinerPool = {
        url: `${o.domain}:${o.port}`,
        user,
        rigId: o.rigId,
        tls: o.tls,
        nicehash: o.nicehash,
        daemon: o.daemon,
        keepalive: o.keepalive,
        coin: o.daemon ? 'monero' : undefined,
      };
      const conf = join(dir, 'xmrig.json');
      writeFileSync(conf, JSON.stringify(xmrigConfig(mp, join(dir, 'xmrig.log')), null, 2));
      const started = Date.now();
      const miner = lab.spawn(lab.clientNs, 'xmrig', [xmrig, '-c', conf], { timeoutMs: (o.maxMs ?? 25_000) + 5000, cwd: dir, logFile: join(dir, 'xmrig.out') });
      const wantShares = o.shares ?? 3;
      await until(() => count(pool, 'submit') >= wantShares && count(pool, 'keepalived') >= (o.keepaliveds ?? 0), o.maxMs ?? 25_000);
      await lab.kill(miner, 'SIGTERM');
      await sleep(300);
      const events = poolEvents(pool);
      const login = events.find((e) => e.event === 'login');
      const http = events.filter((e) => e.event === 'http');
      const shares = count(pool, 'submit');
      const threads = /threads:?\s*(\d+)/i.exec(miner.output());
      const f: ExpectedFinding = {
        host: ADDR.client,
        pool: NAMES[o.domain],
        poolPort: o.port,
        protocol: o.tls ? 'tls' : o.daemon ? 'getwork' : 'cryptonote',
        domain: o.domain,
      };
      if (!o.tls) {
        Object.assign(f, splitLogin(o.daemon ? user : String(login?.login ?? '')));
        // Solo mining carries the miner's name in the HTTP User-Agent header instead of a login message.
        f.agent = String((o.daemon ? http.find((h) => h.agent)?.agent : login?.agent) ?? '');
        if (o.rigId) f.worker = o.rigId;
        if (!o.daemon) f.algorithms = [cfg.algo];
        if (shares > 0) f.sharesSubmittedAtLeast = shares;
      }
      if (!o.tls && !o.daemon && !login) throw new Error(`${o.name}: the miner never logged in:\n${miner.output().slice(-1500)}`);
      if (shares < wantShares || count(pool, 'keepalived') < (o.keepaliveds ?? 0)) {
        throw new Error(`${o.name}: ${shares} share(s), ${count(pool, 'keepalived')} keepalived in ${o.maxMs ?? 25_000} ms:\n${miner.output().slice(-1500)}`);
      }
      return {
        program: 'XMRig',
        version: XMRIG_VERSION,
        source: `npm ${XMRIG_PACKAGE} (server/src/miners/xmrig/xmrig), 1 CPU thread`,
        expect: { findings: [f] },
        observed: {
          sharesSubmitted: shares,
          keepalived: count(pool, 'keepalived'),
          jobsPushed: count(pool, 'job'),
          httpRequests: http.length ? [...new Set(http.map((h) => `${String(h.method)} ${String(h.url)}${h.rpc ? ` ${String(h.rpc)}` : ''}`))] : undefined,
          minerSeconds: Math.round((Date.now() - started) / 100) / 10,
          minerThreadsLine: threads ? threads[0] : undefined,
        },
      };
    },
  };
}

interface ClientScenarioOptions {
  name: string;
  description: string;
  dialect: ClientConfig['dialect'];
  domain: string;
  port: number;
  tls?: boolean;
  login: string;
  shares: number;
}

/** The lab's own client (client.ts) against the stand-in pool. */
function clientScenario(o: ClientScenarioOptions): Scenario {
  return {
    name: o.name,
    description: o.description,
    kind: 'miner',
    async run(ctx) {
      const { lab, dir } = ctx;
      const cfg: PoolConfig = { listen: [{ port: o.port, tls: o.tls }], algo: ALGO, difficulty: 65536, jobIntervalMs: 2000 };
      if (o.tls) Object.assign(cfg, makeCert(dir, o.domain));
      const pool = await startPool(lab, cfg, join(dir, 'pool.log'));
      const cc: ClientConfig = { dialect: o.dialect, host: o.domain, port: o.port, tls: o.tls, login: o.login, agent: LAB_CLIENT_AGENT, shares: o.shares, intervalMs: 700 };
      const client = lab.spawn(lab.clientNs, 'client', [nodeBin, join(LAB_DIST, 'client.js'), JSON.stringify(cc)], { timeoutMs: 20_000, logFile: join(dir, 'client.out') });
      const code = await client.exited;
      await sleep(300);
      const shares = count(pool, 'submit');
      if (code !== 0 || shares !== o.shares) throw new Error(`${o.name}: client exit ${code}, ${shares} shares: ${client.output()}`);
      const f: ExpectedFinding = { host: ADDR.client, pool: NAMES[o.domain], poolPort: o.port, protocol: o.tls ? 'tls' : o.dialect, domain: o.domain };
      if (!o.tls) Object.assign(f, { ...splitLogin(o.login), agent: LAB_CLIENT_AGENT, sharesSubmittedAtLeast: shares });
      return {
        program: 'poolwatch lab client (pcaps/lab/client.ts)',
        version: '1.0',
        source: `Node ${process.version} net/tls${o.tls ? ', SNI sent' : ''}`,
        expect: { findings: [f] },
        observed: { sharesSubmitted: shares, jobsPushed: count(pool, 'job') },
      };
    },
  };
}

/** Runs one program in the client namespace to its end (bounded) and fails the scenario if it fails. */
async function runClient(ctx: RunContext, name: string, argv: string[], timeoutMs = 15_000): Promise<string> {
  const p = ctx.lab.spawn(ctx.lab.clientNs, name, argv, { timeoutMs, cwd: ctx.dir });
  const code = await p.exited;
  if (code !== 0) throw new Error(`${name} (${argv.join(' ')}) exited ${code}: ${p.output().slice(-1000)}`);
  return p.output();
}

async function startBenign(ctx: RunContext): Promise<Proc> {
  const { cert, key } = makeCert(ctx.dir, 'www.wikipedia.org');
  const cfg: BenignConfig = { webHost: ADDR.web, rpcHost: ADDR.rpc, cert, key };
  const p = ctx.lab.spawn(ctx.lab.serverNs, 'benign-server', [nodeBin, join(LAB_DIST, 'benign-server.js'), JSON.stringify(cfg)], { timeoutMs: SERVICE_TIMEOUT_MS });
  await ctx.lab.waitFor(p, /"event":"listening"/, 10_000);
  return p;
}

function curlVersion(): string {
  return /^curl (\S+)/.exec(execFileSync('curl', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
}

const benignWeb: Scenario = {
  name: 'benign-web',
  description: 'curl fetches pages over HTTP and HTTPS from local web servers whose names it looks up in DNS first',
  kind: 'benign',
  async run(ctx) {
    await startBenign(ctx);
    const curl = ['curl', '-sS', '--max-time', '8', '-o', '/dev/null', '-w', '%{http_code}\n'];
    await runClient(ctx, 'curl', [...curl, 'http://www.wikipedia.org/']);
    await runClient(ctx, 'curl', [...curl, '-k', 'https://www.wikipedia.org/']);
    await runClient(ctx, 'curl', [...curl, '-k', 'https://deb.debian.org/debian/']);
    return { program: 'curl', version: curlVersion(), source: 'Debian package curl', expect: { findings: [] }, observed: { requests: 3 } };
  },
};

const benignDns: Scenario = {
  name: 'benign-dns',
  description: 'ordinary name lookups through the system resolver (getent): web sites, pool.ntp.org and an NTP pool member, and one refused name',
  kind: 'benign',
  async run(ctx) {
    const names = ['www.debian.org', 'pool.ntp.org', '0.debian.pool.ntp.org', 'github.com', 'deb.debian.org'];
    for (const n of names) await runClient(ctx, 'getent', ['getent', 'ahostsv4', n], 5000);
    // A name the lab's DNS refuses: getent fails (exit 2), as it would for a typo.
    const p = ctx.lab.spawn(ctx.lab.clientNs, 'getent', ['getent', 'ahostsv4', 'printer.local.lan'], { timeoutMs: 5000 });
    await p.exited;
    return { program: 'getent (glibc resolver)', version: execFileSync('getent', ['--version'], { encoding: 'utf8' }).split('\n')[0], source: 'Debian package libc-bin', expect: { findings: [] }, observed: { lookups: names.length + 1 } };
  },
};

const benignJsonRpc: Scenario = {
  name: 'benign-jsonrpc',
  description: 'curl asks a Bitcoin Core style node for getblockchaininfo/getnetworkinfo (basic auth, port 8332) and an Ethereum node for eth_blockNumber (port 8545): JSON-RPC about coins, but no mining',
  kind: 'benign',
  async run(ctx) {
    await startBenign(ctx);
    const post = (url: string, body: string, extra: string[] = []) => ['curl', '-sS', '--max-time', '5', ...extra, '-H', 'content-type: application/json', '--data-binary', body, url];
    await runClient(ctx, 'curl', post('http://bitcoin-node.lan:8332/', '{"jsonrpc":"1.0","id":"curltest","method":"getblockchaininfo","params":[]}', ['--user', 'rpcuser:rpcpassword']));
    await runClient(ctx, 'curl', post('http://bitcoin-node.lan:8332/', '{"jsonrpc":"1.0","id":"curltest","method":"getnetworkinfo","params":[]}', ['--user', 'rpcuser:rpcpassword']));
    for (let i = 1; i <= 3; i++) {
      await runClient(ctx, 'curl', post('http://eth-node.lan:8545/', `{"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":${i}}`));
      await sleep(500);
    }
    return { program: 'curl', version: curlVersion(), source: 'Debian package curl', expect: { findings: [] }, observed: { requests: 5 } };
  },
};

const benignSsh: Scenario = {
  name: 'benign-ssh',
  description: 'an OpenSSH session that stays open for several seconds printing a line a second: long-lived, small, regular packets both ways, like a mining session but not one',
  kind: 'benign',
  async run(ctx) {
    const { lab, dir } = ctx;
    const hostKey = join(dir, 'ssh_host_ed25519_key');
    const userKey = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey], { timeout: 10_000 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'lab', '-f', userKey], { timeout: 10_000 });
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
    const conf = join(dir, 'sshd_config');
    writeFileSync(
      conf,
      [`ListenAddress ${ADDR.ssh}:22`, `HostKey ${hostKey}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', 'PidFile none', 'LogLevel INFO', ''].join('\n'),
    );
    // sshd insists on its privilege-separation folder, which the Debian service would make at start.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const sshd = lab.spawn(lab.serverNs, 'sshd', ['/usr/sbin/sshd', '-D', '-e', '-f', conf], { timeoutMs: SERVICE_TIMEOUT_MS });
    await lab.waitFor(sshd, /Server listening/, 5000);
    const out = await runClient(
      ctx,
      'ssh',
      ['ssh', '-F', '/dev/null', '-i', userKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', 'root@build.lan', 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 1; done'],
      20_000,
    );
    return { program: 'OpenSSH ssh + sshd', version: sshVersion(), source: 'Debian packages openssh-client, openssh-server', expect: { findings: [] }, observed: { ticks: (out.match(/tick/g) ?? []).length } };
  },
};

function sshVersion(): string {
  const r = spawnSync('ssh', ['-V'], { encoding: 'utf8', timeout: 5000 });
  return (r.stderr || r.stdout).trim();
}

export const SCENARIOS: Scenario[] = [
  xmrigScenario({
    name: 'xmrig-plain-dns',
    description: 'XMRig logs in over plain CryptoNote stratum to pool.supportxmr.com:3333, found through a DNS lookup just before; jobs, submits and replies follow',
    domain: 'pool.supportxmr.com',
    port: 3333,
    rigId: 'lab-rig-01',
  }),
  xmrigScenario({
    name: 'xmrig-tls',
    description: 'XMRig with --tls to xmr-eu1.nanopool.org:14433: TLS 1.3 without SNI (6.16.0 never sends it), so the pool name shows only in the DNS lookup before the handshake',
    domain: 'xmr-eu1.nanopool.org',
    port: 14433,
    tls: true,
  }),
  xmrigScenario({
    name: 'xmrig-nicehash',
    description: 'XMRig in NiceHash mode (--nicehash) to randomxmonero.auto.nicehash.com:9200 with a Bitcoin payout address plus worker name as login',
    domain: 'randomxmonero.auto.nicehash.com',
    port: 9200,
    nicehash: true,
    user: `${NICEHASH_WALLET}.labrig2`,
  }),
  xmrigScenario({
    name: 'xmrig-daemon',
    description: 'XMRig solo mining against a monerod-style node (--daemon) at node.moneroworld.com:18081: a new HTTP connection per call, POST /json_rpc getblocktemplate and submitblock, GET /getheight polled every second, User-Agent XMRig',
    domain: 'node.moneroworld.com',
    port: 18081,
    daemon: true,
    shares: 2,
  }),
  xmrigScenario({
    name: 'xmrig-port443',
    description: 'XMRig speaking plain (not TLS) CryptoNote stratum to gulf.moneroocean.stream on port 443, where a port-based rule would expect HTTPS',
    domain: 'gulf.moneroocean.stream',
    port: 443,
  }),
  xmrigScenario({
    name: 'xmrig-keepalive',
    description: 'XMRig with keepalive (pool option "keepalive": 2, i.e. after 2 s idle instead of the default 60) to pool.supportxmr.com:5555; after two shares the pool raises the difficulty out of reach (as vardiff does) and sends no more jobs, so the idle miner sends keepalived messages',
    domain: 'pool.supportxmr.com',
    port: 5555,
    keepalive: 2,
    jobIntervalMs: 0,
    vardiff: { afterShares: 2, difficulty: 10_000_000 },
    shares: 2,
    keepaliveds: 2,
  }),
  xmrigScenario({
    name: 'xmrig-small-mtu',
    description: 'XMRig over plain stratum to xmr-eu1.nanopool.org:14444 on a link with MTU 256, so its login and the pool\'s job replies span several TCP segments',
    domain: 'xmr-eu1.nanopool.org',
    port: 14444,
    mtu: 256,
    rigId: 'lab-rig-mtu',
  }),
  clientScenario({
    name: 'stratum1-client',
    description: 'Stratum v1 (mining.subscribe, mining.authorize, set_difficulty, notify, mining.submit) from the lab client to stratum.braiins.com:3333',
    dialect: 'stratum-v1',
    domain: 'stratum.braiins.com',
    port: 3333,
    login: 'labuser.worker1',
    shares: 4,
  }),
  clientScenario({
    name: 'tls-sni-client',
    description: 'CryptoNote stratum over TLS from the lab client to gulf.moneroocean.stream:20128, sending the server name (SNI) in its ClientHello, after a DNS lookup',
    dialect: 'cryptonote',
    domain: 'gulf.moneroocean.stream',
    port: 20128,
    tls: true,
    login: WALLET,
    shares: 4,
  }),
  benignWeb,
  benignDns,
  benignJsonRpc,
  benignSsh,
];

/** Records one scenario into `outDir/<name>.pcap` and returns its manifest entry. */
export async function record(s: Scenario, outDir: string, cacheDir: string, workDir: string, observe?: (lab: Lab) => void): Promise<CaptureEntry> {
  const lab = new Lab({ mtu: s.mtu, deadlineMs: SERVICE_TIMEOUT_MS + 30_000 });
  observe?.(lab);
  const dir = join(workDir, `${s.name}-${lab.id}`);
  mkdirSync(dir, { recursive: true });
  mkdirSync(outDir, { recursive: true });
  const file = `${s.name}.pcap`;
  const tmpPcap = join(dir, file);
  try {
    lab.up();
    await startDns(lab, join(dir, 'dnsmasq.log'));
    const cap = await startCapture(lab, tmpPcap, join(dir, 'tcpdump.log'));
    const started = Date.now();
    const body = await s.run({ lab, dir, cacheDir });
    await sleep(200);
    const packets = await stopCapture(lab, cap);
    const recordedSeconds = Math.round((Date.now() - started) / 100) / 10;
    const dest = join(outDir, file);
    copyFileSync(tmpPcap, dest);
    return { file, scenario: s.name, description: s.description, ...body, packets, bytes: statSync(dest).size, recordedSeconds, mtu: s.mtu ?? 1500 };
  } finally {
    await lab.stop();
    if (!process.env.PW_LAB_KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

export { LAB_DIST, nodeBin };
