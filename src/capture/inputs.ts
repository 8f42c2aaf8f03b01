/**
 * Lists the inputs of a scan: files as named, folders walked, stdin. A path that
 * cannot be listed is a problem to report, not a reason to skip the others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureFormatError } from './frame';

/** A system error's reason without Node's code and path decoration ("permission denied"). */
export function systemReason(e: unknown): string {
  const m = /^[A-Z0-9_]+: (.*?)(?:, \w+(?: '.*')?)?$/s.exec((e as Error).message ?? String(e));
  return m !== null ? m[1] : String((e as Error).message ?? e);
}

/** An input that could not be listed: a missing path, an unreadable folder. */
export interface InputProblem {
  path: string;
  /** "FILE: reason", as CaptureFormatError words it. */
  message: string;
  /** Named on the command line (a usage error) rather than found in a folder walk (a warning). */
  explicit: boolean;
}

export interface Input {
  path: string;
  explicit: boolean;
}

function walk(dir: string, out: Input[], seen: Set<string>, problems: InputProblem[], named: boolean): void {
  let names: string[];
  try {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return; // symlink loop
    seen.add(real);
    names = fs.readdirSync(dir);
  } catch (e) {
    problems.push({ path: dir, message: `${dir}: cannot read folder: ${systemReason(e)}`, explicit: named });
    return;
  }
  // Byte order, not locale order, so every machine lists the same sequence.
  names = names.filter((n) => !n.startsWith('.'));
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const n of names) {
    const p = path.join(dir, n);
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue; // dangling symlink
    }
    if (st.isDirectory()) walk(p, out, seen, problems, false);
    else if (st.isFile()) out.push({ path: p, explicit: false });
  }
}

/**
 * Expands the command line's inputs: files as given, folders walked recursively
 * (sorted, hidden entries skipped), '-' for stdin. A file is listed once even
 * if it is named twice or also found in a folder.
 *
 * With `problems`, a missing path or an unreadable folder is added there and the
 * rest is still listed; without it the first one throws CaptureFormatError.
 */
export function expandInputs(paths: string[], problems?: InputProblem[]): Input[] {
  const found: InputProblem[] = problems ?? [];
  const out: Input[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push({ path: p, explicit: true });
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      found.push({ path: p, message: `${p}: ${code === 'ENOENT' ? 'no such file or directory' : systemReason(e)}`, explicit: true });
      continue;
    }
    if (st.isDirectory()) walk(p, out, new Set(), found, true);
    else out.push({ path: p, explicit: true });
  }
  if (problems === undefined && found.length > 0) throw new CaptureFormatError(found[0].path, found[0].message.slice(found[0].path.length + 2));
  const firstAt = new Map<string, number>();
  const unique: Input[] = [];
  for (const e of out) {
    const key = e.path === '-' ? '-' : path.resolve(e.path);
    const at = firstAt.get(key);
    if (at === undefined) {
      firstAt.set(key, unique.length);
      unique.push(e);
    } else if (e.explicit) {
      unique[at].explicit = true;
    }
  }
  return unique;
}
