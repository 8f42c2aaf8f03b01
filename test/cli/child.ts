/**
 * Helpers for the CLI tests that need more than spawnSync: a child that runs while the test
 * feeds a FIFO or sends it a signal, run as another user or on a terminal, and the hostile
 * inputs (names, slow writers) those tests use.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, chmodSync, createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SHIM = join(__dirname, '..', 'support', 'cli-shim.js');

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Finished>;
}

export interface StartOptions {
  stdio?: StdioOptions;
  /** Run as this uid and gid (setpriv), for checks that root's permissions would hide. */
  uid?: number;
  /** Killed (SIGKILL, by its PID) after this long: a hang fails the test instead of stalling it. */
  timeoutMs?: number;
}

/** Starts `poolwatch ARGS` as a child process; `done` settles when it exits. */
export function startCli(args: string[], opts: StartOptions = {}): Running {
  const argv = [SHIM, ...args];
  const child =
    opts.uid === undefined
      ? spawn(process.execPath, argv, { stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'] })
      : spawn('setpriv', [`--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', process.execPath, ...argv], { stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const done = new Promise<Finished>((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** A fresh folder every user can enter (mkdtemp makes it 0700). */
export function sharedTempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o755);
  return d;
}

export function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr.toString()}`);
}

/** Opens a FIFO for writing (waits for its reader in the thread pool, not in this thread). */
export function fifoWriter(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const w = createWriteStream(path);
    w.once('open', () => resolve(w));
    w.once('error', reject);
    // After the reader has gone (the scan ended), a write fails with EPIPE: the caller's write() says so.
    w.on('error', () => undefined);
  });
}

export function write(w: WriteStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => w.write(data, (e) => (e ? reject(e) : resolve())));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * File names and values an attacker would choose to attack the terminal that shows them:
 * a screen clear, an OSC 52 clipboard write, a window title, a bell, a CR/LF line forgery,
 * a C1 CSI, a bidi override, a line separator.
 */
export function hostileText(tag: string): string {
  return `${tag}\x1b[2J\x1b]52;c;cHduZWQ=\x07\x1b]0;owned\x07\r\nHIGH forged\x9b31m\u202eevil\u2028`;
}

/** True when `text` holds any character a terminal would act on or that hides text. */
export function hasControls(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]/.test(text);
}
