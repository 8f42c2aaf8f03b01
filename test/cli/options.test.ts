import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { parseJsonl, runCli } from '../support/cli';

const sample = join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap');
const maxWorkers = Math.max(2, availableParallelism());

/** A usage error: exit 2, within a few seconds, and stderr says what, with no Node error text. */
function refused(args: string[], ...expected: (string | RegExp)[]): string {
  const started = Date.now();
  const r = runCli(args);
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const first = r.stderr.split('\n')[0];
  for (const e of expected) expect(first).toMatch(e);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:|RangeError|internal error/);
  return first;
}

describe('numeric options are checked at the command line', () => {
  test('--max-flows: not a number (it used to spin forever), zero, a fraction', () => {
    expect(refused(['scan', sample, '--max-flows', 'abc'], '--max-flows', "'abc'")).toBe(`poolwatch: --max-flows: 'abc' is not a whole number (expected 1..16777216)`);
    refused(['scan', sample, '--max-flows', '0'], '--max-flows', /\b0\b.*out of range/);
    refused(['scan', sample, '--max-flows', '1.5'], '--max-flows', '1.5', 'not a whole number');
    refused(['scan', sample, '--max-flows', '99999999999'], '--max-flows', 'out of range');
  });

  test('--workers: zero, absurd, more than this machine has CPUs, a fraction', () => {
    refused(['scan', sample, '--workers', '0'], '--workers', 'out of range', `1..${maxWorkers}`);
    refused(['scan', sample, '--workers', '1e9'], '--workers', '1000000000', 'out of range');
    refused(['scan', sample, '--workers', String(maxWorkers + 1)], '--workers', String(maxWorkers + 1), 'CPUs');
    refused(['scan', sample, '-w', '64'], '--workers', '64');
    refused(['scan', sample, '--workers', '1.5'], '--workers', 'not a whole number');
  });

  test('--idle-timeout, --inspect-bytes and --max-line-bytes', () => {
    refused(['scan', sample, '--idle-timeout', '-5'], '--idle-timeout', '-5', 'out of range');
    refused(['scan', sample, '--idle-timeout', '0'], '--idle-timeout', 'out of range');
    refused(['scan', sample, '--idle-timeout', 'soon'], '--idle-timeout', "'soon'", 'not a number of seconds');
    refused(['scan', sample, '--inspect-bytes', '-1'], '--inspect-bytes', '-1', 'out of range');
    refused(['scan', sample, '--max-line-bytes', '10'], '--max-line-bytes', '10', 'out of range', '256..16777216');
    refused(['scan', sample, '--max-line-bytes', 'big'], '--max-line-bytes', "'big'");
  });

  test('--exit-code refuses what is no status, what collides with 0, 1 and 2, and above 125', () => {
    refused(['scan', sample, '--exit-code', 'abc'], '--exit-code', "'abc'", 'not a whole number');
    refused(['scan', sample, '--exit-code', '300'], '--exit-code', '300', 'out of range (expected 3..125)');
    refused(['scan', sample, '--exit-code', '126'], '--exit-code', '126', 'out of range');
    refused(['scan', sample, '--exit-code', '1'], '--exit-code', 'internal failure');
    refused(['scan', sample, '--exit-code', '2'], '--exit-code', 'usage error');
    refused(['scan', sample, '--exit-code', '0'], '--exit-code', 'nothing to report');
    refused(['scan', sample, '--exit-code', '-3'], '--exit-code', 'out of range');
  });

  test('an option given twice, or without its value', () => {
    refused(['scan', sample, '--workers', '1', '--workers', '2'], '--workers given 2 times');
    refused(['scan', sample, '--max-flows'], 'max-flows');
  });

  test("live's shared options are checked the same way, before any capture starts", () => {
    refused(['live', '-i', 'lo', '--max-flows', 'abc'], '--max-flows', "'abc'");
    refused(['live', '-i', 'lo', '--idle-timeout', '-5'], '--idle-timeout', '-5');
    refused(['live', '-i', 'lo', '--inspect-bytes', '-1'], '--inspect-bytes', '-1');
  });

  test('a hostile option value is shown neutralised and cut short', () => {
    const first = refused(['scan', sample, '--max-flows', `\x1b]52;c;${'A'.repeat(5000)}\x07`], '--max-flows');
    expect(first).toContain('\\x1b]52;c;');
    expect(first).not.toContain('\x1b');
    expect(first.length).toBeLessThan(200);
  });

  test('values in range are taken, and change the scan', () => {
    const r = runCli(['scan', sample, '-f', 'jsonl', '--max-flows', '1000', '--idle-timeout', '0.5', '--inspect-bytes', '4096', '--max-line-bytes', '1024', '--workers', '2', '--exit-code', '3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
    expect(parseJsonl(r.stdout).findings).toHaveLength(1);
    // A line cap below the sample's login line: the login is not read, nothing flagged, so no --exit-code either.
    const blind = runCli(['scan', sample, '-f', 'jsonl', '--max-line-bytes', '256', '--exit-code', '3']);
    expect(blind.status).toBe(0);
    expect(parseJsonl(blind.stdout).findings).toHaveLength(0);
  });
});
