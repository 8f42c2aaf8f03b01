import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENCAPSULATIONS, captureBytes, fileName } from '../../pcaps/encap/generate';
import { packageRoot } from '../../src/paths';
import { parseJsonl, runCli } from '../support/cli';

const dir = join(packageRoot(), 'pcaps', 'encap');

describe('every link type and mirror encapsulation, end to end', () => {
  test('the committed captures are exactly what the generator makes', () => {
    for (const e of ENCAPSULATIONS) expect(readFileSync(join(dir, fileName(e))).equals(captureBytes(e))).toBe(true);
  });

  test('scanning them finds the one XMRig session inside each capture', () => {
    const r = runCli(['scan', ...ENCAPSULATIONS.map((e) => join(dir, fileName(e))), '-f', 'jsonl']);
    expect(r.status).toBe(0);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(summary.files).toBe(ENCAPSULATIONS.length);
    expect(summary.warnings).toEqual([]);
    // v4 and v6 sessions: one finding each per address pair, flows summed over the captures.
    const v4 = findings.find((f) => f.host === '10.1.2.3');
    const v6 = findings.find((f) => f.host === '2001:db8:10::3');
    expect(findings).toHaveLength(2);
    const v6Count = ENCAPSULATIONS.filter((e) => e.client !== undefined).length;
    expect(v4).toMatchObject({ pool: '198.51.100.7', poolPort: 3333, protocol: 'cryptonote', confidence: 'high', flows: ENCAPSULATIONS.length - v6Count, minerSoftware: 'XMRig' });
    expect(v6).toMatchObject({ pool: '2001:db8:66::7', poolPort: 3333, protocol: 'cryptonote', confidence: 'high', flows: v6Count });
    expect(summary.packets).toBe(ENCAPSULATIONS.length * 8);
  });
});
