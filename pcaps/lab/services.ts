/**
 * The servers and the capture every lab scenario needs: dnsmasq answering the
 * lab's names, the stand-in pool, tcpdump on the watched host's interface,
 * and throw-away TLS certificates.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ADDR, POOL_ADDR, type Lab, type Proc } from './netns';
import type { PoolConfig } from './pool';

/** Names the lab's DNS answers, and the address each stands for. Anything else is refused. */
export const NAMES: Record<string, string> = {
  'pool.supportxmr.com': POOL_ADDR[0],
  'xmr-eu1.nanopool.org': POOL_ADDR[1],
  'gulf.moneroocean.stream': POOL_ADDR[2],
  'randomxmonero.auto.nicehash.com': POOL_ADDR[3],
  'node.moneroworld.com': POOL_ADDR[4],
  'stratum.braiins.com': POOL_ADDR[5],
  'www.wikipedia.org': ADDR.web,
  'deb.debian.org': ADDR.web,
  'www.debian.org': ADDR.web,
  'github.com': ADDR.web,
  'pool.ntp.org': ADDR.ntp,
  '0.debian.pool.ntp.org': ADDR.ntp,
  'bitcoin-node.lan': ADDR.rpc,
  'eth-node.lan': ADDR.rpc,
  'build.lan': ADDR.ssh,
};

/** Where compiled lab programs (pool.js, client.js, ...) live. */
export const LAB_DIST = __dirname;

/** Every process of a lab gets at most this long. */
export const SERVICE_TIMEOUT_MS = 90_000;

export async function startDns(lab: Lab, logFile: string): Promise<Proc> {
  const records = Object.entries(NAMES).map(([name, ip]) => `--host-record=${name},${ip}`);
  const p = lab.spawn(
    lab.serverNs,
    'dnsmasq',
    [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--bind-interfaces',
      `--listen-address=${ADDR.dns}`,
      '--except-interface=lo',
      '--pid-file=',
      '--user=root',
      '--group=root',
      '--local-ttl=300',
      '--log-queries',
      '--log-facility=-',
      ...records,
    ],
    { timeoutMs: SERVICE_TIMEOUT_MS, logFile },
  );
  await lab.waitFor(p, /started, version/, 5000);
  return p;
}

export async function startPool(lab: Lab, cfg: PoolConfig, logFile: string): Promise<Proc> {
  const p = lab.spawn(lab.serverNs, 'pool', [process.execPath, join(LAB_DIST, 'pool.js'), JSON.stringify(cfg)], {
    timeoutMs: SERVICE_TIMEOUT_MS,
    logFile,
  });
  await lab.waitFor(p, /"event":"listening"/, 10_000);
  return p;
}

/**
 * tcpdump on the watched host's interface: full snap length, classic pcap, packets written as they come.
 * --immediate-mode matters: without it packets wait in the kernel ring until a block fills or times out,
 * and a capture stopped early loses them ("14 packets received by filter, 0 captured").
 */
export async function startCapture(lab: Lab, file: string, logFile: string): Promise<Proc> {
  const p = lab.spawn(lab.clientNs, 'tcpdump', ['tcpdump', '-i', 'eth0', '-s', '0', '-U', '--immediate-mode', '-n', '-Z', 'root', '-w', file], {
    timeoutMs: SERVICE_TIMEOUT_MS,
    logFile,
  });
  await lab.waitFor(p, /listening on/, 5000);
  return p;
}

/** Stops tcpdump with SIGINT so it flushes and closes the file, and returns its "N packets captured" count. */
export async function stopCapture(lab: Lab, p: Proc): Promise<number> {
  await lab.kill(p, 'SIGINT');
  const m = /(\d+) packets? captured/.exec(p.output());
  const seen = /(\d+) packets? received by filter/.exec(p.output());
  if (!m) throw new Error(`tcpdump gave no packet count: ${p.output().slice(-500)}`);
  if (seen && Number(seen[1]) > Number(m[1])) throw new Error(`tcpdump lost packets: ${p.output().slice(-500)}`);
  return Number(m[1]);
}

/** A self-signed certificate made now (never committed). EC keys: quick to make, small on the wire. */
export function makeCert(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`, '-keyout', key, '-out', cert],
    { stdio: 'ignore', timeout: 20_000 },
  );
  return { cert, key };
}

/** The JSON-lines events a pool wrote to its output. */
export function poolEvents(p: Proc): Record<string, unknown>[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
