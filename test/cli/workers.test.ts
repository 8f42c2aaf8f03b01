import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { runCli } from '../support/cli';

/** The report without its timing, which is the one field that may differ between runs. */
function report(args: string[], input?: Buffer): string {
  const r = runCli(args, input);
  expect(r.status).toBe(0);
  return r.stdout.replace(/"seconds":[0-9.e+-]+/, '"seconds":0');
}

describe('scan --workers', () => {
  test('two and three threads report exactly what one does', () => {
    const pcaps = join(packageRoot(), 'pcaps');
    const one = report(['scan', pcaps, '-f', 'jsonl']);
    expect(one.split('\n').filter((l) => l.includes('"type":"finding"')).length).toBeGreaterThan(2);
    expect(report(['scan', pcaps, '-f', 'jsonl', '--workers', '2'])).toBe(one);
    expect(report(['scan', pcaps, '-f', 'jsonl', '--workers', '3'])).toBe(one);
  });

  test('stdin too: only the decoding thread reads the input', () => {
    const file = join(packageRoot(), 'pcaps', 'real', 'xmrig-tls.pcap');
    const one = report(['scan', file, '-f', 'jsonl']);
    const piped = report(['scan', '-', '-f', 'jsonl', '--workers', '2'], readFileSync(file));
    expect(piped.split('\n').filter((l) => l.includes('"type":"finding"')).length).toBe(1);
    expect(piped.replace(/"file":"[^"]*"/g, '')).toBe(one.replace(/"file":"[^"]*"/g, ''));
  });
});
