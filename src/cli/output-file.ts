/**
 * Writing a report to a path the user named (`scan -o`, `live --report`) without ever
 * replacing something that is not a regular file.
 *
 * - A regular file, or nothing yet: written to a temp file beside it and renamed over it, so
 *   a reader never sees half a report. The temp file is created exclusively (O_EXCL, which
 *   also refuses a symlink planted at its name) under a name drawn from crypto random bytes,
 *   mode 0600 while it is written, then given the mode the old file had, or the one a new
 *   file gets from the umask.
 * - A character device (/dev/null, /dev/stdout, a terminal) or a FIFO: opened as it is,
 *   without O_TRUNC or O_CREAT, and written in place. `-` is stdout.
 * - A symlink: followed to its real path, and that is treated as above (a regular target is
 *   replaced atomically, the link itself stays). A dangling symlink is refused: creating
 *   whatever it points to is what a planted link wants.
 * - A directory, block device or socket: refused.
 *
 * Opens go through the thread pool (fs.promises): opening a FIFO waits for its reader, and
 * the event loop, with the signal handlers, must keep running meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp, accessSync, lstatSync, realpathSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The output cannot be written; the message names the path and says why. */
export class OutputFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    /** The system error's code (EPIPE, ENOSPC, ...), when there was one. */
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'OutputFileError';
  }
}

/** How a path is to be written: atomically at `target` (regular or absent), in place, or stdout. */
export interface OutputPlan {
  kind: 'atomic' | 'in-place' | 'stdout';
  /** The path really written or replaced (a symlink's real target). */
  target: string;
  /** Permission bits of the file replaced, or null for a new file. */
  mode: number | null;
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EISDIR':
      return 'is a directory';
    case 'ENXIO':
      return 'no such device or address';
    case 'EPIPE':
      return 'broken pipe';
    default:
      return err.code !== undefined ? `${err.code.toLowerCase()}` : String(err.message ?? e);
  }
}

function kindOf(st: Stats): string | null {
  if (st.isDirectory()) return 'is a directory';
  if (st.isBlockDevice()) return 'is a block device; refusing to write a report into it';
  if (st.isSocket()) return 'is a socket';
  return null;
}

/** Checks the folder a new or replaced file goes into: it must exist and take new files. */
function checkFolder(path: string, target: string): void {
  const dir = dirname(target);
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new OutputFileError(path, `folder ${dir}: ${reason(e)}`);
  }
  if (!st.isDirectory()) throw new OutputFileError(path, `folder ${dir}: is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new OutputFileError(path, `folder ${dir}: ${reason(e)}`);
  }
}

/**
 * Decides how `path` will be written, and checks that it can be, without writing anything:
 * called before a scan starts so that a bad `-o` is found at once, not after the scan.
 */
export function planOutput(path: string): OutputPlan {
  if (path === '-') return { kind: 'stdout', target: '-', mode: null };
  if (path === '') throw new OutputFileError(path, 'empty file name');
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutputFileError(path, reason(e));
    checkFolder(path, path);
    return { kind: 'atomic', target: path, mode: null };
  }
  let target = path;
  if (st.isSymbolicLink()) {
    try {
      target = realpathSync(path);
      st = statSync(target);
    } catch (e) {
      throw new OutputFileError(path, `symlink to a missing or unreachable file (${reason(e)}); refusing to create its target`);
    }
  }
  const refused = kindOf(st);
  if (refused !== null) throw new OutputFileError(path, refused);
  if (st.isCharacterDevice() || st.isFIFO()) {
    try {
      accessSync(target, constants.W_OK);
    } catch (e) {
      throw new OutputFileError(path, reason(e));
    }
    return { kind: 'in-place', target, mode: null };
  }
  checkFolder(path, target);
  return { kind: 'atomic', target, mode: st.mode & 0o777 };
}

/** Writes all of `data` to an open descriptor. */
async function writeAll(handle: fsp.FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await handle.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

/** stdout, synchronously (it is a pipe, file or terminal, all written synchronously on Linux). */
function writeStdout(data: Buffer): void {
  let off = 0;
  while (off < data.length) {
    try {
      off += writeSync(1, data, off, data.length - off);
    } catch (e) {
      // A non-blocking stdout shared with another process: wait for room.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
  }
}

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(9).toString('base64url')}.tmp`);
}

async function writeAtomic(path: string, plan: OutputPlan, data: Buffer): Promise<void> {
  let handle: fsp.FileHandle | null = null;
  let tmp = '';
  for (let attempt = 0; handle === null; attempt++) {
    tmp = tempName(plan.target);
    try {
      handle = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      // Another file at a random name is someone else's; draw again rather than touch it.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 8) continue;
      throw new OutputFileError(path, `cannot create a temporary file in ${dirname(plan.target)}: ${reason(e)}`);
    }
  }
  let renamed = false;
  try {
    await writeAll(handle, data);
    await handle.sync();
    const umask = process.umask();
    await handle.chmod(plan.mode ?? 0o666 & ~umask);
    await handle.close();
    handle = null;
    await fsp.rename(tmp, plan.target);
    renamed = true;
  } catch (e) {
    throw new OutputFileError(path, reason(e), (e as NodeJS.ErrnoException).code);
  } finally {
    if (handle !== null) await handle.close().catch(() => undefined);
    if (!renamed) await fsp.unlink(tmp).catch(() => undefined);
  }
}

async function writeInPlace(path: string, plan: OutputPlan, data: Buffer): Promise<void> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(plan.target, constants.O_WRONLY | constants.O_NOCTTY);
  } catch (e) {
    throw new OutputFileError(path, reason(e));
  }
  try {
    // A device or FIFO swapped in for a regular file between check and open is still never truncated.
    await writeAll(handle, data);
  } catch (e) {
    throw new OutputFileError(path, reason(e), (e as NodeJS.ErrnoException).code);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Writes `text` as the whole content of `path` (see the top of this file for what each kind
 * of path gets). Throws OutputFileError, naming the path, when it cannot.
 */
export async function writeReportFile(path: string, text: string | Buffer, plan: OutputPlan = planOutput(path)): Promise<void> {
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  if (plan.kind === 'stdout') {
    try {
      writeStdout(data);
    } catch (e) {
      throw new OutputFileError('<stdout>', reason(e), (e as NodeJS.ErrnoException).code);
    }
    return;
  }
  if (plan.kind === 'in-place') return writeInPlace(path, plan, data);
  return writeAtomic(path, plan, data);
}
