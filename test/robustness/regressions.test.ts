/**
 * Small files the corpus run found mishandled, kept under pcaps/corpus/regressions/
 * with what an independent reader (Wireshark's capinfos/tshark) gets from them.
 */
import * as path from 'node:path';
import { readCapture } from '../../src/capture/read';
import type { CaptureWarning } from '../../src/capture/frame';
import { packageRoot } from '../../src/paths';

const DIR = path.join(packageRoot(), 'pcaps', 'corpus', 'regressions');

interface Case {
  file: string;
  why: string;
  packets: number;
  /** Captured bytes of every frame, in order. */
  capLengths: number[];
}

const CASES: Case[] = [
  {
    file: 'pcap-2.2-swapped-lengths.pcap',
    why: 'pcap before 2.3 stores the record lengths the other way round (wire length first); libpcap and Wireshark swap them back',
    packets: 8,
    capLengths: [54, 54, 54, 91, 96, 54, 54, 54],
  },
];

describe('corpus regressions', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.why}`, async () => {
      const caps: number[] = [];
      const warnings: CaptureWarning[] = [];
      const r = await readCapture(path.join(DIR, c.file), { frame: (f) => void caps.push(f.capLength) }, (w) => warnings.push(w));
      expect(warnings).toEqual([]);
      expect(r.packets).toBe(c.packets);
      expect(caps).toEqual(c.capLengths);
    });
  }
});
