/**
 * The fallback engine: libpcap through the `cap` binding in one child process
 * per interface (cap.ts), analysis on this thread in one Analyzer. Used where
 * the AF_PACKET addon is missing or the OS is not Linux.
 */
import { Analyzer, type AnalyzerOptions } from '../analyzer';
import { loadSignatures } from '../detect/signatures';
import type { Finding } from '../report/finding';
import type { CaptureWarning } from '../capture/frame';
import { LiveCapture, type LiveCaptureOptions } from '../capture/live/cap';
import type { LiveCaptureError } from '../capture/live/errors';
import type { LiveEngine, LiveResult, LiveStats } from './engine';

export class CapEngine implements LiveEngine {
  readonly kind = 'cap' as const;
  onFinding: (f: Finding) => void = () => undefined;
  private readonly analyzer: Analyzer;
  private readonly capture: LiveCapture;
  private readonly started = process.cpuUsage();

  constructor(opts: LiveCaptureOptions, signatures: string[], analyzer: Omit<AnalyzerOptions, 'onFinding' | 'shard' | 'shards'>, onWarning: (w: CaptureWarning) => void) {
    this.analyzer = new Analyzer(loadSignatures(signatures), { ...analyzer, onFinding: (f) => this.onFinding(f) });
    this.capture = new LiveCapture(this.analyzer, opts, onWarning);
  }

  set onLost(f: (err: LiveCaptureError) => void) {
    this.capture.onLost = f;
  }

  set onFault(f: (err: Error) => void) {
    this.capture.onFault = f;
  }

  set onMessage(f: (device: string, text: string) => void) {
    this.capture.onMessage = f;
  }

  start(): Promise<void> {
    return this.capture.start();
  }

  get opened(): { device: string; linkType: number }[] {
    return this.capture.opened;
  }

  async sample(): Promise<LiveStats> {
    return this.stats(await this.capture.sample());
  }

  async current(): Promise<Finding[]> {
    return this.analyzer.report.findings();
  }

  tick(nowMs: number): void {
    // Frames carry the wall clock here too, so idle flows can end on it.
    this.analyzer.tick(nowMs);
  }

  async stop(): Promise<LiveResult> {
    await this.capture.stop();
    const ifs = await this.capture.sample();
    const findings = this.analyzer.finish();
    return { ...this.stats(ifs), findings };
  }

  private stats(interfaces: LiveStats['interfaces']): LiveStats {
    const a = this.analyzer;
    const cpu = process.cpuUsage(this.started);
    return {
      packets: a.packets,
      bytes: a.bytes,
      flows: a.flowCount,
      flowsSeen: a.flowsSeen,
      interfaces,
      // The analysis runs on the main thread, which shares this process with nothing else of poolwatch's.
      workers: [{ worker: 0, packets: a.packets, bytes: a.bytes, flows: a.flowCount, cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000), dropped: 0, dnsDropped: 0 }],
    };
  }
}
