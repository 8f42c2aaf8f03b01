/**
 * Fuzzing: seeded mutants of every committed capture, byte-level and
 * structure-aware, each scanned by the real reader, analyzer and writers in a
 * child process under a watchdog. No crash, no hang, no undocumented error,
 * peak RSS under 200 MB. A few hundred mutants here; POOLWATCH_FUZZ_MUTANTS
 * for more (see the README, "Development"). Bugs already reported and being
 * fixed are listed in known.ts and counted in the summary line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaptureWarning } from '../../src/capture/frame';
import { readCapture } from '../../src/capture/read';
import { packageRoot } from '../../src/paths';
import { failureText, optionsFromEnv, runFuzz, summaryLine, type FuzzOptions } from './harness';
import { isPacket, parseCapture, writeCapture } from './framing';
import { loadBases, makeMutant } from './mutant';
import { firstControl } from './scan';

const ROOT = packageRoot();
const DEFAULT_MUTANTS = 500;
const RSS_LIMIT_MB = 200;

describe('mutants', () => {
  const bases = loadBases(ROOT);

  it('start from every committed capture folder', () => {
    for (const dir of ['pcaps/samples/', 'pcaps/detect/', 'pcaps/encap/', 'pcaps/real/']) expect(bases.filter((b) => b.name.startsWith(dir)).length).toBeGreaterThan(0);
    expect(bases.some((b) => b.name.endsWith('.pcapng'))).toBe(true);
  });

  it('are a function of seed and index', () => {
    for (const i of [0, 1, 77, 4999]) {
      const a = makeMutant(42, i, bases);
      const b = makeMutant(42, i, bases);
      expect(b.bytes.equals(a.bytes)).toBe(true);
      expect(b.ops).toEqual(a.ops);
    }
    expect(makeMutant(42, 1, bases).bytes.equals(makeMutant(43, 1, bases).bytes)).toBe(false);
  });

  it('the walker writes every committed capture back byte for byte', () => {
    for (const b of bases) {
      const c = parseCapture(b.bytes);
      expect(c).not.toBeNull();
      expect(writeCapture(c!).equals(b.bytes)).toBe(true);
    }
  });

  it('structure-aware mutants keep the framing valid: the reader delivers every record without a warning', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-fuzz-test-'));
    const file = path.join(dir, 'm');
    // These change how the reader must frame records (length order) or name a missing interface: a warning is right.
    const framingOps = /version minor|interface id/;
    let checked = 0;
    try {
      for (let i = 0; checked < 150 && i < 2000; i++) {
        const m = makeMutant(7, i, bases);
        if (m.kind !== 'structure' || m.gzip || m.ops.some((o) => framingOps.test(o))) continue;
        checked++;
        const c = parseCapture(m.bytes)!;
        expect(c.trailing.length).toBe(0);
        fs.writeFileSync(file, m.bytes);
        const warnings: CaptureWarning[] = [];
        let packets = 0;
        const r = await readCapture(file, { frame: () => void packets++ }, (w) => warnings.push(w));
        expect({ i, ops: m.ops, warnings }).toEqual({ i, ops: m.ops, warnings: [] });
        expect(r.packets).toBe(c.records.filter(isPacket).length);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(checked).toBe(150);
  });
});

describe('output check', () => {
  it('finds raw C0, C1, DEL, line separators and bidi controls, and nothing in escaped text', () => {
    for (const c of ['\u001b', '\u0007', '\r', '\u0000', '\u007f', '\u009b', '\u2028', '\u202e', '\u2066']) expect(firstControl('table', `agent a${c}b\n`)).not.toBeNull();
    expect(firstControl('json', JSON.stringify({ a: '\\u001b \\u202e' }) + '\n')).toBeNull();
    expect(firstControl('table', 'agent XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/9.3.0 …\n')).toBeNull();
  });
});

describe('the watchdog', () => {
  const base: FuzzOptions = { root: ROOT, seed: 5, mutants: 3, start: 0, timeoutMs: 600, controls: 'strict' };

  it.each([
    ['hang', 'hang'],
    ['exit', 'exit'],
    ['throw', 'exit'],
    ['rss', 'rss'],
  ] as const)('catches a planted %s as %s in that mutant and goes on with the next', async (sabotage, kind) => {
    const r = await runFuzz({ ...base, sabotage: { index: 1, kind: sabotage } });
    expect(r.mutants).toBe(3);
    expect(r.failures.map((f) => [f.index, f.kind])).toEqual([[1, kind]]);
    expect(r.failures[0].mutant).toContain('pcaps/');
  }, 30_000);
});

describe('fuzzing the reader, analyzer and writers', () => {
  it('no crash, no hang, no undocumented error, peak RSS under 200 MB', async () => {
    const opts = await optionsFromEnv(ROOT, DEFAULT_MUTANTS);
    const r = await runFuzz({ ...opts, rssLimitMb: RSS_LIMIT_MB });
    const known = r.failures.filter((f) => f.known !== null);
    const fresh = r.failures.filter((f) => f.known === null);
    console.log(summaryLine(r));
    if (known.length > 0) console.warn(`known bugs the fuzzer still hits (test/fuzz/known.ts):\n${known.map((f) => failureText(r, f)).join('\n')}`);
    expect(fresh.map((f) => failureText(r, f))).toEqual([]);
    expect(r.mutants).toBe(opts.mutants);
    expect(r.peakRssMb).toBeLessThan(RSS_LIMIT_MB);
    // A fuzzer that only ever made unreadable files would pass everything above.
    if (opts.mutants >= 200) {
      expect(r.outcomes.ok).toBeGreaterThan(opts.mutants / 2);
      expect(r.withFindings).toBeGreaterThan(opts.mutants / 10);
      expect(r.withWarnings).toBeGreaterThan(0);
      expect(r.outcomes.rejected).toBeGreaterThan(0);
    }
  }, 600_000);
});
