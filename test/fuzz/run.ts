/**
 * Runs the fuzzer outside jest, for long campaigns and for looking at one mutant:
 *   node dist/test/fuzz/run.js                      # POOLWATCH_FUZZ_* variables as in the test
 *   node dist/test/fuzz/run.js --write 17 m.pcap    # mutant 17 of POOLWATCH_FUZZ_SEED, to a file
 * Prints the summary line and every failure; exits 1 when a failure is not a known bug.
 */
import * as fs from 'node:fs';
import { packageRoot } from '../../src/paths';
import { failureText, optionsFromEnv, runFuzz, summaryLine } from './harness';
import { describeMutant, loadBases, makeMutant } from './mutant';

async function main(argv: string[]): Promise<number> {
  const root = packageRoot();
  const opts = await optionsFromEnv(root, 5000);
  if (argv[0] === '--write') {
    const index = Number(argv[1]);
    const out = argv[2];
    if (!Number.isInteger(index) || out === undefined) {
      process.stderr.write('usage: run.js --write INDEX FILE\n');
      return 2;
    }
    const m = makeMutant(opts.seed, index, loadBases(root));
    fs.writeFileSync(out, m.bytes);
    process.stdout.write(`${describeMutant(m)}\n`);
    return 0;
  }
  let last = Date.now();
  const r = await runFuzz({
    ...opts,
    progress: (done) => {
      if (Date.now() - last < 30_000) return;
      last = Date.now();
      process.stderr.write(`fuzz: ${done} of ${opts.mutants} mutants\n`);
    },
  });
  for (const f of r.failures) process.stdout.write(failureText(r, f) + '\n');
  for (const s of r.slow) process.stdout.write(`slow: mutant ${s.index} passed the ${opts.timeoutMs} ms watchdog, then finished alone in ${s.ms} ms\n`);
  process.stdout.write(summaryLine(r) + '\n');
  return r.failures.some((f) => f.known === null) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
