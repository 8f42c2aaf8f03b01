/**
 * A new user's first run: `poolwatch scan` over a folder of a few hundred
 * captures from elsewhere. The corpus is generated (pcaps/corpus/generate.ts)
 * plus, when tcpdump/dumpcap/editcap/mergecap are installed, files written by
 * those tools (pcaps/corpus/real-tools.sh). Every file must be read to its end
 * (or to the damage, with a warning naming the right offset), in bounded time
 * and memory, without an exception, and ordinary traffic must give no finding
 * at all; planted miners in odd wrappings must give exactly their finding.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CorpusFile } from '../../pcaps/corpus/generate';
import { packageRoot } from '../../src/paths';
import type { ScanResult } from './scan-worker';

/** Compiled tree this test runs from (dist/ or a private build folder). */
const BUILT = path.resolve(__dirname, '../..');
const GENERATOR = path.join(BUILT, 'pcaps', 'corpus', 'generate.js');
const WORKER = path.join(__dirname, 'scan-worker.js');
const REAL_TOOLS = path.join(packageRoot(), 'pcaps', 'corpus', 'real-tools.sh');
/** Generous for files of a few hundred KB on a busy 2-core machine; a hang blows far past it. */
const FILE_TIMEOUT_MS = 15_000;
const HEAP_LIMIT_MB = 256;
const HEAP_SANE_MB = 160;

interface Expectation extends CorpusFile {
  path: string;
  /** Made by real tools: packets from capinfos. */
  real?: boolean;
  /** Old pcap variants with changed record headers: any clean outcome is fine, findings are not. */
  exotic?: boolean;
}

let tmp = '';
let generated: Expectation[] = [];
let real: Expectation[] = [];
let realSkipped: string | null = null;
let realFailed: string | null = null;
const results = new Map<string, ScanResult>();
/** Hangs, worker deaths (out of memory): each names its file. */
const failures: string[] = [];
/** What Wireshark's capinfos reads from each file it can read: packets, earliest and latest time (text). */
const wireshark = new Map<string, { packets: number; first: string; last: string }>();
let capinfosMissing = false;

/** Runs capinfos once over many files (it goes on past files it cannot read). */
function capinfos(files: string[]): void {
  const r = spawnSync('capinfos', ['-T', '-M', '-r', '-c', '-a', '-e', '-S', ...files], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error !== undefined) {
    capinfosMissing = true;
    return;
  }
  for (const line of r.stdout.split('\n')) {
    const [file, packets, first, last] = line.split('\t');
    if (last !== undefined) wireshark.set(file, { packets: Number(packets), first, last });
  }
}

/** "seconds.fraction" text to nanoseconds. */
function nanos(t: string): bigint {
  const [sec, frac = ''] = t.split('.');
  return BigInt(sec) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
}

function readRealManifest(dir: string): Expectation[] {
  const lines = fs.readFileSync(path.join(dir, 'manifest.tsv'), 'utf8').trim().split('\n');
  return lines.map((line) => {
    const [name, kind, packets, offset] = line.split('\t');
    const e: Expectation = { name: `real/${name}`, path: path.join(dir, name), kind: kind === 'exotic' ? 'ordinary' : (kind as Expectation['kind']), note: 'real tool output', real: true };
    if (kind === 'exotic') e.exotic = true;
    if (kind === 'not-capture') e.formatError = true;
    if (packets !== '-') e.packets = Number(packets);
    if (offset !== '-') e.warningOffset = Number(offset);
    return e;
  });
}

