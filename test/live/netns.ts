/**
 * What the live tests need beyond the lab: one throw-away namespace holding a
 * veth pair with no addresses (so the kernel never answers replayed packets and
 * the capture holds exactly what was replayed), `poolwatch live` started inside
 * a namespace as a user runs it, and tcpreplay. Names carry the PID and random
 * bytes; everything is removed by PID and name in the tests' finally blocks.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from '../../pcaps/lab/netns';

export { labAvailable };

export const LIVE_NS_PREFIX = 'pw-live-';

const SHIM = join(__dirname, '..', 'support', 'cli-shim.js');

/** Programs the tests run that .ci/run installs; missing ones are a set-up error, not a reason to skip. */
export function missing(tools: string[]): string[] {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin']);
  return tools.filter((t) => !dirs.some((d) => existsSync(join(d, t))));
}

function sh(argv: string[], timeout = 10_000): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A namespace with veth pair `va` <-> `vb`, both up, no addresses, no IPv6: nothing speaks on it but what a test sends. */
export class VethNs {
  readonly name = `${LIVE_NS_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`;

  up(mtu = 1500): this {
    sh(['ip', 'netns', 'add', this.name]);
    try {
      this.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
      this.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
      sh(['ip', '-n', this.name, 'link', 'add', 'va', 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'vb', 'mtu', String(mtu)]);
      sh(['ip', '-n', this.name, 'link', 'set', 'va', 'up']);
      sh(['ip', '-n', this.name, 'link', 'set', 'vb', 'up']);
    } catch (e) {
      this.del();
      throw e;
    }
    return this;
  }

  exec(argv: string[], timeout = 10_000): string {
    return sh(['ip', 'netns', 'exec', this.name, ...argv], timeout);
  }

  /** Kills whatever is still inside (by PID) and deletes the namespace; safe to call twice. */
  del(): void {
    try {
      for (const pid of sh(['ip', 'netns', 'pids', this.name]).split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    } catch {
      /* no such namespace */
    }
    try {
      sh(['ip', 'netns', 'del', this.name]);
    } catch {
      /* already gone */
    }
  }
}

export interface LiveRun {
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until `re` shows in stderr (pino lines) or throws. */
  waitFor(re: RegExp, ms: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves with how it exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `poolwatch <args>` inside namespace `ns` (`ip netns exec` execs in place, so
 * the PID is poolwatch's own). `prefix` goes between `ip netns exec NS` and
 * node, e.g. setpriv to drop root.
 */
export function startCli(ns: string, args: string[], opts: { prefix?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): LiveRun {
  const child = spawn('ip', ['netns', 'exec', ns, ...(opts.prefix ?? []), process.execPath, SHIM, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  if (child.pid === undefined) throw new Error('could not start poolwatch');
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (t: string) => (out += t));
  child.stderr!.on('data', (t: string) => (err += t));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  // Nothing runs unbounded, whatever a test does.
  const limit = setTimeout(() => {
    if (!done) child.kill('SIGKILL');
  }, opts.timeoutMs ?? 60_000);
  limit.unref();
  void exited.then(() => clearTimeout(limit));
  const run: LiveRun = {
    pid: child.pid,
    child,
    stdout: () => out,
    stderr: () => err,
    async waitFor(re, ms) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (re.test(err)) return;
        if (done) throw new Error(`poolwatch exited before ${re}:\n${err.slice(-2000)}`);
        await sleep(25);
      }
      throw new Error(`no ${re} within ${ms} ms:\n${err.slice(-2000)}`);
    },
    exited,
    async stop(signal = 'SIGTERM', graceMs = 8000) {
      if (!done) {
        try {
          process.kill(child.pid!, signal);
        } catch {
          /* gone */
        }
        const t = setTimeout(() => {
          if (!done) child.kill('SIGKILL');
        }, graceMs);
        const r = await exited;
        clearTimeout(t);
        return r;
      }
      return exited;
    },
  };
  return run;
}

/** tcpreplay into an interface of the namespace; returns how many packets it says it sent. */
export function replay(ns: VethNs, iface: string, file: string, rate: string[] = []): number {
  const out = ns.exec(['tcpreplay', '-q', '-i', iface, ...rate, file], 120_000);
  const m = /Successful packets:\s+(\d+)/.exec(out) ?? /Actual: (\d+) packets/.exec(out);
  if (m === null) throw new Error(`tcpreplay said: ${out}`);
  return Number(m[1]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** pino's JSON lines from stderr (other lines skipped). */
export function logLines(stderr: string): Array<{ [k: string]: unknown }> {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { [k: string]: unknown });
}

/** The JSON lines of a live stream: findings (with their event) and the summary, if written. */
export function streamLines(text: string): { records: Array<{ [k: string]: unknown }>; summary: { [k: string]: unknown } | null } {
  const lines = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { [k: string]: unknown });
  const last = lines[lines.length - 1];
  if (last !== undefined && last.type === 'summary') return { records: lines.slice(0, -1), summary: last };
  return { records: lines, summary: null };
}
