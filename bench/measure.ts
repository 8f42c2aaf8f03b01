/**
 * Runs one command and reports what it cost: CPU seconds (user + system),
 * wall seconds and peak resident memory, from the kernel's rusage of the
 * child (python3's os.wait4 gives microseconds; GNU time is the fallback).
 * The runner's own work never shows up in these figures.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Usage {
  status: number;
  wallS: number;
  userS: number;
  sysS: number;
  cpuS: number;
  maxRssKB: number;
  stderr: string;
}

const WAIT4 = `
import os, sys, time, json
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
print(json.dumps({"status": code, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime, "maxrss": ru.ru_maxrss}))
`;

export function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

let method: 'python' | 'time' | null | undefined;

function pick(): 'python' | 'time' | null {
  if (method !== undefined) return method;
  if (which('python3') !== null && spawnSync('python3', ['-c', 'import os; os.wait4'], { stdio: 'ignore' }).status === 0) method = 'python';
  else if (fs.existsSync('/usr/bin/time')) method = 'time';
  else method = null;
  return method;
}

/** How usage is taken, for the report. */
export function measureMethod(): string {
  const m = pick();
  return m === 'python' ? 'python3 os.wait4 rusage of the child' : m === 'time' ? 'GNU time (/usr/bin/time -f)' : 'none';
}

/** Runs argv with stdout to `stdoutFile`, stderr captured; throws only when usage cannot be taken at all. */
export function measure(argv: string[], stdoutFile: string, timeoutMs = 20 * 60 * 1000): Usage {
  const m = pick();
  if (m === null) throw new Error('bench: need python3 or /usr/bin/time (package "time") to read child rusage');
  if (m === 'python') {
    const r = spawnSync('python3', ['-c', WAIT4, stdoutFile, ...argv], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    let j: { status: number; wall: number; user: number; sys: number; maxrss: number };
    try {
      j = JSON.parse(line) as typeof j;
    } catch {
      throw new Error(`bench: could not measure ${argv.join(' ')}: ${r.error?.message ?? ''} ${(r.stderr ?? '').slice(-500)}`);
    }
    return { status: j.status, wallS: j.wall, userS: j.user, sysS: j.sys, cpuS: j.user + j.sys, maxRssKB: j.maxrss, stderr: r.stderr ?? '' };
  }
  const tmp = path.join(os.tmpdir(), `pw-bench-time-${process.pid}.txt`);
  const fd = fs.openSync(stdoutFile, 'w');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', tmp, ...argv], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: timeoutMs });
  fs.closeSync(fd);
  const [wall, user, sys, rss] = fs.readFileSync(tmp, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  fs.rmSync(tmp, { force: true });
  return { status: r.status ?? 128, wallS: wall, userS: user, sysS: sys, cpuS: user + sys, maxRssKB: rss, stderr: r.stderr ?? '' };
}
