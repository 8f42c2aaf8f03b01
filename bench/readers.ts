/**
 * Reader throughput: our readCapture against the npm package pcap-parser on one
 * large classic pcap, alternating rounds in one process so both see the same
 * machine state (page cache, CPU frequency, other load).
 *
 *   node dist/bench/readers.js [capture.pcap] [--rounds N] [--size MB] [--sweep]
 *
 * --sweep also times our reader at several chunk sizes (why the default is 2 MiB).
 *
 * Without a file it generates bench/data/readers-imix-<size>MB.pcap once
 * (reproducible: fixed seed) and reuses it. Results go to bench/out/readers.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from '../src/capture/frame';
import { readCapture } from '../src/capture/read';
import { writePcap, type Record } from '../src/capture/writer';
import { packageRoot } from '../src/paths';
import { ether, ip, tcp, udp } from '../test/support/craft';
import { rng } from './common';

// pcap-parser ships no types; this is the part of its API the bench uses.
const pcapParser = require('pcap-parser') as {
  parse(input: string): { on(event: string, cb: (arg: unknown) => void): void };
};

/** The source tree (not a private build folder that links package.json back to it). */
function repoRoot(): string {
  return path.dirname(fs.realpathSync(path.join(packageRoot(), 'package.json')));
}


/**
 * Simple IMIX by packet count (7 : 4 : 1 of about 64, 576 and 1500 bytes on the
 * wire), built from real TCP/UDP frames so the file is a valid capture.
 */
function framePool(): Buffer[] {
  const pool: Buffer[] = [];
  const random = rng(42);
  for (let i = 0; i < 1200; i++) {
    const pick = random() * 12;
    const size = pick < 7 ? 64 : pick < 11 ? 576 : 1514;
    const src = `10.${i % 7}.${(i * 13) % 250}.${1 + (i % 200)}`;
    const dst = `192.0.2.${1 + (i % 9)}`;
    const udpPacket = i % 5 === 0;
    const headers = 14 + 20 + (udpPacket ? 8 : 20);
    const payload = Buffer.alloc(Math.max(0, size - headers), i & 0xff);
    const seg = udpPacket ? udp(src, dst, 40000 + i, 53, payload) : tcp(src, dst, 40000 + i, 3333, payload, { flags: 'PA', seq: i * 1000 });
    pool.push(ether(ip(src, dst, udpPacket ? 17 : 6, seg)));
  }
  return pool;
}

function generate(file: string, megabytes: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const fd = fs.openSync(partial, 'w');
  const pool = framePool();
  const random = rng(7);
  const target = megabytes * 1e6;
  let written = 0;
  let tsNs = 1_700_000_000_000_000_000n;
  const header = writePcap([], { linkType: 1 });
  fs.writeSync(fd, header);
  written += header.length;
  while (written < target) {
    const batch: Record[] = [];
    for (let i = 0; i < 20000; i++) {
      tsNs += BigInt(Math.floor(random() * 50_000));
      batch.push({ tsNs, data: pool[Math.floor(random() * pool.length)] });
    }
    const bytes = writePcap(batch, { linkType: 1 }).subarray(header.length);
    fs.writeSync(fd, bytes);
    written += bytes.length;
  }
  fs.closeSync(fd);
  fs.renameSync(partial, file);
}

interface Round {
  reader: string;
  packets: number;
  seconds: number;
}

function pcapParserCount(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let packets = 0;
    const p = pcapParser.parse(file);
    p.on('packet', () => {
      packets++;
    });
    p.on('error', (e) => reject(e as Error));
    p.on('end', () => resolve(packets));
  });
}

async function oursCount(file: string, chunkSize?: number): Promise<number> {
  let packets = 0;
  const sink = {
    frame(_f: Frame): void {
      packets++;
    },
  };
  await readCapture(file, sink, (w) => {
    throw new Error(`unexpected warning: ${w.message} at ${w.offset}`);
  }, { chunkSize });
  return packets;
}

