import { Worker } from 'node:worker_threads';
import { Frame } from '../../src/capture/frame';
import { FrameReader, FrameWriter, createFrameRing, frameLimit, type FrameRingBuffers } from '../../src/shard/frame-ring';
import { rng } from '../support/random';

interface Seen {
  capLength: number;
  origLength: number;
  linkType: number;
  tsSec: number;
  tsNsec: number;
  hex: string;
}

/** Reads every frame on another thread (as an analysis thread does) and sends them all back. */
function readOnThread(buffers: FrameRingBuffers, failAfter = -1): Promise<Seen[]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { FrameReader } = require(${JSON.stringify(require.resolve('../../src/shard/frame-ring'))});
    const r = new FrameReader(workerData.buffers);
    const got = [];
    while (r.next()) {
      const f = r.frame;
      got.push({ capLength: f.capLength, origLength: f.origLength, linkType: f.linkType, tsSec: f.tsSec, tsNsec: f.tsNsec,
        hex: f.data.subarray(f.offset, f.offset + f.capLength).toString('hex') });
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

describe('frame ring', () => {
  test('carries every frame, bytes and fields, in order across many wraps of a small ring, with a writer that waits for room', async () => {
    const buffers = createFrameRing(64 * 1024);
    const reading = readOnThread(buffers);
    const random = rng(11);
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(random() * 256);
    const sent: Seen[] = [];
    const w = new FrameWriter(buffers);
    const f = new Frame();
    f.data = chunk;
    for (let i = 0; i < 5000; i++) {
      // Sizes from empty to the ring's limit, at odd offsets in the reader's chunk.
      f.capLength = i % 97 === 0 ? frameLimit(buffers) : Math.floor(random() * 1600);
      f.offset = Math.floor(random() * (chunk.length - f.capLength));
      f.origLength = f.capLength + (i % 3);
      f.linkType = i % 300;
      f.tsSec = 1_700_000_000 + i;
      f.tsNsec = Math.floor(random() * 1e9);
      expect(w.put(f)).toBe(i + 1);
      sent.push({ capLength: f.capLength, origLength: f.origLength, linkType: f.linkType, tsSec: f.tsSec, tsNsec: f.tsNsec, hex: chunk.subarray(f.offset, f.offset + f.capLength).toString('hex') });
    }
    w.close();
    expect(await reading).toEqual(sent);
  });

  test('a reader that stops early makes a waiting writer fail instead of hanging', async () => {
    const buffers = createFrameRing(16 * 1024);
    const reading = readOnThread(buffers, 10);
    const w = new FrameWriter(buffers);
    const f = new Frame();
    f.data = Buffer.alloc(600);
    f.capLength = 600;
    expect(() => {
      for (let i = 0; i < 100_000; i++) w.put(f);
    }).toThrow('analysis thread failed');
    expect((await reading).length).toBe(10);
  });

  test('an empty, closed ring reads as done at once; frames past the limit are refused', () => {
    const buffers = createFrameRing(16 * 1024);
    const w = new FrameWriter(buffers);
    const f = new Frame();
    f.data = Buffer.alloc(16 * 1024);
    f.capLength = frameLimit(buffers) + 1;
    expect(() => w.put(f)).toThrow('does not fit');
    w.close();
    expect(new FrameReader(buffers).next()).toBe(false);
  });
});
