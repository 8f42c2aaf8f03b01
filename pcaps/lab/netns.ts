/**
 * A throw-away two-namespace network for recording real programs as a SPAN
 * port would see them: a "client" namespace (the watched host) and a
 * "server" namespace (DNS, the stand-in pool, benign servers) joined by one
 * veth pair. Nothing is routed out of the pair, so a program inside can reach
 * only what the lab itself runs.
 *
 * Every process started through a Lab is remembered by PID, killed by PID on
 * stop, and the namespaces (plus their /etc/netns resolver files) are deleted
 * on stop even when a scenario failed half way.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** Every namespace a lab creates starts with this, so tests can look for leftovers. */
export const NS_PREFIX = 'pw-lab-';

/** Fixed addresses inside every lab (namespaces are private, so runs never clash). */
export const ADDR = {
  client: '10.13.37.20',
  gateway: '10.13.37.1',
  dns: '10.53.0.53',
  web: '10.80.0.80',
  rpc: '10.83.0.33',
  ssh: '10.22.0.22',
  ntp: '10.123.0.123',
} as const;

/** Stand-in pool addresses: one per pool name, as different pools would have. */
export const POOL_ADDR = ['10.66.0.10', '10.66.0.11', '10.66.0.12', '10.66.0.13', '10.66.0.14', '10.66.0.15'] as const;

export interface LabOptions {
  /** MTU of both veth ends (default 1500). */
  mtu?: number;
  /** Hard limit for the whole lab; when it passes every process is killed. */
  deadlineMs?: number;
}

export interface Proc {
  pid: number;
  name: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  /** Output so far (stdout and stderr together, capped). */
  output(): string;
}

