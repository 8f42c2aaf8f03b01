import { Worker } from 'node:worker_threads';
import { VerdictReader, VerdictWriter, createVerdicts, type VerdictBuffers } from '../../src/shard/verdicts';
import { rng } from '../support/random';

/** Reads every verdict on another thread (as an analysis thread does) and sends them all back. */
function readOnThread(buffers: VerdictBuffers, failAfter = -1): Promise<number[][]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { VerdictReader } = require(${JSON.stringify(require.resolve('../../src/shard/verdicts'))});
    const r = new VerdictReader(workerData.buffers);
    const got = [];
    for (let kind = r.next(); kind !== -1; kind = r.next()) {
      got.push([kind, r.hash, r.check, r.capLength]);
      if (got.length === workerData.failAfter) { r.fail(); break; }
    }
    parentPort.postMessage(got);
  `;
  const worker = new Worker(code, { eval: true, workerData: { buffers, failAfter } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('verdict ring', () => {
  test('carries every verdict in order across many wraps of a small ring, with a writer that waits for room', async () => {
    const buffers = createVerdicts(1024);
    const reading = readOnThread(buffers);
    const random = rng(7);
    const sent: number[][] = [];
    const w = new VerdictWriter(buffers);
    for (let i = 0; i < 50_000; i++) {
      const v = [Math.floor(random() * 16), (random() * 2 ** 32) | 0, (random() * 2 ** 32) | 0, Math.floor(random() * 65536)];
      sent.push(v);
      w.put(v[0], v[1], v[2], v[3]);
    }
    w.close();
    expect(await reading).toEqual(sent);
  });

  test('a reader that stops early makes a waiting writer fail instead of hanging', async () => {
    const buffers = createVerdicts(1024);
    const reading = readOnThread(buffers, 10);
    const w = new VerdictWriter(buffers);
    expect(() => {
      for (let i = 0; i < 100_000; i++) w.put(1, i, i, 60);
    }).toThrow('analysis thread failed');
    expect((await reading).length).toBe(10);
  });

  test('an empty, closed ring reads as done at once', () => {
    const buffers = createVerdicts(1024);
    new VerdictWriter(buffers).close();
    expect(new VerdictReader(buffers).next()).toBe(-1);
  });

  test('ring sizes must be powers of two', () => {
    expect(() => createVerdicts(1000)).toThrow('power of two');
  });
});
