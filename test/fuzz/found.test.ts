/**
 * The small captures the fuzzer found failing (test/fuzz/found/, described in
 * its README.md), each scanned alone in the watchdogged child as the fuzzer
 * scans a mutant. One whose bug is still listed in known.ts may fail that
 * way and only that way; any other failure, or one of a fixed bug, fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AnalyzerOptions } from '../../src/analyzer';
import { DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { packageRoot } from '../../src/paths';
import { KNOWN_BUGS } from './known';
import { signature } from './minimize';
import { FuzzChild } from './process';

interface Found {
  file: string;
  /** The KNOWN_BUGS id it reproduces while that bug is open. */
  bug: string;
  options?: Omit<AnalyzerOptions, 'onFinding'>;
  chunkSize?: number;
  /** Also compare with the threaded scan (a "differs" failure). */
  threaded?: boolean;
  /** Findings a clean scan must still make (what was found before the damage). */
  findings?: number;
}

const FOUND: Found[] = [
  { file: 'pcapng-time-past-year-275760.pcapng', bug: 'pcapng-invalid-time', chunkSize: 97, findings: 1 },
  { file: 'jsonrpc-16k-line-across-segments.pcap.gz', bug: 'jsonrpc-16k-line', findings: 1 },
  { file: 'threaded-clock-jump.pcap', bug: 'threaded-clock-jump', threaded: true, findings: 0 },
  { file: 'dns-tie-lost-on-time-jump.pcap', bug: 'dns-tie-time-jump', threaded: true },
];

const DIR = path.join(packageRoot(), 'test', 'fuzz', 'found');

describe('captures the fuzzer found', () => {
  it('are all listed here', () => {
    const files = fs.readdirSync(DIR).filter((n) => n !== 'README.md').sort();
    expect(files).toEqual(FOUND.map((f) => f.file).sort());
    const readme = fs.readFileSync(path.join(DIR, 'README.md'), 'utf8');
    for (const f of FOUND) expect(readme).toContain(f.file);
  });

  it.each(FOUND.map((f) => [f.file, f] as const))('%s: no crash, hang or undocumented error, unless its bug is still open', async (_name, f) => {
    const child = await FuzzChild.start(packageRoot(), 0);
    try {
      const a = await child.request({ type: 'file', file: path.join(DIR, f.file), options: f.options ?? DEFAULT_ANALYZER_OPTIONS, chunkSize: f.chunkSize, threaded: f.threaded }, 20_000, 450);
      const failure = signature(a);
      const open = KNOWN_BUGS.find((k) => k.id === f.bug);
      const text = a.kind === 'result' ? `${a.result.message ?? ''}\n${a.result.stack ?? ''}` : a.kind === 'exit' ? a.stderr : a.kind;
      if (failure !== null && open?.match !== undefined && open.match.test(text)) {
        console.warn(`${f.file}: still fails with open bug ${f.bug} (${open.at}): ${failure}`);
        return;
      }
      expect(failure).toBeNull();
      if (f.findings !== undefined && a.kind === 'result') expect(a.result.findings).toBe(f.findings);
    } finally {
      child.kill();
    }
  }, 30_000);
});
