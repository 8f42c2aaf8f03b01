/**
 * The programs the live benchmark runs inside its namespace: the capturing
 * ones (poolwatch live with one or two workers, tcpdump writing a file,
 * ndpiReader), each started, read for CPU while it runs and stopped by PID
 * with its own closing counts; and the senders (tcpreplay, trafgen). Every
 * process has a hard time limit and is killed by PID past it.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_CLI, CLI_SHIM } from '../common';
import type { Netns } from './netns';
import { comparableFindings, parseLiveSummary, parseNdpiEnd, parseTcpdumpEnd, parseTcpreplay, parseTrafgen, type LiveWorker, type Sent } from './parse';
import { treeCpu, type TreeCpu } from './proc';

export const CAPTURERS = ['live', 'live-w2', 'live-cap', 'tcpdump', 'ndpiReader'] as const;
export type CapturerName = (typeof CAPTURERS)[number];

export interface CaptureEnd {
  seen: number;
  dropped: number | null;
  workers: LiveWorker[];
  /** Comparable findings (live only). */
  findings: string[] | null;
}

export interface Capturer {
  name: CapturerName;
  pid: number;
  cpu(): TreeCpu;
  stop(): Promise<CaptureEnd>;
}

export interface CaptureOptions {
  tmp: string;
  /** Kernel ring, MiB: poolwatch's --buffer-size, tcpdump's -B (in KiB). */
  bufferMiB: number;
  /** Longest the program may run before it is killed. */
  maxMs: number;
}

