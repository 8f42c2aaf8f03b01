/**
 * Run inside a test's namespace (`ip netns exec NS node ring-dump.js JSON`):
 * opens one AF_PACKET ring through the addon, walks what arrives with
 * BlockWalker, and prints one JSON document with every frame (kernel timestamp,
 * lengths, bytes) and the kernel's counters once `count` frames arrived or `ms`
 * passed. Writes "ready" to stderr once the socket is bound.
 */
import { writeSync } from 'node:fs';
import type { Frame } from '../../src/capture/frame';
import { loadAfPacket } from '../../src/capture/afpacket/native';
import { BlockWalker } from '../../src/capture/afpacket/walker';

export interface DumpRequest {
  device: string;
  filter: string;
  snaplen: number;
  count: number;
  ms: number;
}

export interface DumpedFrame {
  /** Nanoseconds since the epoch, as text (beyond a double's precision). */
  ts: string;
  cap: number;
  orig: number;
  linkType: number;
  hex: string;
}

export interface Dump {
  frames: DumpedFrame[];
  stats: { packets: number; drops: number; freezes: number };
  linkType: number;
}

function main(req: DumpRequest): void {
  const addon = loadAfPacket();
  if (typeof addon === 'string') throw new Error(addon);
  const opened = addon.open({ device: req.device, snaplen: req.snaplen, blockSize: 1 << 18, blockCount: 16, retireMs: 5, filter: req.filter, promisc: true, fanout: 0, ignoreOutgoing: false });
  const frames: DumpedFrame[] = [];
  const sink = {
    frame(f: Frame): void {
      frames.push({
        ts: (BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec)).toString(),
        cap: f.capLength,
        orig: f.origLength,
        linkType: f.linkType,
        hex: f.data.toString('hex', f.offset, f.offset + f.capLength),
      });
    },
  };
  const warnings: string[] = [];
  const walker = new BlockWalker(req.device, sink, (w) => warnings.push(w.message), opened.linkType);
  const buf = Buffer.alloc(1 << 20);
  writeSync(2, 'ready\n');
  const end = Date.now() + req.ms;
  while (frames.length < req.count && Date.now() < end) {
    const n = addon.read(opened.ring, buf);
    if (n > 0) walker.parse(buf, 0, n, 0);
    else if (addon.wait([opened.ring], 20) < 0) throw new Error(`socket error: ${JSON.stringify(addon.error(opened.ring))}`);
  }
  if (warnings.length > 0) throw new Error(warnings.join('; '));
  const dump: Dump = { frames, stats: addon.stats(opened.ring), linkType: opened.linkType };
  addon.close(opened.ring);
  writeSync(1, JSON.stringify(dump));
}

if (require.main === module) main(JSON.parse(process.argv[2] ?? '{}') as DumpRequest);
