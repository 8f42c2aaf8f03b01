/**
 * Shrinks a failing mutant to a small regression capture for test/fuzz/found/:
 *   node dist/test/fuzz/minimize.js SEED INDEX OUT.pcap [--threaded]
 * Drops packet records (halves, then quarters, down to single records) while
 * the same failure (kind and first line of the message) still happens, then
 * cuts the file's tail. Each try runs in the watchdogged child, as the fuzzer does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/paths';
import { isPacket, parseCapture, writeCapture, type Capture } from './framing';
import { describeMutant, loadBases, makeMutant, type Mutant } from './mutant';
import { FuzzChild, type Answer } from './process';

const TIMEOUT_MS = 5000;
const KILL_RSS_MB = 450;
const RSS_LIMIT_MB = 200;

/** What a failure is, without the file name: two tries fail "the same way" when these agree. */
export function signature(a: Answer): string | null {
  if (a.kind === 'hang' || a.kind === 'rss') return a.kind;
  if (a.kind === 'exit') return `exit ${a.code} ${a.signal}`;
  if (a.maxRssKb / 1024 > RSS_LIMIT_MB) return 'rss';
  const r = a.result;
  if (r.outcome === 'crash' || r.outcome === 'bad-error') return `${r.outcome}: ${(r.message ?? '').split('\n')[0].replace(/(?<=^|\s)\/[^\s:]+/g, 'FILE')}`;
  if (r.outcome === 'differs') return 'differs';
  if (r.controls !== null) return 'controls';
  if (r.forged !== null) return 'forged';
  return null;
}

class Tester {
  private child: FuzzChild | null = null;
  readonly file: string;
  tries = 0;

  constructor(
    private readonly root: string,
    private readonly m: Mutant,
    private readonly threaded: boolean,
  ) {
    this.file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-fuzz-min-')), 'try');
  }

  async failure(bytes: Buffer): Promise<string | null> {
    this.tries++;
    fs.writeFileSync(this.file, bytes);
    if (this.child === null || !this.child.alive) this.child = await FuzzChild.start(this.root, 0);
    const a = await this.child.request({ type: 'file', file: this.file, options: this.m.analyzer, chunkSize: this.m.chunkSize, threaded: this.threaded }, TIMEOUT_MS, KILL_RSS_MB);
    // Every try in a fresh process: a peak RSS or a half-broken state must not carry over.
    this.child.kill();
    this.child = null;
    return signature(a);
  }

  close(): void {
    this.child?.kill();
    fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}

async function shrinkRecords(c: Capture, want: string, t: Tester): Promise<Capture> {
  let n = c.records.filter(isPacket).length;
  for (let size = Math.max(1, Math.floor(n / 2)); size >= 1; size = Math.floor(size / 2)) {
    for (let from = 0; from < n; ) {
      const packets = c.records.filter(isPacket);
      const drop = new Set(packets.slice(from, from + size));
      const trial: Capture = { ...c, records: c.records.filter((r) => !drop.has(r)) };
      if ((await t.failure(writeCapture(trial))) === want) {
        c = trial;
        n -= drop.size;
      } else {
        from += size;
      }
    }
  }
  return c;
}

export async function minimize(root: string, seed: number, index: number, threaded = false): Promise<{ bytes: Buffer; failure: string; mutant: string; tries: number }> {
  const m = makeMutant(seed, index, loadBases(root));
  const t = new Tester(root, m, threaded);
  try {
    const want = await t.failure(m.bytes);
    if (want === null) throw new Error(`mutant ${index} of seed ${seed} does not fail when scanned alone`);
    let bytes = m.bytes;
    let c = m.gzip ? null : parseCapture(bytes);
    if (c !== null && writeCapture(c).equals(bytes)) {
      c = await shrinkRecords(c, want, t);
      bytes = writeCapture(c);
      if (c.trailing.length > 0 && (await t.failure(writeCapture({ ...c, trailing: Buffer.alloc(0) }))) === want) bytes = writeCapture({ ...c, trailing: Buffer.alloc(0) });
    }
    // The shortest prefix that still fails the same way (failures depend on a prefix of the input far more often than not).
    let lo = 1;
    let hi = bytes.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await t.failure(bytes.subarray(0, mid))) === want) hi = mid;
      else lo = mid + 1;
    }
    if ((await t.failure(bytes.subarray(0, hi))) === want) bytes = bytes.subarray(0, hi);
    return { bytes, failure: want, mutant: describeMutant(m), tries: t.tries };
  } finally {
    t.close();
  }
}

if (require.main === module) {
  const [seed, index, out, flag] = process.argv.slice(2);
  if (seed === undefined || index === undefined || out === undefined) {
    process.stderr.write('usage: minimize.js SEED INDEX OUT [--threaded]\n');
    process.exitCode = 2;
  } else {
    // --threaded: compare with the threaded scan too (a "differs" failure).
    minimize(packageRoot(), Number(seed), Number(index), flag === '--threaded').then(
      (r) => {
        fs.writeFileSync(out, r.bytes);
        process.stdout.write(`${out}: ${r.bytes.length} bytes, ${r.failure}\nfrom: ${r.mutant}\n(${r.tries} tries)\n`);
      },
      (e: unknown) => {
        process.stderr.write(`minimize: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
