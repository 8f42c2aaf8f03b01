import { LEVEL_HIGH } from '../../../../src/detect/evidence';
import { line, run, splitAt, Step } from '../../jsonrpc/support';

describe('Grin', () => {
  const G: Step[] = [
    [0, line({ id: '0', jsonrpc: '2.0', method: 'login', params: { login: 'grin1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq.rig', pass: 'password', agent: 'grin-miner' } })],
    [1, line({ id: '0', jsonrpc: '2.0', method: 'login', result: 'ok', error: null })],
    [0, line({ id: '1', jsonrpc: '2.0', method: 'getjobtemplate', params: null })],
    [1, line({ id: '1', jsonrpc: '2.0', method: 'getjobtemplate', result: { difficulty: 4, height: 13726, job_id: 4, pre_pow: '0001000000000000' + 'ab'.repeat(100) } })],
    [1, line({ id: 'Stratum', jsonrpc: '2.0', method: 'job', params: { difficulty: 8, height: 16375, job_id: 5, pre_pow: '00010000' + 'cd'.repeat(100) } })],
    [0, line({ id: '2', jsonrpc: '2.0', method: 'submit', params: { height: 16375, job_id: 5, nonce: 8895699060858340771, pow: [4210040, 10141596, 13269632] } })],
    [1, line({ id: '2', jsonrpc: '2.0', method: 'submit', result: 'ok', error: null })],
    [0, line({ id: '3', jsonrpc: '2.0', method: 'submit', params: { height: 16375, job_id: 5, nonce: 1, pow: [1, 2, 3] } })],
    [1, line({ id: '3', jsonrpc: '2.0', method: 'submit', error: { code: -32503, message: 'Solution submitted too late' } })],
    [0, line({ id: '4', jsonrpc: '2.0', method: 'keepalive', params: null })],
    [1, line({ id: '4', jsonrpc: '2.0', method: 'keepalive', result: 'ok', error: null })],
  ];

  test('login, template, job, submits', () => {
    const r = run(G);
    const ev = r.ev;
    expect(ev.protocol).toBe('grin');
    expect(ev.level).toBe(LEVEL_HIGH);
    expect(ev.minerDirection).toBe(0);
    expect(ev.agent).toBe('grin-miner');
    expect(ev.minerSoftware).toBe('grin-miner');
    expect(ev.coin).toBe('GRIN');
    expect(ev.worker).toBe('rig');
    expect(ev.jobs).toBe(2);
    expect(ev.difficulty).toBe(8);
    expect(ev.sharesSubmitted).toBe(2);
    expect(ev.sharesAccepted).toBe(1);
    expect(ev.sharesRejected).toBe(1);
    expect(ev.acceptedWork).toBe(8);
  });

  test('split at every byte position', () => {
    for (let k = 1; k < 220; k += 1) {
      const r = run(G, splitAt(k));
      expect([r.ev.protocol, r.ev.sharesAccepted, r.ev.sharesRejected, r.ev.jobs]).toEqual(['grin', 1, 1, 2]);
    }
  });
});
