import { Worker } from 'node:worker_threads';
import { WordRingReader, WordRingWriter, createWordRing, type WordRingBuffers } from '../../src/shard/word-ring';
import { rng } from '../support/random';

/** Reads every record on another thread (as an analysis thread does) and sends them all back. */
function readOnThread(buffers: WordRingBuffers, failAfter = -1): Promise<number[][]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { WordRingReader } = require(${JSON.stringify(require.resolve('../../src/shard/word-ring'))});
    const r = new WordRingReader(workerData.buffers);
    const got = [];
    for (let at = r.next(); at >= 0; at = r.next()) {
      got.push(Array.from(r.words.subarray(at, at + workerData.buffers.width)));
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

describe('word ring', () => {
  test('carries every record in order across many wraps of a small ring, with a writer that waits for room', async () => {
    const buffers = createWordRing(256, 3, 16);
    const reading = readOnThread(buffers);
    const random = rng(7);
    const sent: number[][] = [];
    const seqs: number[] = [];
    const w = new WordRingWriter(buffers);
    for (let i = 0; i < 50_000; i++) {
      const rec = [i, (random() * 2 ** 32) | 0, (random() * 2 ** 32) | 0];
      sent.push(rec);
      const at = w.begin();
      w.words.set(rec, at);
      seqs.push(w.commit());
    }
    w.close();
    expect(seqs).toEqual(sent.map((_, i) => i + 1));
    expect(await reading).toEqual(sent);
  });

  test('waitFinished returns once the reader has finished the record asked for', async () => {
    const buffers = createWordRing(64, 1);
    const reading = readOnThread(buffers);
    const w = new WordRingWriter(buffers);
    for (let i = 0; i < 10; i++) {
      w.words[w.begin()] = i;
      w.commit();
    }
    // The reader marks a record finished when it asks for the next one, so wait for all but the last.
    w.waitFinished(9);
    expect(w.finished()).toBeGreaterThanOrEqual(9);
    w.close();
    expect((await reading).length).toBe(10);
  });

  test('a reader that stops early makes a waiting writer fail instead of hanging', async () => {
    const buffers = createWordRing(64, 2);
    const reading = readOnThread(buffers, 10);
    const w = new WordRingWriter(buffers);
    expect(() => {
      for (let i = 0; i < 100_000; i++) {
        w.begin();
        w.commit();
      }
    }).toThrow('analysis thread failed');
    expect((await reading).length).toBe(10);
  });

  test('an empty, closed ring reads as done at once; sizes are powers of two', () => {
    const buffers = createWordRing(64, 4);
    new WordRingWriter(buffers).close();
    expect(new WordRingReader(buffers).next()).toBe(-1);
    expect(() => createWordRing(100, 4)).toThrow('powers of two');
  });
});
