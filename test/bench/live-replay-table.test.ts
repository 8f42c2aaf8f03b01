/**
 * The live benchmark's table: medians over rounds, ratios judged against the
 * issue's targets at each rate, and loss reported only where a program saw
 * fewer packets than were sent or the kernel counted drops.
 */
import { renderTable, type Result } from '../../bench/live-replay';

const sent = (pps: number) => ({ sent: 300_000, failed: 0, seconds: 300_000 / pps, pps, mbps: 0 });

function result(): Result {
  const us: { [tool: string]: number[][] } = {
    // per rate (20k, 50k), per round
    live: [[1.4, 1.6, 1.5], [1.0, 1.2, 1.1]],
    tcpdump: [[0.9, 0.8, 0.85], [0.8, 0.8, 0.8]],
    scan: [[0.7, 0.75, 0.74], [0.7, 0.75, 0.74]],
    ndpiReader: [[4, 4.5, 4.2], [3.2, 3.3, 3.4]],
  };
  const samples: Result['samples'] = [];
  for (const [tool, perRate] of Object.entries(us)) {
    [20_000, 50_000].forEach((rate, i) =>
      perRate[i].forEach((u, round) =>
        samples.push({ tool: tool as 'live', round, rate, sent: tool === 'scan' ? null : sent(rate), cpuS: (u * 300_000) / 1e6, usPerPacket: u, sleepsPerS: 100, threads: [] }),
      ),
    );
  }
  return {
    date: '2026-12-04T21:00:00.000Z',
    command: 'node dist/bench/live-replay.js',
    packets: 300_000,
    rates: [20_000, 50_000],
    rounds: 3,
    loop: 5,
    machine: { loadavgStart: [1, 1, 1], loadavgEnd: [2, 2, 2] },
    samples,
    ends: [
      { tool: 'live', round: 0, sent: 900_000, end: { seen: 900_000, dropped: 0, workers: [], findings: [] } },
      { tool: 'ndpiReader', round: 0, sent: 900_000, end: { seen: 850_000, dropped: null, workers: [], findings: null } },
      { tool: 'tcpdump', round: 0, sent: 900_000, end: { seen: 900_000, dropped: null, workers: [], findings: null } },
    ],
    tops: [],
  };
}

describe('renderTable', () => {
  it('prints medians with their spread, and judges each ratio against its target at each rate', () => {
    const t = renderTable(result());
    expect(t).toContain('| poolwatch live (1 worker) | 1.500 (13 %, 20.0 k sent) | 1.100 (18 %, 50.0 k sent) |');
    expect(t).toContain('| poolwatch scan (file) | 0.740 (7 %, file) | 0.740 (7 %, file) |');
    // 1.5 / 0.74 = 2.03 at 20 kpps, 1.1 / 0.74 = 1.49 at 50 kpps.
    expect(t).toContain('| live ÷ scan (target <= 1.5) | 2.03 NOT met | 1.49 met |');
    expect(t).toContain('| live ÷ tcpdump (target <= 1.5) | 1.76 NOT met | 1.38 met |');
    expect(t).toContain('| live ÷ ndpiReader (target <= 0.5) | 0.36 met | 0.33 met |');
    expect(t).toContain('| live --workers 2 ÷ scan | - | - |');
  });

  it('reports loss only for a program that saw fewer packets than were sent or counted kernel drops', () => {
    const t = renderTable(result());
    expect(t).toContain('Loss in fixed-rate runs: ndpiReader round 1: saw 850000 of 900000, kernel drops n/a.');
    const clean = result();
    clean.ends = clean.ends.filter((e) => e.tool !== 'ndpiReader');
    expect(renderTable(clean)).toContain('Every capturing program saw every packet sent');
    clean.ends[0].end.dropped = 3;
    expect(renderTable(clean)).toContain('live round 1: saw 900000 of 900000, kernel drops 3');
  });
});
