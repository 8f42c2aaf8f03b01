/** Test helpers for the capture readers: a sink that copies what it is given, and sample records. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaptureWarning, Frame, FrameSink } from '../../src/capture/frame';
import { readCapture, type ReadOptions, type ReadResult } from '../../src/capture/read';
import type { Record } from '../../src/capture/writer';
import { ether, ip, tcp, udp } from '../support/craft';

export interface Got {
  data: Buffer;
  origLength: number;
  linkType: number;
  tsNs: bigint;
  source: string;
  fileOffset: number;
}

export interface Collected {
  frames: Got[];
  warnings: CaptureWarning[];
  /** Distinct Frame objects and data buffers seen: readers must reuse them. */
  frameObjects: Set<Frame>;
  dataBuffers: Set<Buffer>;
  sink: FrameSink;
  onWarning: (w: CaptureWarning) => void;
}

export function collector(): Collected {
  const c: Collected = {
    frames: [],
    warnings: [],
    frameObjects: new Set(),
    dataBuffers: new Set(),
    sink: {
      frame(f: Frame): void {
        c.frameObjects.add(f);
        c.dataBuffers.add(f.data);
        c.frames.push({
          data: Buffer.from(f.data.subarray(f.offset, f.offset + f.capLength)),
          origLength: f.origLength,
          linkType: f.linkType,
          tsNs: BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec),
          source: f.source,
          fileOffset: f.fileOffset,
        });
      },
    },
    onWarning: (w) => c.warnings.push(w),
  };
  return c;
}

export async function readAll(file: string, options?: ReadOptions): Promise<Collected & { result: ReadResult }> {
  const c = collector();
  const result = await readCapture(file, c.sink, c.onWarning, options);
  return { ...c, result };
}

let dir: string | null = null;
let counter = 0;

/** A fresh temp folder for this test file (removed by cleanupTemp). */
export function tempDir(): string {
  if (dir === null) dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-capture-'));
  return dir;
}

export function tempFile(bytes: Buffer, name = `f${counter++}.bin`): string {
  const p = path.join(tempDir(), name);
  fs.writeFileSync(p, bytes);
  return p;
}

export function cleanupTemp(): void {
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
}

const BASE_NS = 1_700_000_000_123_456_789n;

/** Real Ethernet frames of varied sizes (TCP and UDP, IPv4 and IPv6) with distinct timestamps. */
export function sampleRecords(count: number, startNs = BASE_NS): Record[] {
  const out: Record[] = [];
  for (let i = 0; i < count; i++) {
    const payload = Buffer.alloc((i * 37) % 300, i & 0xff);
    const v6 = i % 3 === 2;
    const src = v6 ? '2001:db8::1' : '10.0.0.1';
    const dst = v6 ? '2001:db8::2' : '10.0.0.2';
    const seg = i % 2 === 0 ? tcp(src, dst, 40000 + i, 3333, payload, { flags: 'PA' }) : udp(src, dst, 5000 + i, 53, payload);
    out.push({ tsNs: startNs + BigInt(i) * 1_234_567_891n, data: ether(ip(src, dst, i % 2 === 0 ? 6 : 17, seg)) });
  }
  return out;
}

/** What a reader should report for a record written at microsecond resolution. */
export function usTime(ns: bigint): bigint {
  return (ns / 1000n) * 1000n;
}
