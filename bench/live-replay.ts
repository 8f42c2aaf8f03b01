/**
 * The live path against its peers, side by side in one run (issue 14):
 *
 *   sudo node dist/bench/live-replay.js [--rates 20000,50000,100000] [--rounds 3] [--limit 300000]
 *        [--warmup N (default: limit)] [--loop 5] [--buffer-size MIB] [--scan-passes 6] [--no-trafgen] [--no-topspeed]
 *        [--tools live,live-w2,live-cap,tcpdump,ndpiReader,scan]
 *   node dist/bench/live-replay.js --table bench/out/live-replay.json     (the tables of a saved run)
 *
 * The first `limit` packets of the mixed benchmark capture (bench/make-captures.ts) are cut into a
 * file of their own, and everything below sees exactly those packets, replayed by tcpreplay into a
 * veth pair inside a network namespace made for the run (nothing leaves it).
 *
 * 1. Steady CPU per packet. Each capturing program (poolwatch live, live --workers 2, live on the old
 *    libpcap engine, tcpdump -w to a file, ndpiReader) is started once a round, takes a warm-up replay (start-up and JIT are not
 *    counted), then one replay of the packets at each fixed rate, its CPU (user + system of every
 *    process and thread, /proc) read before and after each. `scan` of the same file is measured
 *    as floor.ts does: several passes in one process, the passes after the first. The order of
 *    the programs and of the rates turns each round; medians over the rounds.
 * 2. Highest drop-free rate: a fresh poolwatch live (1 and 2 workers) and tcpdump take the packets
 *    at tcpreplay --topspeed --loop N; drops are the kernel's (live's summary, tcpdump's "dropped by
 *    kernel"); live's findings must equal a scan of the same N copies, and 2 workers one worker's.
 * 3. trafgen (netsniff-ng), if installed, as a second sender at its top speed, from one process and
 *    from two, against live and tcpdump.
 *
 * Results: bench/out/live-replay.json and the table on stdout.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUILD_CLI, CLI_SHIM, dataDir, optionValue, outDir } from './common';
import { cutPcap, repeatPcap } from './live/cut';
import { Netns } from './live/netns';
import { comparableFindings, findingsDiff, median, spread, type LiveWorker, type Sent } from './live/parse';
import { threadDelta, type ThreadCpu } from './live/proc';
import { CAPTURERS, sleep, startCapturer, tcpreplay, trafgen, trafgenConfig, type CaptureEnd, type CapturerName } from './live/tools';
import type { Pass } from './floor';

type Tool = CapturerName | 'scan';

interface RateSample {
  tool: Tool;
  round: number;
  rate: number;
  sent: Sent | null;
  cpuS: number;
  usPerPacket: number;
  /** Voluntary context switches a second over the replay: the program's wake-ups. */
  sleepsPerS: number;
  threads: ThreadCpu[];
}

interface ProcessEnd {
  tool: CapturerName;
  round: number;
  end: CaptureEnd;
  /** Packets sent to it in all (warm-up and every rate). */
  sent: number;
}

interface TopRun {
  tool: CapturerName;
  sender: 'tcpreplay' | 'trafgen' | 'trafgen -P 2';
  round: number;
  sent: Sent;
  seen: number;
  dropped: number | null;
  workers: LiveWorker[];
  cpuS: number;
  findingsEqualScan: boolean | null;
  findingsEqualOneWorker: boolean | null;
  lossFree: boolean;
}

const rotate = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]);

function scanPasses(file: string, passes: number): Pass[] {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'floor.js'), '--passes-of', file, String(passes)], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`scan passes failed: ${r.stderr.slice(-1000)}`);
  return JSON.parse(r.stdout) as Pass[];
}

function scanFindings(file: string, tmp: string): string[] {
  const out = path.join(tmp, 'scan.jsonl');
  const r = spawnSync(process.execPath, ['-e', CLI_SHIM, BUILD_CLI, 'scan', file, '--format', 'jsonl', '-o', out], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`scan failed: ${r.stderr.slice(-1000)}`);
  const f = comparableFindings(fs.readFileSync(out, 'utf8'), false);
  fs.rmSync(out, { force: true });
  return f;
}