interface Running {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function run(ns: Netns, argv: string[], maxMs: number, env?: NodeJS.ProcessEnv): Running {
  const child = ns.spawn(argv, env);
  if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (out += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const limit = setTimeout(() => child.kill('SIGKILL'), maxMs);
  void exited.then(() => clearTimeout(limit));
  return { child, out: () => out, err: () => err, exited };
}

async function waitFor(r: Running, re: RegExp, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  let done = false;
  void r.exited.then(() => (done = true));
  while (Date.now() < end) {
    if (re.test(r.err()) || re.test(r.out())) return;
    if (done) throw new Error(`${what} exited before it was ready: ${r.err().slice(-1500)}`);
    await sleep(25);
  }
  r.child.kill('SIGKILL');
  throw new Error(`${what} not ready within ${ms} ms: ${r.err().slice(-1500)}`);
}

/** Sends `signal`, SIGKILL after `graceMs`; resolves with the exit code. */
async function stopBy(r: Running, signal: NodeJS.Signals, graceMs: number): Promise<number | null> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
  const t = setTimeout(() => r.child.kill('SIGKILL'), graceMs);
  const code = await r.exited;
  clearTimeout(t);
  return code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startCapturer(ns: Netns, name: CapturerName, o: CaptureOptions): Promise<Capturer> {
  if (name === 'live' || name === 'live-w2' || name === 'live-cap') {
    const stream = path.join(o.tmp, `${name}.jsonl`);
    fs.rmSync(stream, { force: true });
    const args = ['live', '-i', 'va', '-o', stream, '--buffer-size', String(o.bufferMiB), '--stats-interval', '0', '--update-interval', '0', '--log-level', 'info'];
    if (name === 'live-w2') args.push('--workers', '2');
    // live-cap: the libpcap engine (the cap binding in a capture process) that AF_PACKET replaced, for comparison.
    const engine = name === 'live-cap' ? 'cap' : 'afpacket';
    const r = run(ns, [process.execPath, '-e', CLI_SHIM, BUILD_CLI, ...args], o.maxMs, { ...process.env, POOLWATCH_LIVE_ENGINE: engine });
    await waitFor(r, /"msg":"capturing"/, 30_000, `poolwatch ${args.join(' ')}`);
    if (!r.err().includes(`"engine":"${engine}"`)) throw new Error(`poolwatch live is not on the ${engine} engine: ${r.err().slice(-600)}`);
    return {
      name,
      pid: r.child.pid!,
      cpu: () => treeCpu(r.child.pid!),
      async stop() {
        const code = await stopBy(r, 'SIGTERM', 30_000);
        const text = fs.existsSync(stream) ? fs.readFileSync(stream, 'utf8') : '';
        fs.rmSync(stream, { force: true });
        if (code !== 0) throw new Error(`poolwatch live exited ${code}: ${r.err().slice(-1500)}`);
        const s = parseLiveSummary(text);
        // The cap engine's kernel figure is an estimate from interface counters; its queue drops are exact.
        return { seen: s.seen, dropped: s.dropped === null ? null : s.dropped + s.queueDropped, workers: s.workers, findings: comparableFindings(text, true) };
      },
    };
  }
  if (name === 'tcpdump') {
    const file = path.join(o.tmp, 'tcpdump.pcap');
    const r = run(ns, ['tcpdump', '-i', 'va', '-n', '-B', String(o.bufferMiB * 1024), '-w', file], o.maxMs);
    await waitFor(r, /listening on/, 15_000, 'tcpdump');
    return {
      name,
      pid: r.child.pid!,
      cpu: () => treeCpu(r.child.pid!),
      async stop() {
        await stopBy(r, 'SIGINT', 15_000);
        fs.rmSync(file, { force: true });
        const e = parseTcpdumpEnd(r.err());
        return { seen: e.seen, dropped: e.dropped, workers: [], findings: null };
      },
    };
  }
  // Line-buffered: ndpiReader says it is running on stdout, which a pipe would hold back.
  const r = run(ns, ['stdbuf', '-oL', 'ndpiReader', '-i', 'va'], o.maxMs);
  await waitFor(r, /Running thread 0/, 15_000, 'ndpiReader');
  return {
    name,
    pid: r.child.pid!,
    cpu: () => treeCpu(r.child.pid!),
    async stop() {
      await stopBy(r, 'SIGINT', 15_000);
      const e = parseNdpiEnd(r.out());
      return { seen: e.seen, dropped: e.dropped, workers: [], findings: null };
    },
  };
}

export interface ReplayOptions {
  /** Packets a second, or 'top' for --topspeed. */
  rate: number | 'top';
  limit?: number;
  loop?: number;
  maxMs: number;
}

/** tcpreplay into `vb`, the whole file held in memory first (--preload-pcap) so disk reads cannot pace it. */
export async function tcpreplay(ns: Netns, file: string, o: ReplayOptions): Promise<Sent> {
  // --timer nano: tcpreplay sleeps between packets instead of spinning on the clock, which on two
  // cores would take CPU from the program measured.
  const pace = o.rate === 'top' ? ['--topspeed'] : ['--timer', 'nano', '--pps', String(o.rate)];
  const argv = ['tcpreplay', '-i', 'vb', '--preload-pcap', ...pace, ...(o.limit ? ['--limit', String(o.limit)] : []), ...(o.loop ? ['--loop', String(o.loop)] : []), file];
  const r = run(ns, argv, o.maxMs);
  const code = await r.exited;
  if (code !== 0) throw new Error(`tcpreplay exit ${code}: ${(r.out() + r.err()).slice(-1000)}`);
  return parseTcpreplay(r.out() + r.err());
}

/** trafgen into `vb` from a packet configuration, `count` packets over its list, from `procs` processes (-P). */
export async function trafgen(ns: Netns, cfg: string, count: number, maxMs: number, procs = 1): Promise<Sent> {
  const r = run(ns, ['trafgen', '-o', 'vb', '-i', cfg, '-n', String(count), '-P', String(procs), '-C', '-Q', '--no-sock-mem'], maxMs);
  // Timed from its "Running!" line: reading a configuration of many frames takes it seconds first.
  let t0 = process.hrtime.bigint();
  const onData = (): void => {
    if (/Running!/.test(r.out() + r.err())) {
      t0 = process.hrtime.bigint();
      r.child.stdout!.off('data', onData);
      r.child.stderr!.off('data', onData);
    }
  };
  r.child.stdout!.on('data', onData);
  r.child.stderr!.on('data', onData);
  const code = await r.exited;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`trafgen exit ${code}: ${(r.out() + r.err()).slice(-1000)}`);
  return parseTrafgen(r.out() + r.err(), seconds);
}

/**
 * A trafgen packet configuration holding the first `limit` frames of a classic
 * pcap byte for byte (trafgen cannot read a pcap; netsniff-ng's conversion
 * writes the same thing with comments around every byte group).
 */
export function trafgenConfig(pcap: string, dst: string, limit: number): number {
  const buf = fs.readFileSync(pcap);
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4 || buf.readUInt32LE(0) === 0xa1b23c4d;
  const lines: string[] = [];
  let off = 24;
  while (lines.length < limit && off + 16 <= buf.length) {
    const incl = le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + incl);
    const bytes: string[] = new Array<string>(frame.length);
    for (let i = 0; i < frame.length; i++) bytes[i] = '0x' + frame[i].toString(16).padStart(2, '0');
    lines.push(`{ ${bytes.join(', ')} }`);
    off += 16 + incl;
  }
  fs.writeFileSync(dst, lines.join('\n') + '\n');
  return lines.length;
}
