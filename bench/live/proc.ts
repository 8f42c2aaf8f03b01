/**
 * CPU time of a running program, every process and thread of it, from /proc.
 * A thread group's /proc/PID/stat counts its exited threads too, so summing the
 * stat of every live process in the tree loses nothing that ran in a thread;
 * /proc/PID/task/TID/stat gives the split between the threads still running.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface Stat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Clock ticks (CLK_TCK a second). */
  utime: number;
  stime: number;
  threads: number;
}

/**
 * Parses one /proc stat line. The command name sits in parentheses and may
 * itself hold spaces and parentheses, so the fields are counted from the last ')'.
 */
export function parseStat(line: string): Stat {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  const rest = line.slice(close + 2).trim().split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15, num_threads field 20.
  const field = (n: number): number => Number(rest[n - 3]);
  const st = { pid: Number(line.slice(0, open).trim()), comm: line.slice(open + 1, close), state: rest[0], ppid: field(4), utime: field(14), stime: field(15), threads: field(20) };
  if (!Number.isInteger(st.pid) || !Number.isFinite(st.utime) || !Number.isFinite(st.stime)) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  return st;
}

let ticks: number | null = null;

export function clockTicks(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks;
}

function readStat(file: string): Stat | null {
  try {
    return parseStat(fs.readFileSync(file, 'utf8'));
  } catch {
    return null; // exited between listing and reading
  }
}

/** `root` and every process below it (pids), by the ppid links in /proc. */
export function processTree(root: number): Stat[] {
  const all = new Map<number, Stat>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(`/proc/${name}/stat`);
    if (st !== null) all.set(st.pid, st);
  }
  const out: Stat[] = [];
  const first = all.get(root);
  if (first === undefined) return out;
  const queue = [first];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    for (const q of all.values()) if (q.ppid === p.pid) queue.push(q);
  }
  return out;
}

export interface ThreadCpu {
  pid: number;
  tid: number;
  comm: string;
  seconds: number;
  /** Times it gave up the CPU waiting (voluntary_ctxt_switches): how often it slept and woke. */
  sleeps: number;
}

export interface TreeCpu {
  /** User + system seconds of every process in the tree (their exited threads included). */
  seconds: number;
  userS: number;
  systemS: number;
  processes: number;
  /** Voluntary context switches of the live threads (exited threads' are lost: a count, not an exact total). */
  sleeps: number;
  threads: ThreadCpu[];
}

/** voluntary_ctxt_switches from a /proc status file, 0 when it cannot be read. */
export function voluntarySwitches(statusFile: string): number {
  try {
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(fs.readFileSync(statusFile, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function treeCpu(root: number): TreeCpu {
  const hz = clockTicks();
  const procs = processTree(root);
  let user = 0;
  let system = 0;
  const threads: ThreadCpu[] = [];
  for (const p of procs) {
    user += p.utime;
    system += p.stime;
    let tids: string[] = [];
    try {
      tids = fs.readdirSync(`/proc/${p.pid}/task`);
    } catch {
      /* exited */
    }
    for (const tid of tids) {
      const t = readStat(`/proc/${p.pid}/task/${tid}/stat`);
      if (t !== null) threads.push({ pid: p.pid, tid: t.pid, comm: t.comm, seconds: (t.utime + t.stime) / hz, sleeps: voluntarySwitches(`/proc/${p.pid}/task/${tid}/status`) });
    }
  }
  return { seconds: (user + system) / hz, userS: user / hz, systemS: system / hz, processes: procs.length, sleeps: threads.reduce((a, t) => a + t.sleeps, 0), threads };
}

/** What each thread (by tid) used, and how often it slept, between two readings of one tree; threads born in between count from 0. */
export function threadDelta(before: TreeCpu, after: TreeCpu): ThreadCpu[] {
  const was = new Map(before.threads.map((t) => [t.tid, t]));
  return after.threads.map((t) => ({ ...t, seconds: t.seconds - (was.get(t.tid)?.seconds ?? 0), sleeps: t.sleeps - (was.get(t.tid)?.sleeps ?? 0) })).filter((t) => t.seconds > 0 || t.sleeps > 0);
}
