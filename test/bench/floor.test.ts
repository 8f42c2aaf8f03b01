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
    const lines = passes[0].report.trim().split('\n').map((l) => JSON.parse(l) as { type: string; packets?: number });
    expect(lines.map((l) => l.type)).toEqual(['finding', 'summary']);
    expect(lines[1].packets).toBe(12);
    // Each pass starts from nothing: state an earlier pass left behind would change what a later one reports.
    expect(passes[1].report).toBe(passes[0].report);
    expect(passes[2].report).toBe(passes[0].report);
  });
});
