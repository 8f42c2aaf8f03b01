import { CaptureFormatError, type CaptureWarning, type FrameSink } from './capture/frame';
import type { InputProblem } from './capture/inputs';
import { readCapture, type ReadOptions } from './capture/read';

export interface InputsResult {
  files: number;
  /** Damage found in captures (file and byte offset), and named inputs that are not captures. */
  warnings: string[];
  /** Files a folder walk found that are not captures (notes, scripts): skipped, not an error. */
  skipped: string[];
  /** An input named on the command line was missing or not a capture. */
  usageError: boolean;
  /** Messages for inputs that could not be read at all. */
  errors: string[];
  /** Reading stopped early (ReadOptions.signal): the inputs after the one being read were not read. */
  interrupted: boolean;
}

/**
 * Reads every input into one sink (an analyzer, or the reader of `--workers`): a bad record ends its file with a
 * warning; a file that is not a capture is an error when it was named, and
 * skipped with a warning when a folder walk found it.
 */
export async function scanInputs(
  inputs: { path: string; explicit: boolean }[],
  sink: FrameSink,
  onWarning: (w: CaptureWarning) => void,
  options: ReadOptions = {},
): Promise<InputsResult> {
  const result: InputsResult = { files: 0, warnings: [], skipped: [], usageError: false, errors: [], interrupted: false };
  for (const input of inputs) {
    if (options.signal?.aborted) {
      result.interrupted = true;
      break;
    }
    try {
      const r = await readCapture(input.path, sink, (w) => {
        result.warnings.push(`${w.file}: offset ${w.offset}: ${w.message}`);
        onWarning(w);
      }, options);
      result.files++;
      if (r.interrupted === true) {
        result.interrupted = true;
        break;
      }
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

/**
 * Adds the inputs that could not even be listed (expandInputs' problems) to a result, first:
 * a named one is an error (exit 2), a folder found in a walk a warning.
 */
export function addProblems(result: InputsResult, problems: InputProblem[]): void {
  result.warnings.unshift(...problems.map((p) => p.message));
  const named = problems.filter((p) => p.explicit).map((p) => p.message);
  result.errors.unshift(...named);
  if (named.length > 0) result.usageError = true;
}
