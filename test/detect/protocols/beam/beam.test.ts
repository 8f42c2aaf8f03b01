import { VERDICT_MINING } from '../../../../src/detect/classifier';
import { LEVEL_HIGH } from '../../../../src/detect/evidence';
import { beamDifficulty } from '../../../../src/detect/protocols/beam/beam';
import { line, run, Step } from '../../jsonrpc/support';

describe('Beam', () => {
  // Field shapes as Beam's stratum server and miningcore's Beam pool use them.
  const INPUT = 'e4c2b5a6d7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192';
  const B: Step[] = [
    [0, line({ method: 'login', api_key: '8d1b8c5a2c9f4e0fa6b31e4c6a2d6f3b', id: 'login', jsonrpc: '2.0' })],
    [1, line({ id: 'login', code: 0, description: 'Login successful', nonceprefix: '6a1f', forkheight: 321321, method: 'result', jsonrpc: '2.0' })],
    [1, line({ id: '1719', height: 1183003, difficulty: 0x0b000000 | 0x400000, input: INPUT, method: 'job', jsonrpc: '2.0' })],
    [0, line({ method: 'solution', id: '1719', nonce: '6a1f3c5e7d9b0a12', output: 'ab'.repeat(104), jsonrpc: '2.0' })],
    [1, line({ id: '1719', code: 1, description: 'accepted', method: 'result', jsonrpc: '2.0' })],
  ];

  test('api_key login, job, solution accepted', () => {
    const r = run(B);
    const ev = r.ev;
    expect(ev.protocol).toBe('beam');
    expect(ev.coin).toBe('BEAM');
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.minerDirection).toBe(0);
    expect(ev.login).toBeNull(); // the api_key is a credential and is not kept
    expect(ev.jobs).toBe(1);
    expect(ev.difficulty).toBe(beamDifficulty(0x0b400000));
    expect(ev.sharesSubmitted).toBe(1);
    expect(ev.sharesAccepted).toBe(1);
    expect(r.last).toEqual([VERDICT_MINING, VERDICT_MINING]);
  });

  test('packed difficulty', () => {
    // order 24, mantissa 1.0 -> 2^24; order 0 -> 1 and a bit.
    expect(beamDifficulty(24 << 24)).toBe(2 ** 24);
    expect(beamDifficulty(0)).toBe(1);
    expect(beamDifficulty((25 << 24) | 0x800000)).toBe(1.5 * 2 ** 25);
  });
});
