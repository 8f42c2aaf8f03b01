/**
 * What the real-server helpers share: free loopback ports, programs .ci/run
 * installs (missing ones fail under CI and skip loudly elsewhere), a child
 * process started in its own temp folder, bounded in time and ended by its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP port free on 127.0.0.1 now (the kernel's choice). */
export async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A UDP port free on 127.0.0.1 now. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The path of a program, or null. */
export function which(program: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const d of dirs) if (d && existsSync(join(d, program))) return join(d, program);
  return null;
}

/**
 * Why a real-server test cannot run here, or null when it can. Under CI (CI=true)
 * a missing server is a set-up error: the test must fail, not skip, unless
 * `optionalEnv` names a variable that .ci/run set because it could not fetch
 * the server (then the skip is loud in the CI log).
 */
export function unavailable(what: string, reason: string | null, optionalEnv?: string): string | null {
  if (reason === null) return null;
  const text = `${what} not available: ${reason}`;
  const optional = optionalEnv !== undefined && process.env[optionalEnv] === '1';
  if (process.env.CI === 'true' && !optional) throw new Error(`${text} (.ci/run installs it; under CI this is a failure, not a skip)`);
  process.stderr.write(`\n*** SKIPPED: ${text}${optional ? ` (${optionalEnv}=1: .ci/run could not fetch it)` : ''} ***\n\n`);
  return text;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or throws after `ms` naming `what`. */
export async function waitFor<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A server process the test started: its output kept for failure messages, ended by PID. */
export class ServerProcess {
  readonly child: ChildProcess;
  output = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly done: Promise<void>;

  constructor(
    readonly name: string,
    argv: string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString('utf8')).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.done = new Promise<void>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
      this.child.once('error', (e) => {
        this.output += `\nspawn failed: ${e.message}`;
        this.exited = { code: null, signal: null };
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Throws with the process's output when it has exited. */
  assertRunning(): void {
    if (this.exited !== null) throw new Error(`${this.name} exited (${JSON.stringify(this.exited)}):\n${this.output.slice(-4000)}`);
  }

  /** SIGTERM by PID, SIGKILL after `graceMs`; resolves when it has exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited !== null || this.child.pid === undefined) return;
    process.kill(this.child.pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (this.exited === null && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
    }, graceMs);
    await this.done;
    clearTimeout(t);
  }
}

/** A temp folder for one server, removed by `rm`. */
export function tempDir(prefix: string): { path: string; rm: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, rm: () => rmSync(path, { recursive: true, force: true }) };
}
