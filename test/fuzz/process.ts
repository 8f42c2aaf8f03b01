/**
 * One fuzzing child process seen from the parent: a request at a time, each
 * with a watchdog (a hang is killed), an exit seen as a crash with the tail
 * of its stderr, and resident memory polled so a blow-up is stopped long
 * before it troubles the machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FromChild, Sabotage, ToChild } from './child';
import type { ScanResult } from './scan';

export type Answer =
  | { kind: 'result'; result: ScanResult; maxRssKb: number }
  | { kind: 'hang' }
  | { kind: 'exit'; code: number | null; signal: string | null; stderr: string }
  | { kind: 'rss'; rssMb: number };

const CHILD = path.join(__dirname, 'child.js');
/** V8's heap cap in the child: a runaway structure aborts there instead of growing into the machine's memory. */
const HEAP_MB = 384;
const STDERR_TAIL = 4096;

function residentMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

export class FuzzChild {
  private stderr = '';
  private settle: ((a: Answer) => void) | null = null;
  private exited = false;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
  ) {
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_TAIL);
    });
    proc.on('message', (m: FromChild) => {
      if (m.type === 'result' && this.settle !== null) this.settle({ kind: 'result', result: m.result, maxRssKb: m.maxRssKb });
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      fs.rmSync(this.dir, { recursive: true, force: true });
      // Let the last stderr bytes arrive before reporting what the child said on its way out.
      setTimeout(() => this.settle?.({ kind: 'exit', code, signal, stderr: this.stderr }), 50);
    });
  }

  /** A child that has loaded signatures and captures, ready for `run`. */
  static start(root: string, seed: number, sabotage?: { index: number; kind: Sabotage }, threadedEvery = 0): Promise<FuzzChild> {
    const proc = fork(CHILD, [], { execArgv: [`--max-old-space-size=${HEAP_MB}`, '--expose-gc'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, POOLWATCH_ROOT: root } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-fuzz-'));
    const child = new FuzzChild(proc, dir);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`fuzz child did not start within 30 s: ${child.stderr}`));
      }, 30_000);
      const onReady = (m: FromChild): void => {
        if (m.type !== 'ready') return;
        clearTimeout(timer);
        proc.off('message', onReady);
        resolve(child);
      };
      proc.on('message', onReady);
      proc.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`fuzz child exited while starting: ${child.stderr}`));
      });
      proc.send({ type: 'init', root, dir, seed, threadedEvery, sabotage } satisfies ToChild);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Sends one request and waits for its answer, its watchdog or the child's death. */
  request(msg: ToChild, timeoutMs: number, killRssMb: number): Promise<Answer> {
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        const mb = residentMb(this.proc.pid as number);
        if (mb > killRssMb) done({ kind: 'rss', rssMb: mb });
      }, 100);
      const timer = setTimeout(() => done({ kind: 'hang' }), timeoutMs);
      const done = (a: Answer): void => {
        if (this.settle === null) return;
        this.settle = null;
        clearTimeout(timer);
        clearInterval(poll);
        if (a.kind === 'hang' || a.kind === 'rss') this.kill();
        resolve(a);
      };
      this.settle = done;
      if (this.exited) done({ kind: 'exit', code: null, signal: null, stderr: this.stderr });
      else this.proc.send(msg);
    });
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}
