/**
 * The hash rate of the real XMRig sessions under pcaps/real/ and the sample: each is either a
 * number whose interval holds the rate the miner measured itself (when the manifest records
 * it), or "too few shares". The lab's XMRig runs one RandomX light-mode thread for a few
 * seconds and sends 2-3 shares, so today every one of them must say "too few shares".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { readCapture } from '../../src/capture/read';
import { loadSignatures } from '../../src/detect/signatures';
import { packageRoot } from '../../src/paths';
import type { Finding } from '../../src/report/finding';

const sigs = loadSignatures();

async function scanFile(path: string): Promise<Finding[]> {
  const a = new Analyzer(sigs, DEFAULT_ANALYZER_OPTIONS);
  await readCapture(path, { frame: (f) => a.frame(f) }, () => {});
  return a.finish();
}

interface Entry {
  file: string;
  program: string;
  observed?: { sharesSubmitted?: number; minerSeconds?: number; minerHashrate?: number };
}

const real = join(packageRoot(), 'pcaps', 'real');
const manifest = JSON.parse(readFileSync(join(real, 'manifest.json'), 'utf8')) as { captures: Entry[] };
const miners = manifest.captures.filter((c) => c.program === 'XMRig');

describe.each(miners.map((c) => [c.file, c] as const))('%s', (file, entry) => {
  test('a rate only with an interval holding the miner\'s own measurement, else "too few shares"', async () => {
    const findings = await scanFile(join(real, file));
    const mining = findings.filter((f) => f.sharesAccepted > 0);
    // Over TLS the shares are not visible; everywhere else the stand-in pool accepted some.
    if (findings.every((f) => f.protocol === 'tls')) expect(findings[0].hashrateNote).toBe('shares are not visible in tls traffic');
    else expect(mining.length).toBeGreaterThan(0);
    for (const f of mining) {
      if (f.hashrate === null) {
        expect(f.hashrateNote).toMatch(/^too few shares \(\d+ in [\d.]+ s;|difficulty of the accepted shares was not seen/);
        expect(f.hashrateLow).toBeNull();
        expect(f.hashrateHigh).toBeNull();
      } else {
        // A number needs the miner's side to check it against.
        expect(entry.observed?.minerHashrate).toBeDefined();
        expect(f.hashrateLow!).toBeLessThanOrEqual(entry.observed!.minerHashrate!);
        expect(f.hashrateHigh!).toBeGreaterThanOrEqual(entry.observed!.minerHashrate!);
      }
      // The time connected is never longer than the recording.
      expect(f.miningSeconds).toBeLessThanOrEqual((entry.observed?.minerSeconds ?? Infinity) + 1);
    }
  });
});

test('the sample: two shares 11 ms apart are "too few shares", not 1.82 MH/s', async () => {
  const [f] = await scanFile(join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap'));
  expect(f.sharesAccepted).toBe(2);
  expect(f.hashrate).toBeNull();
  expect(f.hashrateNote).toBe('too few shares (2 in 0.011 s; an estimate needs at least 5 over 60 s)');
  // Two shares at difficulty 10000 (CryptoNote: hashes per share).
  expect(f.work).toBe(20000);
});

test('the lab client on Stratum v1 (318 TH/s before): no algorithm named, so no rate', async () => {
  const [f] = await scanFile(join(real, 'stratum1-client.pcap'));
  expect(f.protocol).toBe('stratum-v1');
  expect(f.sharesAccepted).toBe(4);
  expect(f.hashrate).toBeNull();
  expect(f.work).toBeNull();
  expect(f.hashrateNote).toMatch(/does not say the algorithm/);
});
