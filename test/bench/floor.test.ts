import { join } from 'node:path';
import { scanPasses } from '../../bench/floor';
import { repoRoot } from '../../bench/common';

describe('scanPasses', () => {
  it('scans a capture several times in one process, each pass with a fresh analyzer reading every packet and finding the same', async () => {
    const passes = await scanPasses(join(repoRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap'), 3);
    expect(passes).toHaveLength(3);
    for (const p of passes) {
      expect(p.packets).toBe(12);
      expect(p.cpuS).toBeGreaterThan(0);
    }
    const first = passes[0].findings.trim().split('\n').map((l) => JSON.parse(l) as { type: string; login?: string | null });
    expect(first).toHaveLength(1);
    expect(first[0].type).toBe('finding');
    // Each pass starts from nothing: state an earlier pass left behind would change what a later one reports.
    expect(passes[1].findings).toBe(passes[0].findings);
    expect(passes[2].findings).toBe(passes[0].findings);
  });
});
