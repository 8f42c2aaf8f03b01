import { CaptureFormatError, type CaptureWarning, type FrameSink } from './capture/frame';
import { readCapture, type ReadOptions } from './capture/read';

export interface InputsResult {
  files: number;
  /** Damage found in captures (file and byte offset), and named inputs that are not captures. */
  warnings: string[];
  /** Files a folder walk found that are not captures (notes, scripts): skipped, not an error. */
  skipped: string[];
  /** An input named on the command line was not a capture. */
  usageError: boolean;
  /** Messages for inputs that could not be read at all. */
  errors: string[];
}

/**
 * Reads every input into one sink (an analyzer, or the reader of `--workers`): a bad record ends its file with a
 * warning; a file that is not a capture is an error when it was named, and
 * skipped with a warning when a folder walk found it.
 */
export async function scanInputs(inputs: { path: string; explicit: boolean }[], sink: FrameSink, onWarning: (w: CaptureWarning) => void, options: ReadOptions = {}): Promise<InputsResult> {
  const result: InputsResult = { files: 0, warnings: [], skipped: [], usageError: false, errors: [] };
  for (const input of inputs) {
    try {
      await readCapture(input.path, sink, (w) => {
        result.warnings.push(`${w.file}: offset ${w.offset}: ${w.message}`);
        onWarning(w);
      }, options);
      result.files++;
    } catch (e) {
      if (!(e instanceof CaptureFormatError)) throw e;
      if (input.explicit) {
        result.usageError = true;
        result.errors.push(e.message);
        result.warnings.push(e.message);
      } else {
        result.skipped.push(input.path);
      }
    }
  }
  return result;
}
