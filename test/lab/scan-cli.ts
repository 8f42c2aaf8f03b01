/**
 * Runs poolwatch's CLI on a capture and returns its JSON-lines report, for
 * the lab tests. In the normal build (`npx tsc -p .`, tests under dist/test)
 * this is exactly `node bin/poolwatch.js scan FILE --format jsonl`; in a
 * private build (scripts/dev-test.sh, no bin/ beside it) the same entry point
 * is called from the CLI module compiled next to these tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/paths';
import type { ExpectedFinding } from '../../pcaps/lab/scenarios';

export interface ScanResult {
  findings: Record<string, unknown>[];
  summary: Record<string, unknown> | undefined;
  status: number | null;
  stderr: string;
}

export function scanCapture(file: string, timeoutMs = 60_000): ScanResult {
  const root = packageRoot();
  const mainJs = resolve(__dirname, '../../src/cli/main.js');
  const bin = join(root, 'bin', 'poolwatch.js');
  const sameBuild = existsSync(bin) && resolve(root, 'dist', 'src', 'cli', 'main.js') === mainJs;
  const argv = ['scan', file, '--format', 'jsonl'];
  const r = sameBuild
    ? spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: timeoutMs, cwd: root })
    : spawnSync(
        process.execPath,
        ['-e', `require(${JSON.stringify(mainJs)}).main(process.argv.slice(1)).then((c)=>{process.exitCode=c},(e)=>{console.error(e);process.exitCode=2})`, '--', ...argv],
        { encoding: 'utf8', timeout: timeoutMs, cwd: root },
      );
  const lines = (r.stdout ?? '')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    findings: lines.filter((l) => l.type === 'finding'),
    summary: lines.length && lines[lines.length - 1].type === 'summary' ? lines[lines.length - 1] : undefined,
    status: r.status,
    stderr: r.stderr ?? '',
  };
}

/** Asserts that one finding matches a manifest expectation (fields the expectation leaves out are not checked). */
export function expectFinding(findings: Record<string, unknown>[], exp: ExpectedFinding): void {
  const f = findings.find((x) => x.host === exp.host && x.pool === exp.pool && x.poolPort === exp.poolPort);
  if (!f) throw new Error(`no finding for ${exp.host} -> ${exp.pool}:${exp.poolPort}; got ${JSON.stringify(findings.map((x) => [x.host, x.pool, x.poolPort, x.protocol]))}`);
  const scalar: Record<string, unknown> = { protocol: exp.protocol };
  for (const k of ['domain', 'login', 'worker', 'agent'] as const) if (exp[k] !== undefined) scalar[k] = exp[k];
  expect(f).toMatchObject(scalar);
  expect(['high', 'medium', 'low']).toContain(f.confidence);
  expect(Array.isArray(f.evidence) && (f.evidence as unknown[]).length > 0).toBe(true);
  if (exp.algorithms) expect(f.algorithms).toEqual(expect.arrayContaining(exp.algorithms));
  if (exp.sharesSubmittedAtLeast !== undefined) expect(f.sharesSubmitted).toBeGreaterThanOrEqual(exp.sharesSubmittedAtLeast);
}
