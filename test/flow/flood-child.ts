/**
 * Run by flood-memory.test.ts in a child process (node --expose-gc), so that
 * its peak RSS is this flood's alone: FLOWS distinct TCP flows, each one
 * mid-stream data segment of no known protocol (undecided, inspected), into an
 * analyzer holding at most MAX_FLOWS. Prints one JSON line.
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { Frame } from '../../src/capture/frame';
import { loadSignatures } from '../../src/detect/signatures';
import { ether, ipv4, tcp } from '../support/craft';

const maxFlows = Number(process.env.MAX_FLOWS);
const flows = Number(process.env.FLOWS);
const analyzer = new Analyzer(loadSignatures(), { ...DEFAULT_ANALYZER_OPTIONS, maxFlows });
const bytes = ether(ipv4('10.1.0.1', '192.0.2.1', 6, tcp('10.1.0.1', '192.0.2.1', 40000, 3333, 'abcdefghijklmnop', { flags: 'PA' })));
const frame = new Frame();
frame.data = Buffer.from(bytes);
frame.capLength = frame.origLength = bytes.length;
frame.tsSec = 1_700_000_000;
const gc = (globalThis as { gc?: () => void }).gc!;
gc();
const before = process.memoryUsage();
const baseRss = process.resourceUsage().maxRSS * 1024;
for (let i = 0; i < flows; i++) {
  // A source address and port of its own per flow, one millisecond apart.
  frame.data.writeUInt32BE((0x0a000000 + (i >>> 8)) >>> 0, 26);
  frame.data.writeUInt16BE(1024 + (i & 0xff), 34);
  frame.tsSec = 1_700_000_000 + Math.floor(i / 1000);
  frame.tsNsec = (i % 1000) * 1e6;
  analyzer.frame(frame);
}
const peakRss = process.resourceUsage().maxRSS * 1024;
gc();
const after = process.memoryUsage();
const live = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
console.log(JSON.stringify({ held: analyzer.flowCount, liveBytesPerFlow: Math.round(live / analyzer.flowCount), baseRss, peakRss }));
