/**
 * `live --alert-cmd`: a shell command run for each new finding with its line on stdin, a few at
 * a time and with a time limit, so a slow or hanging command never holds up capture.
 */
import { spawn } from 'node:child_process';
import type { StreamRecord } from '../report/stream';
import type { Log } from './log';

const ALERT_PARALLEL = 4;
const ALERT_QUEUE = 256;
const ALERT_TIMEOUT_MS = 30_000;

/** Runs --alert-cmd for each new finding (JSON line on stdin), a few at a time, never holding up capture. */
export class Alerts {
  private running = 0;
  private readonly queue: { record: StreamRecord; line: string }[] = [];
  private idle: (() => void) | null = null;
  dropped = 0;

  constructor(
    private readonly cmd: string,
    private readonly log: Log,
  ) {}

  add(record: StreamRecord, line: string): void {
    if (this.queue.length >= ALERT_QUEUE) {
      this.dropped++;
      this.log.warn({ host: record.host, pool: record.pool }, 'alert command is falling behind: alert not run');
      return;
    }
    this.queue.push({ record, line });
    this.next();
  }

  /** Waits for running alerts, at most `ms`. */
  async drain(ms: number): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      setTimeout(resolve, ms).unref();
    });
  }

  private next(): void {
    while (this.running < ALERT_PARALLEL && this.queue.length > 0) {
      const { record, line } = this.queue.shift()!;
      this.running++;
      const child = spawn('/bin/sh', ['-c', this.cmd], {
        stdio: ['pipe', 'ignore', 'pipe'],
        env: { ...process.env, POOLWATCH_EVENT: record.event, POOLWATCH_HOST: record.host, POOLWATCH_POOL: record.pool ?? '', POOLWATCH_DOMAIN: record.domain ?? '' },
      });
      let err = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (t: string) => (err = (err + t).slice(-500)));
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(line);
      const timer = setTimeout(() => {
        if (child.pid !== undefined) child.kill('SIGKILL');
      }, ALERT_TIMEOUT_MS);
      const done = (code: number | null, signal: string | null): void => {
        clearTimeout(timer);
        if (code !== 0) this.log.warn({ code, signal, stderr: err.trim() }, 'alert command failed');
        this.running--;
        this.next();
        if (this.running === 0 && this.queue.length === 0 && this.idle) this.idle();
      };
      child.on('error', (e) => {
        this.log.warn({ err: e.message }, 'alert command could not start');
      });
      child.on('close', done);
    }
  }
}