/** Scans `files` one by one in a worker; a file that takes too long or kills the worker is recorded and the rest go on in a new worker. */
async function scanInWorkers(files: string[]): Promise<void> {
  let next = 0;
  while (next < files.length) {
    const worker = new Worker(WORKER, { resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
    await new Promise<void>((resolve) => {
      let current = '';
      let timer: NodeJS.Timeout | undefined;
      let over = false;
      const end = (failure?: string): void => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        if (failure !== undefined) failures.push(failure);
        resolve();
      };
      const feed = (): void => {
        if (next >= files.length) return end();
        current = files[next++];
        timer = setTimeout(() => end(`${current}: no result within ${FILE_TIMEOUT_MS} ms (hang or runaway loop)`), FILE_TIMEOUT_MS);
        worker.postMessage({ file: current });
      };
      worker.on('message', (r: ScanResult) => {
        clearTimeout(timer);
        results.set(r.file, r);
        feed();
      });
      worker.on('error', (e) => end(`${current}: worker died: ${e.message}`));
      worker.on('exit', (code) => end(`${current}: worker exited with ${code}`));
      feed();
    });
    await worker.terminate();
  }
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-corpus-test-'));
  const gen = path.join(tmp, 'gen');
  // A child process, not an import: byte-at-a-time generation is several times slower inside jest's sandbox.
  execFileSync(process.execPath, [GENERATOR, gen, '--seed', '1'], { stdio: 'pipe' });
  const manifest = JSON.parse(fs.readFileSync(path.join(gen, '.manifest.json'), 'utf8')) as CorpusFile[];
  generated = manifest.map((f) => ({ ...f, path: path.join(gen, f.name) }));

  const realDir = path.join(tmp, 'real');
  const r = spawnSync('bash', [REAL_TOOLS, realDir], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 3) {
    realSkipped = r.stderr.trim();
    console.warn(`corpus: real tool captures skipped: ${realSkipped}`);
  } else if (r.status !== 0) {
    realFailed = `real-tools.sh failed (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(-2000)}`;
  } else {
    real = readRealManifest(realDir);
  }

  // Two workers share the files: the machine has two cores.
  const all = [...generated, ...real].map((e) => e.path);
  await Promise.all([scanInWorkers(all.filter((_, i) => i % 2 === 0)), scanInWorkers(all.filter((_, i) => i % 2 === 1))]);
  capinfos([...generated, ...real].filter((e) => (e.kind === 'ordinary' || e.kind === 'mining') && !e.exotic).map((e) => e.path));
}, 110_000);

afterAll(() => {
  if (tmp !== '') fs.rmSync(tmp, { recursive: true, force: true });
});

function describeResult(r: ScanResult): string {
  return `packets ${r.packets}, warnings ${JSON.stringify(r.warnings.map((w) => `${w.offset}: ${w.message}`))}, formatError ${r.formatError}, findings ${r.findings.length}`;
}

/** Everything wrong with one file's result, as text naming the file. */
function problems(e: Expectation): string[] {
  const r = results.get(e.path);
  if (r === undefined) return []; // reported through `failures`
  const out: string[] = [];
  const bad = (what: string): void => {
    out.push(`${e.name} (${e.note}): ${what} [${describeResult(r)}]`);
  };
  if (r.crash !== null) bad(`exception: ${r.crash}`);
  if (r.chunkMismatch !== null) bad(`read differs with another chunk size: ${r.chunkMismatch}`);
  if (e.kind !== 'mining' && r.findings.length > 0) bad(`false finding(s): ${JSON.stringify(r.findings)}`);
  for (const w of r.warnings) if (w.file !== e.path) bad(`warning names ${w.file}`);
  if (e.exotic) return out;
  if (e.formatError) {
    if (r.formatError === null) bad('expected a format error');
    else if (!r.formatError.startsWith(e.path)) bad(`format error does not name the file: ${r.formatError}`);
    return out;
  }
  if (e.warningFrom !== undefined) {
    // Random bytes: refused as a capture, or stopped with one warning at or after where the noise starts.
    const size = fs.statSync(e.path).size;
    if (r.formatError === null && (r.warnings.length !== 1 || r.warnings[0].offset < e.warningFrom || r.warnings[0].offset > size)) bad(`expected one warning in [${e.warningFrom}, ${size}]`);
    return out;
  }
  if (r.formatError !== null) bad('unexpected format error');
  if (e.warningAtBoundary !== undefined) {
    const w = r.warnings[0];
    const at = w === undefined ? -1 : e.warningAtBoundary.indexOf(w.offset);
    if (r.warnings.length !== 1 || at < 0) bad('expected one warning at a record boundary');
    else if (r.packets !== at) bad(`warning at boundary ${at} but ${r.packets} packets delivered`);
    return out;
  }
  if (e.warningOffset !== undefined) {
    if (r.warnings.length !== 1 || r.warnings[0].offset !== e.warningOffset) bad(`expected one warning at offset ${e.warningOffset}`);
  } else if (r.warnings.length > 0) {
    bad('unexpected warning');
  }
  if (e.packets !== undefined && r.packets !== e.packets) bad(`expected ${e.packets} packets`);
  if (e.kind === 'mining' && e.finding !== undefined) {
    const f = e.finding;
    const ok = r.findings.length === 1 && r.findings[0].host === f.host && r.findings[0].pool === f.pool && r.findings[0].poolPort === f.poolPort;
    if (!ok) bad(`expected exactly the finding ${f.host} -> ${f.pool}:${f.poolPort}, got ${JSON.stringify(r.findings.map((x) => `${x.host} -> ${x.pool}:${x.poolPort} ${x.protocol}`))}`);
  }
  return out;
}

