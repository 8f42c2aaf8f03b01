/**
 * Small pieces shared by the benchmark scripts: where things live, a seeded
 * PRNG, Internet checksums, and a pcap writer that streams records through one
 * large buffer (the generated captures are too big to build in memory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../src/paths';
import { rng } from '../test/support/random';

export { rng };

/** The source tree, also when running from a private build folder that links package.json back to it. */
export function repoRoot(): string {
  return path.dirname(fs.realpathSync(path.join(packageRoot(), 'package.json')));
}

export function dataDir(): string {
  return path.join(repoRoot(), 'bench', 'data');
}

export function outDir(): string {
  return path.join(repoRoot(), 'bench', 'out');
}

/** This build's CLI module (dist/src/cli/main.js beside this dist/bench). */
export const BUILD_CLI = path.join(__dirname, '..', 'src', 'cli', 'main.js');

/**
 * `node -e CLI_SHIM BUILD_CLI args...` runs this build's CLI the way bin/poolwatch.js does, for
 * node flags (profilers, traces) or a private build folder.
 */
export const CLI_SHIM = "const {main}=require(process.argv[1]);main(process.argv.slice(2)).then(c=>{process.exitCode=c},e=>{console.error(e);process.exitCode=1})";


/** Sum of big-endian 16-bit words of buf[from, to) (unfolded; an odd last byte counts as its high half). */
export function wordSum(buf: Uint8Array, from: number, to: number): number {
  let s = 0;
  let i = from;
  for (; i + 1 < to; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (i < to) s += buf[i] << 8;
  return s;
}

/** Folds an unfolded word sum into the one's-complement checksum field value. */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export const LINKTYPE_ETHERNET = 1;

/**
 * Writes a classic pcap (microsecond timestamps, little-endian) record by
 * record: `begin` reserves room for one frame in the buffer and returns where
 * its bytes go; the caller fills them in place.
 */
export class PcapStream {
  readonly buf: Buffer;
  private pos = 0;
  private readonly fd: number;
  packets = 0;
  /** Captured bytes of all frames (record headers not counted). */
  packetBytes = 0;
  /** Bytes written to the file so far, header included. */
  fileBytes = 0;
  maxFrame = 0;

  constructor(
    readonly file: string,
    bufferSize = 64 * 1024 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(bufferSize);
    this.fd = fs.openSync(file, 'w');
    const h = this.buf;
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(0, 8);
    h.writeUInt32LE(0, 12);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.pos = 24;
  }

  /** Reserves `length` frame bytes stamped `tsUs` (microseconds since the epoch) and returns their offset in `buf`. */
  begin(tsUs: number, length: number): number {
    if (this.pos + 16 + length > this.buf.length) this.flush();
    const b = this.buf;
    const p = this.pos;
    const sec = Math.floor(tsUs / 1e6);
    b.writeUInt32LE(sec, p);
    b.writeUInt32LE(tsUs - sec * 1e6, p + 4);
    b.writeUInt32LE(length, p + 8);
    b.writeUInt32LE(length, p + 12);
    this.pos = p + 16 + length;
    this.packets++;
    this.packetBytes += length;
    if (length > this.maxFrame) this.maxFrame = length;
    return p + 16;
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += fs.writeSync(this.fd, this.buf, off, this.pos - off);
    this.fileBytes += this.pos;
    this.pos = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** The value after flag `name` in a bench tool's arguments, if given. */
export function optionValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
