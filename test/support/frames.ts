import { join } from 'node:path';
import { Frame } from '../../src/capture/frame';
import { expandInputs, readCapture } from '../../src/capture/read';
import { packageRoot } from '../../src/paths';

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