describe('generated corpus', () => {
  it('is broad: hundreds of files of every kind', () => {
    const count = (k: string): number => generated.filter((e) => e.kind === k).length;
    expect(count('ordinary')).toBeGreaterThanOrEqual(200);
    expect(count('damaged')).toBeGreaterThanOrEqual(30);
    expect(count('mining')).toBeGreaterThanOrEqual(10);
    const ordinaryPackets = generated.filter((e) => e.kind === 'ordinary').reduce((n, e) => n + (results.get(e.path)?.packets ?? 0), 0);
    expect(ordinaryPackets).toBeGreaterThan(10_000);
  });

  it('every file finished: no hang, no worker killed by memory', () => {
    expect(failures).toEqual([]);
    const missing = generated.filter((e) => !results.has(e.path)).map((e) => e.name);
    expect(missing).toEqual([]);
  });

  it('ordinary files: read to the end, every record delivered, no warning, no finding', () => {
    expect(generated.filter((e) => e.kind === 'ordinary').flatMap(problems)).toEqual([]);
  });

  it('damaged files: no exception, a warning at the offset of the damage, records before it delivered', () => {
    expect(generated.filter((e) => e.kind === 'damaged' || e.kind === 'not-capture').flatMap(problems)).toEqual([]);
  });

  it('planted miners in unusual wrappings: exactly their one finding each', () => {
    expect(generated.filter((e) => e.kind === 'mining').flatMap(problems)).toEqual([]);
  });

  it("Wireshark's capinfos reads the same packet count and the same earliest and latest time", () => {
    if (capinfosMissing) {
      console.warn('capinfos not installed: cross-check with Wireshark skipped');
      return;
    }
    const out: string[] = [];
    let compared = 0;
    for (const e of [...generated, ...real]) {
      const w = wireshark.get(e.path);
      const r = results.get(e.path);
      if (w === undefined || r === undefined) continue;
      compared++;
      if (w.packets !== r.packets) out.push(`${e.name}: capinfos ${w.packets} packets, poolwatch ${r.packets}`);
      // Simple Packet Blocks carry no time (capinfos says n/a). Wireshark takes some version 2.2
      // files for AIX captures, whose fraction is nanoseconds; libpcap (and poolwatch) read microseconds.
      // capinfos also skips zero times when it looks for the earliest, so edge-time files compare counts only.
      if (!/^\d/.test(w.first) || r.first === null || r.last === null || e.name.includes('pcap-2.2') || e.name.includes('edge-times')) continue;
      // capinfos cuts times to the file's display precision (as many digits as it prints).
      const close = (cap: string, pw: string): boolean => {
        const digits = (cap.split('.')[1] ?? '').length;
        const d = nanos(pw) - nanos(cap);
        return d >= 0n && d < 10n ** BigInt(9 - digits);
      };
      if (!close(w.first, r.first) || !close(w.last, r.last)) out.push(`${e.name}: capinfos ${w.first} .. ${w.last}, poolwatch ${r.first} .. ${r.last}`);
    }
    expect(out).toEqual([]);
    expect(compared).toBeGreaterThan(200);
  });

  it('each file in bounded time and memory', () => {
    const slow = [...results.values()].filter((r) => r.ms > FILE_TIMEOUT_MS / 3).map((r) => `${r.file}: ${Math.round(r.ms)} ms`);
    expect(slow).toEqual([]);
    const heavy = [...results.values()].filter((r) => r.heapMb > HEAP_SANE_MB).map((r) => `${r.file}: heap ${Math.round(r.heapMb)} MB after the file`);
    expect(heavy).toEqual([]);
  });
});

describe('real tool output (tcpdump, dumpcap, editcap, mergecap)', () => {
  it('the tools ran, or were reported missing', () => {
    if (realSkipped !== null) console.warn(`skipped: ${realSkipped}`);
    expect(realFailed).toBeNull();
    if (realSkipped === null) expect(real.length).toBeGreaterThan(30);
  });

  it('every file read as the tools wrote it, no exception, no finding', () => {
    expect(failures).toEqual([]);
    expect(real.filter((e) => !results.has(e.path)).map((e) => e.name)).toEqual([]);
    expect(real.flatMap(problems)).toEqual([]);
  });
});