async function timed(reader: string, run: () => Promise<number>): Promise<Round> {
  const start = process.hrtime.bigint();
  const packets = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { reader, packets, seconds };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    return v;
  };
  const sweepAt = args.indexOf('--sweep');
  if (sweepAt >= 0) args.splice(sweepAt, 1);
  const rounds = option('--rounds', 3);
  const sizeMb = option('--size', 500);
  const root = repoRoot();
  let file = args[0];
  if (file === undefined) {
    file = path.join(root, 'bench', 'data', `readers-imix-${sizeMb}MB.pcap`);
    if (!fs.existsSync(file)) {
      process.stdout.write(`generating ${file} ... `);
      const t = Date.now();
      generate(file, sizeMb);
      console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  }
  const bytes = fs.statSync(file).size;
  // Warm the page cache so the first measured round is not a disk read.
  await oursCount(file);

  const results: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first so neither always runs right after the other's garbage.
    const order: Array<[string, () => Promise<number>]> = [
      ['pcap-parser', () => pcapParserCount(file)],
      ['poolwatch readCapture', () => oursCount(file)],
    ];
    if (r % 2 === 1) order.reverse();
    for (const [name, run] of order) {
      const round = await timed(name, run);
      results.push(round);
      console.log(`round ${r + 1} ${name.padEnd(22)} ${round.packets} packets in ${round.seconds.toFixed(3)} s`);
    }
  }

  const summary: { [reader: string]: { packets: number; medianSeconds: number; MBps: number; Gbps: number; Mpps: number } } = {};
  for (const name of ['pcap-parser', 'poolwatch readCapture']) {
    const mine = results.filter((x) => x.reader === name);
    const seconds = median(mine.map((x) => x.seconds));
    summary[name] = {
      packets: mine[0].packets,
      medianSeconds: seconds,
      MBps: bytes / 1e6 / seconds,
      Gbps: (bytes * 8) / 1e9 / seconds,
      Mpps: mine[0].packets / 1e6 / seconds,
    };
  }
  const theirs = summary['pcap-parser'];
  const ours = summary['poolwatch readCapture'];
  if (theirs.packets !== ours.packets) throw new Error(`packet counts differ: pcap-parser ${theirs.packets}, ours ${ours.packets}`);
  const ratio = ours.MBps / theirs.MBps;

  console.log(`\nfile ${file}: ${(bytes / 1e6).toFixed(1)} MB, ${ours.packets} packets (avg ${(bytes / ours.packets).toFixed(0)} B/record); median of ${rounds} rounds`);
  console.log('reader                    MB/s   Gbit/s    Mpps');
  for (const [name, s] of Object.entries(summary)) {
    console.log(`${name.padEnd(22)} ${s.MBps.toFixed(0).padStart(7)} ${s.Gbps.toFixed(2).padStart(8)} ${s.Mpps.toFixed(2).padStart(7)}`);
  }
  console.log(`ours / pcap-parser: ${ratio.toFixed(2)}x`);

  const sweep: { chunkKiB: number; bestSeconds: number; MBps: number }[] = [];
  if (sweepAt >= 0) {
    const sizes = [256, 1024, 2048, 4096, 8192, 16384];
    const best = new Map<number, number>();
    for (let r = 0; r < 2; r++) {
      for (const kib of sizes) {
        const round = await timed('sweep', () => oursCount(file, kib * 1024));
        best.set(kib, Math.min(best.get(kib) ?? Infinity, round.seconds));
      }
    }
    console.log('\nchunk size sweep (ours, best of 2):');
    for (const kib of sizes) {
      const s = best.get(kib) as number;
      sweep.push({ chunkKiB: kib, bestSeconds: s, MBps: bytes / 1e6 / s });
      console.log(`${String(kib).padStart(6)} KiB ${(bytes / 1e6 / s).toFixed(0).padStart(7)} MB/s`);
    }
  }

  const out = path.join(root, 'bench', 'out', 'readers.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    command: `node ${path.relative(process.cwd(), process.argv[1])} ${process.argv.slice(2).join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
    file,
    fileBytes: bytes,
    rounds: results,
    summary,
    ratioOursOverPcapParser: ratio,
    chunkSweep: sweep,
  };
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${out}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