const log = (s: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces, packet sockets)');
  const args = process.argv.slice(2);
  const rates = (optionValue(args, '--rates') ?? '20000,50000,100000').split(',').map(Number);
  const rounds = Number(optionValue(args, '--rounds') ?? 3);
  const limit = Number(optionValue(args, '--limit') ?? 300_000);
  // The whole file once: 50,000 packets left part of the JIT's work in the first measured replay.
  const warmup = Number(optionValue(args, '--warmup') ?? limit);
  const loop = Number(optionValue(args, '--loop') ?? 5);
  const bufferMiB = Number(optionValue(args, '--buffer-size') ?? 256);
  const scanPassCount = Math.max(3, Number(optionValue(args, '--scan-passes') ?? 6));
  const tools = ((optionValue(args, '--tools') ?? [...CAPTURERS, 'scan'].join(',')).split(',') as Tool[]).filter((t) => t === 'scan' || (CAPTURERS as readonly string[]).includes(t));
  const source = path.resolve(optionValue(args, '--capture') ?? path.join(dataDir(), 'mixed.pcap'));
  if (!fs.existsSync(source)) throw new Error(`no capture at ${source}: make it with node dist/bench/make-captures.js --only mixed, or pass --capture`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-livebench-'));
  const ns = new Netns();
  const cleanup = (): void => {
    ns.del();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = new Date();
  const load0 = os.loadavg();
  const file = path.join(tmp, `packets-${limit}.pcap`);
  const packets = cutPcap(source, file, limit);
  const packetBytes = fs.statSync(file).size - 24 - 16 * packets;
  log(`${packets} packets of ${path.basename(source)}, ${(packetBytes / packets).toFixed(0)} bytes a frame on average`);

  const samples: RateSample[] = [];
  const ends: ProcessEnd[] = [];
  const tops: TopRun[] = [];
  const maxMs = 600_000;
  try {
    ns.up();
    for (let round = 0; round < rounds; round++) {
      for (const tool of rotate(tools, round)) {
        if (tool === 'scan') {
          const ps = scanPasses(file, scanPassCount);
          for (const p of ps) if (p.packets !== packets) throw new Error(`scan read ${p.packets} packets, the file holds ${packets}`);
          // From the third pass on: the second still pays for some of TurboFan's compiling (0.35 s,
          // then 0.21 and 0.14 s in a trial round).
          const warm = median(ps.slice(2).map((p) => p.cpuS));
          for (const rate of rates) samples.push({ tool, round, rate, sent: null, cpuS: warm, usPerPacket: (warm / packets) * 1e6, sleepsPerS: NaN, threads: [] });
          log(`round ${round + 1} scan: ${((warm / packets) * 1e6).toFixed(3)} µs a packet (passes ${ps.map((p) => p.cpuS.toFixed(2)).join(', ')} s, the median from the third on)`);
          continue;
        }
        const cap = await startCapturer(ns, tool, { tmp, bufferMiB, maxMs });
        let sentAll = 0;
        try {
          sentAll += (await tcpreplay(ns, file, { rate: 50_000, limit: warmup, maxMs: 120_000 })).sent;
          await sleep(1000);
          for (const rate of rotate(rates, round)) {
            const before = cap.cpu();
            const sent = await tcpreplay(ns, file, { rate, maxMs: 120_000 });
            // Long enough for the last partly filled ring block to retire and be read (libpcap's
            // timeout for tcpdump -w and ndpiReader is 1 s).
            await sleep(1300);
            const after = cap.cpu();
            sentAll += sent.sent;
            const cpuS = after.seconds - before.seconds;
            const sleepsPerS = (after.sleeps - before.sleeps) / sent.seconds;
            samples.push({ tool, round, rate, sent, cpuS, usPerPacket: (cpuS / sent.sent) * 1e6, sleepsPerS, threads: threadDelta(before, after) });
            log(`round ${round + 1} ${tool} @ ${rate} pps (sent ${sent.pps.toFixed(0)} pps): ${((cpuS / sent.sent) * 1e6).toFixed(3)} µs a packet, ${cpuS.toFixed(2)} s for ${sent.sent}, ${sleepsPerS.toFixed(0)} wake-ups/s`);
          }
        } finally {
          const end = await cap.stop();
          ends.push({ tool, round, end, sent: sentAll });
          log(`round ${round + 1} ${tool}: saw ${end.seen} of ${sentAll}, kernel drops ${end.dropped ?? 'not reported'}${end.workers.length ? `; workers ${end.workers.map((w) => `#${w.worker} ${w.packets} packets ${w.cpuUserMs + w.cpuSystemMs} ms`).join(', ')}` : ''}`);
        }
      }
    }

    if (!args.includes('--no-topspeed')) {
      const copies = path.join(tmp, `packets-x${loop}.pcap`);
      repeatPcap(file, copies, loop);
      const scanned = scanFindings(copies, tmp);
      fs.rmSync(copies, { force: true });
      log(`scan of ${loop} copies: ${scanned.length} findings`);
      const topTools = (['live', 'live-w2', 'tcpdump'] as CapturerName[]).filter((t) => tools.includes(t));
      for (let round = 0; round < rounds; round++) {
        const found = new Map<CapturerName, string[]>();
        for (const tool of rotate(topTools, round)) {
          const cap = await startCapturer(ns, tool, { tmp, bufferMiB, maxMs });
          let sent: Sent | null = null;
          let cpuS = 0;
          try {
            const before = cap.cpu();
            sent = await tcpreplay(ns, file, { rate: 'top', loop, maxMs: 300_000 });
            await sleep(1500);
            cpuS = cap.cpu().seconds - before.seconds;
          } finally {
            const end = await cap.stop();
            if (sent !== null) {
              const lossFree = end.seen === sent.sent && end.dropped === 0;
              let equalScan: boolean | null = null;
              if (end.findings !== null) {
                equalScan = lossFree ? JSON.stringify(end.findings) === JSON.stringify(scanned) : null;
                if (equalScan === false) {
                  const d = findingsDiff(end.findings, scanned);
                  log(`  findings differ from scan: only live ${d.onlyA.slice(0, 3).join(' | ')}; only scan ${d.onlyB.slice(0, 3).join(' | ')}`);
                }
                if (lossFree) found.set(tool, end.findings);
              }
              tops.push({ tool, sender: 'tcpreplay', round, sent, seen: end.seen, dropped: end.dropped, workers: end.workers, cpuS, findingsEqualScan: equalScan, findingsEqualOneWorker: null, lossFree });
              log(`round ${round + 1} topspeed ${tool}: sent ${sent.sent} at ${sent.pps.toFixed(0)} pps (${sent.mbps.toFixed(0)} Mbit/s), saw ${end.seen}, kernel drops ${end.dropped}, findings = scan: ${equalScan}`);
            }
          }
        }
        // Two workers against one, for the rounds where both lost nothing.
        const one = found.get('live');
        const two = found.get('live-w2');
        const t2 = tops.find((x) => x.round === round && x.tool === 'live-w2' && x.sender === 'tcpreplay');
        if (t2 && one && two) t2.findingsEqualOneWorker = JSON.stringify(one) === JSON.stringify(two);
      }
    }

    const hasTrafgen = ['/usr/sbin/trafgen', '/usr/bin/trafgen'].some((f) => fs.existsSync(f));
    if (!args.includes('--no-trafgen') && hasTrafgen) {
      const cfg = path.join(tmp, 'trafgen.cfg');
      const frames = trafgenConfig(file, cfg, 20_000);
      // -P 2: two sending processes, one a core, to offer more than one process sends even if
      // the capture then has less CPU: where loss starts when the sender is not the limit.
      for (let round = 0; round < Math.min(rounds, 2); round++) {
        for (const [tool, procs] of rotate([['live', 1], ['tcpdump', 1], ['live', 2], ['tcpdump', 2]] as [CapturerName, number][], round)) {
          const cap = await startCapturer(ns, tool, { tmp, bufferMiB, maxMs });
          let sent: Sent | null = null;
          let cpuS = 0;
          try {
            const before = cap.cpu();
            sent = await trafgen(ns, cfg, packets * loop, 300_000, procs);
            await sleep(1500);
            cpuS = cap.cpu().seconds - before.seconds;
          } finally {
            const end = await cap.stop();
            if (sent !== null) {
              tops.push({ tool, sender: procs === 1 ? 'trafgen' : 'trafgen -P 2', round, sent, seen: end.seen, dropped: end.dropped, workers: end.workers, cpuS, findingsEqualScan: null, findingsEqualOneWorker: null, lossFree: end.seen === sent.sent && end.dropped === 0 });
              log(`round ${round + 1} trafgen -P ${procs} (${frames} frames in turn) ${tool}: sent ${sent.sent} at ${sent.pps.toFixed(0)} pps, saw ${end.seen}, kernel drops ${end.dropped}`);
            }
          }
        }
      }
    } else if (!hasTrafgen) log('trafgen not installed (Debian netsniff-ng): skipped');
  } finally {
    cleanup();
  }

  const result = {
    date: started.toISOString(),
    command: `node dist/bench/live-replay.js ${args.join(' ')}`.trim(),
    capture: path.basename(source),
    packets,
    bytesPerFrame: packetBytes / packets,
    rates,
    rounds,
    warmup,
    loop,
    bufferMiB,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgStart: load0, loadavgEnd: os.loadavg(), node: process.version, kernel: os.release() },
    samples,
    ends,
    tops,
  };
  fs.mkdirSync(outDir(), { recursive: true });
  fs.writeFileSync(path.join(outDir(), 'live-replay.json'), JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(renderTable(result));
}

export interface Result {
  date: string;
  command: string;
  packets: number;
  rates: number[];
  rounds: number;
  loop: number;
  machine: { loadavgStart: number[]; loadavgEnd: number[] };
  samples: RateSample[];
  ends: ProcessEnd[];
  tops: TopRun[];
}

const LABEL: { [t in Tool]: string } = {
  live: 'poolwatch live (1 worker)',
  'live-w2': 'poolwatch live --workers 2',
  'live-cap': 'poolwatch live, libpcap engine (before)',
  scan: 'poolwatch scan (file)',
  tcpdump: 'tcpdump -B 262144 -w FILE',
  ndpiReader: 'ndpiReader -i IF',
};

/** The tables as Markdown, as they go into bench/README.md. */
export function renderTable(r: Result): string {
  const out: string[] = [];
  const cell = (tool: Tool, rate: number): { med: number; sp: number } => {
    const xs = r.samples.filter((s) => s.tool === tool && s.rate === rate).map((s) => s.usPerPacket);
    return { med: median(xs), sp: spread(xs) };
  };
  const tools = [...new Set(r.samples.map((s) => s.tool))];
  const kpps = (x: number): string => `${x / 1000} kpps`;
  out.push(`Steady CPU per packet, µs (user + system, every thread), median of ${r.rounds} rounds, in brackets (max - min) / median and the rate tcpreplay reached (median); ${r.packets} packets each:`, '');
  out.push(`| program | ${r.rates.map(kpps).join(' | ')} |`, `|---|${r.rates.map(() => '---:').join('|')}|`);
  // The sender slows down when the program measured takes the CPU it needs: each cell says what it reached.
  const achieved = (t: Tool, x: number): string => (t === 'scan' ? 'file' : `${(median(r.samples.filter((s) => s.tool === t && s.rate === x && s.sent).map((s) => s.sent!.pps)) / 1000).toFixed(1)} k sent`);
  for (const t of tools) out.push(`| ${LABEL[t]} | ${r.rates.map((x) => { const c = cell(t, x); return `${c.med.toFixed(3)} (${(c.sp * 100).toFixed(0)} %, ${achieved(t, x)})`; }).join(' | ')} |`);
  const wake = (tool: Tool, rate: number): number => median(r.samples.filter((s) => s.tool === tool && s.rate === rate).map((s) => s.sleepsPerS));
  out.push('', 'Wake-ups a second during the replay (voluntary context switches of every thread, median):', '');
  out.push(`| program | ${r.rates.map(kpps).join(' | ')} |`, `|---|${r.rates.map(() => '---:').join('|')}|`);
  for (const t of tools.filter((x) => x !== 'scan')) out.push(`| ${LABEL[t]} | ${r.rates.map((x) => wake(t, x).toFixed(0)).join(' | ')} |`);
  out.push('');
  const ratio = (a: Tool, b: Tool, target: number, most: boolean): string =>
    `| live ÷ ${b} (target ${most ? '<=' : '<='} ${target}) | ${r.rates.map((x) => { const q = cell(a, x).med / cell(b, x).med; return Number.isFinite(q) ? `${q.toFixed(2)} ${q <= target ? 'met' : 'NOT met'}` : '-'; }).join(' | ')} |`;
  out.push(`| ratio | ${r.rates.map(kpps).join(' | ')} |`, `|---|${r.rates.map(() => '---:').join('|')}|`);
  out.push(ratio('live', 'scan', 1.5, true), ratio('live', 'tcpdump', 1.5, true), ratio('live', 'ndpiReader', 0.5, true));
  const q = (a: Tool, b: Tool, x: number): string => { const v = cell(a, x).med / cell(b, x).med; return Number.isFinite(v) ? v.toFixed(2) : '-'; };
  out.push(`| live --workers 2 ÷ scan | ${r.rates.map((x) => q('live-w2', 'scan', x)).join(' | ')} |`);
  out.push(`| libpcap engine (before) ÷ live | ${r.rates.map((x) => q('live-cap', 'live', x)).join(' | ')} |`, '');
  const drops = r.ends.filter((e) => (e.end.dropped ?? 0) > 0 || e.end.seen !== e.sent);
  out.push(drops.length === 0 ? 'Every capturing program saw every packet sent in the fixed-rate runs (kernel drops 0 where reported).' : `Loss in fixed-rate runs: ${drops.map((e) => `${e.tool} round ${e.round + 1}: saw ${e.end.seen} of ${e.sent}, kernel drops ${e.end.dropped ?? 'n/a'}`).join('; ')}.`);
  const w2 = r.ends.filter((e) => e.tool === 'live-w2');
  if (w2.length) out.push('', `--workers 2, fixed-rate processes (warm-up and all rates): ${w2.map((e) => e.end.workers.map((w) => `worker ${w.worker} ${w.packets} packets, ${w.cpuUserMs + w.cpuSystemMs} ms CPU`).join(' / ')).join('; ')}.`);
  if (r.tops.length) {
    out.push('', `Top speed, ${r.packets} packets x ${r.loop} (${r.packets * r.loop}) in one replay, fresh process each:`, '');
    out.push('| sender | program | rounds | sent pps (median) | Mbit/s | loss-free rounds | kernel drops (max) | findings = scan | CPU µs/packet |', '|---|---|---:|---:|---:|---:|---:|---|---:|');
    const keys = [...new Set(r.tops.map((t) => `${t.sender}|${t.tool}`))];
    for (const k of keys) {
      const [sender, tool] = k.split('|') as [string, CapturerName];
      const ts = r.tops.filter((t) => t.sender === sender && t.tool === tool);
      const eq = ts.map((t) => t.findingsEqualScan);
      out.push(
        `| ${sender} | ${LABEL[tool]} | ${ts.length} | ${median(ts.map((t) => t.sent.pps)).toFixed(0)} | ${median(ts.map((t) => t.sent.mbps)).toFixed(0)} | ${ts.filter((t) => t.lossFree).length} | ${Math.max(...ts.map((t) => t.dropped ?? 0))} | ${eq.every((e) => e === null) ? '-' : eq.map((e) => (e === null ? 'n/a' : e ? 'yes' : 'NO')).join(', ')} | ${median(ts.map((t) => (t.cpuS / t.sent.sent) * 1e6)).toFixed(3)} |`,
      );
    }
    const w = r.tops.filter((t) => t.tool === 'live-w2' && t.sender === 'tcpreplay');
    if (w.length) out.push('', `--workers 2 at top speed: ${w.map((t) => `${t.workers.map((x) => `worker ${x.worker} ${x.packets} packets ${x.cpuUserMs + x.cpuSystemMs} ms`).join(', ')}; = 1 worker's findings: ${t.findingsEqualOneWorker ?? 'n/a'}`).join(' | ')}`);
  }
  out.push('', `${r.date}, \`${r.command}\`, load average ${r.machine.loadavgStart.map((x) => x.toFixed(1)).join(' ')} at the start, ${r.machine.loadavgEnd.map((x) => x.toFixed(1)).join(' ')} at the end.`, '');
  return out.join('\n');
}

if (require.main === module) {
  const saved = optionValue(process.argv.slice(2), '--table');
  // --table FILE prints the tables of a saved run again (bench/out/live-replay.json) without measuring.
  const run = saved ? Promise.resolve().then(() => void process.stdout.write(renderTable(JSON.parse(fs.readFileSync(saved, 'utf8')) as Result))) : main();
  run.catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
