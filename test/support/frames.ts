import { join } from 'node:path';
import { Frame } from '../../src/capture/frame';
import { expandInputs, readCapture } from '../../src/capture/read';
import { packageRoot } from '../../src/paths';
import { rng } from './random';

/** Every frame of every capture committed under pcaps/, each copied into its own buffer. */
export async function committedFrames(): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (const input of expandInputs([join(packageRoot(), 'pcaps')])) {
    try {
      await readCapture(input.path, {
        frame: (f) => {
          const copy = new Frame();
          copy.data = Buffer.from(f.data.subarray(f.offset, f.offset + f.capLength));
          copy.capLength = f.capLength;
          copy.origLength = f.origLength;
          copy.linkType = f.linkType;
          frames.push(copy);
        },
      }, () => {});
    } catch {
      // Not a capture (notes, generators): nothing to compare.
    }
  }
  return frames;
}

/** Each sample cut at every captured length from 0 to whole, once for each count of bytes lost on the wire. */
export function* truncations(samples: Buffer[], wireExtras: number[] = [0]): Generator<Frame> {
  for (const bytes of samples) {
    for (let cap = 0; cap <= bytes.length; cap++) {
      for (const extra of wireExtras) {
        const f = new Frame();
        // Bytes past the captured length must never be read as the frame's.
        f.data = Buffer.concat([bytes, Buffer.alloc(5, 0xee)]);
        f.capLength = cap;
        f.origLength = cap + extra;
        yield f;
      }
    }
  }
}

/**
 * `count` frames drawn from `frames` with one to three bytes of their first 80
 * (the headers, where decoders decide) set at random, then cut at a random
 * length; a share `otherLinks` of them is labelled with a non-Ethernet link type.
 * One Frame is reused: use each before asking for the next.
 */
export function* corrupted(frames: Frame[], seed: number, count: number, otherLinks = 0): Generator<Frame> {
  const random = rng(seed);
  const f = new Frame();
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(frames[Math.floor(random() * frames.length)].data);
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) bytes[Math.floor(random() * Math.min(bytes.length, 80))] = Math.floor(random() * 256);
    f.data = bytes;
    f.capLength = Math.floor(random() * (bytes.length + 1));
    f.origLength = random() < 0.5 ? f.capLength : bytes.length + 100;
    f.linkType = random() < otherLinks ? 113 : 1;
    yield f;
  }
}
