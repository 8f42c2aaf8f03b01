/**
 * Reading signature folders and files, and the errors that name them: a
 * folder, a FIFO, a device or an oversized file where a list was expected,
 * or one that cannot be opened, is a one-line SignatureError with the file's
 * name, never a stack trace, and never the file's raw bytes.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { excerpt, forTerminal } from '../escape';

/**
 * A signature folder or file that cannot be used, as one line naming the file
 * (and line): neutralised for a terminal (a file or folder name is the
 * user's, a bad value may be anything), values in it cut by `q`.
 */
export class SignatureError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(forTerminal(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`));
    this.name = 'SignatureError';
  }
}

/** A bad value as an error message quotes it: neutralised and cut (a 50 MB line gives a short message). */
export function q(value: string): string {
  return excerpt(value, 80);
}

/**
 * Largest signature file read. The shipped lists are a few KiB and a
 * million-entry site list tens of MiB; a bigger file is a capture or a log
 * put in the wrong folder, refused from its size before any of it is read.
 */
export const MAX_SIGNATURE_FILE_BYTES = 64 * 1024 * 1024;

/** A plain phrase for a failed open, read or folder listing (the error's own text repeats the path, raw). */
function ioProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or folder (or a broken link)';
    case 'ENOTDIR':
      return 'not a folder';
    case 'EISDIR':
      return 'a folder, not a file';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EIO':
      return 'input/output error';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENAMETOOLONG':
      return 'name too long';
    default:
      return code === undefined ? 'unknown error' : `error ${q(code)}`;
  }
}

/**
 * One signature file's text. Opened without blocking (a FIFO put in the
 * folder would wait for a writer forever), checked with fstat on the open
 * descriptor (no race with a rename), refused unless a regular file within
 * MAX_SIGNATURE_FILE_BYTES, and read only up to that limit should it grow.
 */
export function readSignatureFile(path: string, file: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new SignatureError(file, 0, `cannot open: ${ioProblem(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new SignatureError(file, 0, 'not a regular file: a folder');
    if (!st.isFile()) throw new SignatureError(file, 0, 'not a regular file');
    const limit = MAX_SIGNATURE_FILE_BYTES;
    const tooBig = `over the limit of ${limit / (1024 * 1024)} MiB for a signature file`;
    if (st.size > limit) throw new SignatureError(file, 0, `${st.size} bytes, ${tooBig}`);
    let buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n > limit) throw new SignatureError(file, 0, `grew while read, ${tooBig}`);
        const bigger = Buffer.allocUnsafe(Math.min(n * 2, limit + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.toString('utf8', 0, n);
  } catch (e) {
    if (e instanceof SignatureError) throw e;
    throw new SignatureError(file, 0, `cannot read: ${ioProblem(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** The names in a signature folder, sorted. */
export function listSignatureFolder(dir: string, shown: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw new SignatureError(shown, 0, `cannot read signature folder: ${ioProblem(e)}`);
  }
}
