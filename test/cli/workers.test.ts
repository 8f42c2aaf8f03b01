import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { runCli } from '../support/cli';

/** The report without its timing, which is the one field that may differ between runs. */
function report(args: string[]): string {
  const r = runCli(args);
  expect(r.status).toBe(0);
  return r.stdout.replace(/"seconds":[0-9.e+-]+/, '"seconds":0');
}

describe('scan --workers', () => {
  test('two and three worker threads report exactly what one does', () => {
    const pcaps = join(packageRoot(), 'pcaps');
    const one = report(['scan', pcaps, '-f', 'jsonl']);
    expect(one.split('\n').filter((l) => l.includes('"type":"finding"')).length).toBeGreaterThan(2);
    expect(report(['scan', pcaps, '-f', 'jsonl', '--workers', '2'])).toBe(one);
    expect(report(['scan', pcaps, '-f', 'jsonl', '--workers', '3'])).toBe(one);
  });
});