describe('the CLI over the corpus', () => {
  let shim = '';
  beforeAll(() => {
    // bin/poolwatch.js loads dist/; this shim loads the build the test runs from.
    shim = path.join(tmp, 'poolwatch.js');
    fs.writeFileSync(
      shim,
      `'use strict';\nconst { hideBin } = require(${JSON.stringify(require.resolve('yargs/helpers'))});\nconst { main } = require(${JSON.stringify(path.join(BUILT, 'src', 'cli', 'main.js'))});\n` +
        `main(hideBin(process.argv)).then((code) => { process.exitCode = code; }, (err) => { process.stderr.write('poolwatch: internal error: ' + (err && err.stack ? err.stack : err) + '\\n'); process.exitCode = 1; });\n`,
    );
  });

  const run = (args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, [shim, ...args], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const noStack = (stderr: string): void => {
    expect(stderr).not.toMatch(/internal error/);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
  };
  const lines = (stdout: string): Array<{ type: string; [k: string]: unknown }> =>
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { type: string });

  it('scan of the whole folder: exit 0, only the planted miners, one warning per damaged file', () => {
    const r = run(['scan', path.join(tmp, 'gen'), '--format', 'jsonl']);
    noStack(r.stderr);
    expect(r.status).toBe(0);
    const out = lines(r.stdout);
    const findings = out.filter((l) => l.type === 'finding').map((l) => `${l.host} -> ${l.pool}:${l.poolPort}`);
    expect(findings.sort()).toEqual(['10.1.2.3 -> 198.51.100.7:3333', '2001:db8:1::3 -> 2001:db8:2::7:3333']);
    const summary = out.find((l) => l.type === 'summary') as { files: number; warnings: string[] } | undefined;
    expect(summary).toBeDefined();
    const captures = generated.filter((e) => !e.formatError && !(e.warningFrom !== undefined && results.get(e.path)?.formatError !== null));
    expect(summary!.files).toBe(captures.length);
    for (const e of generated.filter((x) => x.warningOffset !== undefined)) {
      expect(summary!.warnings.filter((w) => w.startsWith(`${e.path}: offset ${e.warningOffset}: `))).toHaveLength(1);
    }
  }, 90_000);

  it('scan of the real tool captures: exit 0, no finding', () => {
    if (real.length === 0) return; // reported by the real-tool tests above
    const r = run(['scan', path.join(tmp, 'real'), '--format', 'jsonl']);
    noStack(r.stderr);
    expect(r.status).toBe(0);
    expect(lines(r.stdout).filter((l) => l.type === 'finding')).toEqual([]);
  }, 60_000);

  it('single files: a damaged one warns and exits 0, a non-capture exits 2 cleanly, a miner trips --exit-code, stdin works', () => {
    const cut = generated.find((e) => e.kind === 'damaged' && e.warningOffset !== undefined && !e.name.endsWith('.gz')) as Expectation;
    let r = run(['scan', cut.path, '--format', 'jsonl']);
    noStack(r.stderr);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`"offset":${cut.warningOffset}`);

    const text = generated.find((e) => e.kind === 'not-capture') as Expectation;
    r = run(['scan', text.path, '--format', 'jsonl']);
    noStack(r.stderr);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(text.path);

    const miners = generated.filter((e) => e.kind === 'mining');
    const gz = miners.find((e) => e.name.endsWith('.gz')) as Expectation;
    r = run(['scan', gz.path, '--format', 'jsonl', '--exit-code', '3']);
    noStack(r.stderr);
    expect(r.status).toBe(3);
    expect(lines(r.stdout).filter((l) => l.type === 'finding')).toHaveLength(1);

    const be = miners.find((e) => e.name.includes('pcapng-be')) as Expectation;
    r = run(['scan', '-', '--format', 'jsonl'], fs.readFileSync(be.path));
    noStack(r.stderr);
    expect(r.status).toBe(0);
    const f = lines(r.stdout).filter((l) => l.type === 'finding');
    expect(f.map((l) => `${l.host} -> ${l.pool}:${l.poolPort}`)).toEqual(['10.1.2.3 -> 198.51.100.7:3333']);

    // gzip through stdin, as in `zcat`-less pipelines: `cat capture.pcapng.gz | poolwatch scan -`.
    r = run(['scan', '-', '--format', 'jsonl'], fs.readFileSync(gz.path));
    noStack(r.stderr);
    expect(r.status).toBe(0);
    expect(lines(r.stdout).filter((l) => l.type === 'finding')).toHaveLength(1);
  }, 60_000);
});