export interface SpawnOptions {
  /** Kill the process (SIGTERM, then SIGKILL) after this long. Required: nothing runs unbounded. */
  timeoutMs: number;
  /** Also write stdout+stderr to this file. */
  logFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** True when this process can make namespaces (root with iproute2). */
export function labAvailable(): { ok: boolean; why: string } {
  if (process.platform !== 'linux') return { ok: false, why: 'not Linux' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, why: 'not running as root' };
  try {
    sh('ip', ['netns', 'list']);
  } catch (e) {
    return { ok: false, why: `"ip netns" unusable: ${(e as Error).message.split('\n')[0]}` };
  }
  const probe = `${NS_PREFIX}probe-${randomBytes(3).toString('hex')}`;
  try {
    sh('ip', ['netns', 'add', probe]);
  } catch (e) {
    return { ok: false, why: `cannot create a network namespace: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    try {
      sh('ip', ['netns', 'del', probe]);
    } catch {
      /* it was never made */
    }
  }
  return { ok: true, why: '' };
}

/** Programs the lab runs, and the Debian package each comes from. */
export const LAB_TOOLS: Record<string, string> = {
  ip: 'iproute2',
  dnsmasq: 'dnsmasq-base',
  tcpdump: 'tcpdump',
  openssl: 'openssl',
  ethtool: 'ethtool',
  curl: 'curl',
  getent: 'libc-bin',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  sshd: 'openssh-server',
};

/** Which of the lab's programs are missing, as "program (Debian package)". */
export function missingTools(names: string[] = Object.keys(LAB_TOOLS)): string[] {
  const path = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return names.filter((n) => !path.some((d) => existsSync(join(d, n)))).map((n) => `${n} (${LAB_TOOLS[n]})`);
}

export function listLabNamespaces(): string[] {
  return sh('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(NS_PREFIX));
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Lab {
  readonly id: string;
  readonly clientNs: string;
  readonly serverNs: string;
  readonly procs: Proc[] = [];
  private readonly mtu: number;
  private deadline?: NodeJS.Timeout;
  private readonly deadlineMs: number;
  private stopped = false;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    void this.stop().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };

  constructor(opts: LabOptions = {}) {
    // PID plus random bytes: a live test and a manual run at the same time get different names.
    this.id = `${process.pid}-${randomBytes(2).toString('hex')}`;
    this.clientNs = `${NS_PREFIX}c-${this.id}`;
    this.serverNs = `${NS_PREFIX}s-${this.id}`;
    this.mtu = opts.mtu ?? 1500;
    this.deadlineMs = opts.deadlineMs ?? 120_000;
  }

  /** Creates the namespaces, the veth pair, addresses, routes and the client's resolver file. */
  up(): void {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    this.deadline = setTimeout(() => void this.stop(), this.deadlineMs);
    this.deadline.unref();
    try {
      for (const ns of [this.clientNs, this.serverNs]) {
        sh('ip', ['netns', 'add', ns]);
        // No IPv6: router solicitations and MLD reports would only add noise to small captures.
        this.exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
        this.exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
        this.exec(ns, ['ip', 'link', 'set', 'lo', 'up']);
      }
      // Made inside the client namespace with its peer in the server one: no name ever exists in the host namespace.
      sh('ip', ['-n', this.clientNs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.serverNs]);
      for (const ns of [this.clientNs, this.serverNs]) {
        sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'mtu', String(this.mtu)]);
        // Offloads off, so the capture shows segments as they would be on a wire, not 64 KiB super-frames.
        try {
          this.exec(ns, ['ethtool', '-K', 'eth0', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
        } catch {
          /* ethtool missing: veth still works, captures just show larger segments */
        }
      }
      sh('ip', ['-n', this.clientNs, 'addr', 'add', `${ADDR.client}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', this.serverNs, 'addr', 'add', `${ADDR.gateway}/24`, 'dev', 'eth0']);
      for (const a of [ADDR.dns, ADDR.web, ADDR.rpc, ADDR.ssh, ADDR.ntp, ...POOL_ADDR]) {
        sh('ip', ['-n', this.serverNs, 'addr', 'add', `${a}/32`, 'dev', 'eth0']);
      }
      for (const ns of [this.clientNs, this.serverNs]) sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      sh('ip', ['-n', this.clientNs, 'route', 'add', 'default', 'via', ADDR.gateway]);
      // `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf: the client's programs ask our DNS.
      mkdirSync(`/etc/netns/${this.clientNs}`, { recursive: true });
      writeFileSync(`/etc/netns/${this.clientNs}/resolv.conf`, `nameserver ${ADDR.dns}\noptions timeout:1 attempts:1\n`);
      writeFileSync(`/etc/netns/${this.clientNs}/hosts`, '127.0.0.1 localhost\n');
    } catch (e) {
      this.teardownNamespaces();
      throw e;
    }
  }

  /** Runs a short command in a namespace and returns its output (10 s limit). */
  exec(ns: string, argv: string[]): string {
    return sh('ip', ['netns', 'exec', ns, ...argv]);
  }

  /**
   * Starts a long-running program in a namespace. `ip netns exec` execs the
   * program in place, so the PID we record is the program's own.
   */
  spawn(ns: string, name: string, argv: string[], opts: SpawnOptions): Proc {
    if (this.stopped) throw new Error('lab already stopped');
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    let out = '';
    const fd = opts.logFile ? openSync(opts.logFile, 'w') : undefined;
    const take = (b: Buffer) => {
      if (out.length < 1_000_000) out += b.toString('utf8');
      if (fd !== undefined) writeFileSync(fd, b);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const timer = setTimeout(() => void killPid(child.pid!, child), opts.timeoutMs);
    const exited = new Promise<number | string>((resolve) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (fd !== undefined) closeSync(fd);
        resolve(code ?? signal ?? -1);
      });
      child.on('error', () => resolve('spawn-error'));
    });
    const p: Proc = { pid: child.pid, name, child, exited, output: () => out };
    this.procs.push(p);
    return p;
  }

  /** Waits until `pattern` shows in a process's output (or throws after `ms`). */
  async waitFor(p: Proc, pattern: RegExp, ms: number): Promise<void> {
    const end = Date.now() + ms;
    let done = false;
    void p.exited.then(() => (done = true));
    while (Date.now() < end) {
      if (pattern.test(p.output())) return;
      if (done) throw new Error(`${p.name} exited before ${pattern}: ${p.output().slice(-800)}`);
      await sleep(50);
    }
    throw new Error(`${p.name}: no ${pattern} within ${ms} ms: ${p.output().slice(-800)}`);
  }

  /** Ends one process by PID: `signal` first, SIGKILL if still there after 3 s. */
  async kill(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await killPid(p.pid, p.child, signal);
    await p.exited;
  }

  /** Kills everything still running (by PID) and deletes the namespaces. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.deadline) clearTimeout(this.deadline);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    await Promise.all(this.procs.map((p) => killPid(p.pid, p.child)));
    this.teardownNamespaces();
  }

  private teardownNamespaces(): void {
    for (const ns of [this.clientNs, this.serverNs]) {
      // Anything left inside (a child a program forked) dies with its namespace's PIDs killed first.
      try {
        const pids = sh('ip', ['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      } catch {
        /* namespace not there */
      }
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        /* not there */
      }
      const dir = `/etc/netns/${ns}`;
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function killPid(pid: number, child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const end = Date.now() + 3000;
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await sleep(25);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}

/** A fresh scratch folder for one run (certificates, configs, logs), removed by the caller. */
export function scratchDir(base: string, id: string): string {
  const dir = join(base, `run-${id}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
