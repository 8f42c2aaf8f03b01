/**
 * The lab's scenarios: each starts real programs inside a fresh Lab, records
 * the watched host's wire with tcpdump, and returns what a correct poolwatch
 * must report for that capture (built from what the stand-in servers actually
 * saw, so the expectations are the ground truth of this very recording).
 */
import { join } from 'node:path';
import { copyFileSync, writeFileSync, statSync, mkdirSync, rmSync } from 'node:fs';
import { ADDR, Lab, sleep, type Proc } from './netns';
import { LAB_DIST, NAMES, SERVICE_TIMEOUT_MS, makeCert, poolEvents, startCapture, startDns, startPool, stopCapture } from './services';
import { XMRIG_PACKAGE, XMRIG_VERSION, ensureXmrig, xmrigConfig, type MinerPool } from './xmrig';
import { bitcoinAddress, moneroAddress } from './wallet';
import type { PoolConfig } from './pool';

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
      };
      if (o.tls) Object.assign(cfg, makeCert(dir, o.domain));
      const pool = await startPool(lab, cfg, join(dir, 'pool.log'));
      const user = o.user ?? WALLET;
      const mp: MinerPool = {
        url: `${o.daemon ? 'http://' : ''}${o.domain}:${o.port}`,
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
        f.login = o.daemon ? user : String(login?.login ?? '');
        if (!o.daemon) f.agent = String(login?.agent ?? '');
        if (o.rigId) f.worker = o.rigId;
        if (!o.daemon) f.algorithms = [cfg.algo];
        f.sharesSubmittedAtLeast = shares;
      }
      if (!o.tls && !o.daemon && !login) throw new Error(`${o.name}: the miner never logged in:\n${miner.output().slice(-1500)}`);
      if (shares === 0) throw new Error(`${o.name}: no share reached the pool:\n${miner.output().slice(-1500)}`);
      return {
        program: 'XMRig',
        version: XMRIG_VERSION,
        source: `npm ${XMRIG_PACKAGE} (server/src/miners/xmrig/xmrig), 1 CPU thread`,
        expect: { findings: [f] },
        observed: {
          sharesSubmitted: shares,
          keepalived: count(pool, 'keepalived'),
          jobsPushed: count(pool, 'job'),
          httpRequests: http.length ? [...new Set(http.map((h) => `${String(h.method)} ${String(h.url)}${h.body ? ` ${String(JSON.parse(String(h.body)).method ?? '')}` : ''}`))] : undefined,
          minerSeconds: Math.round((Date.now() - started) / 100) / 10,
          minerThreadsLine: threads ? threads[0] : undefined,
        },
      };
    },
  };
}

export const SCENARIOS: Scenario[] = [
  xmrigScenario({
    name: 'xmrig-plain-dns',
    description: 'XMRig logs in over plain CryptoNote stratum to pool.supportxmr.com:3333, found through a DNS lookup just before; jobs, submits and replies follow',
    domain: 'pool.supportxmr.com',
    port: 3333,
    rigId: 'lab-rig-01',
  }),
];

/** Records one scenario into `outDir/<name>.pcap` and returns its manifest entry. */
export async function record(s: Scenario, outDir: string, cacheDir: string, workDir: string): Promise<CaptureEntry> {
  const lab = new Lab({ mtu: s.mtu, deadlineMs: SERVICE_TIMEOUT_MS + 30_000 });
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
