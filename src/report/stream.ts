/**
 * Streaming report for `live`: a JSON line the moment a finding is made, a new
 * line for the same pair each time it grows, and the full report when capture
 * ends. Lines go out with one write(2) each (no stream buffer to lose on a
 * crash), so a SIEM shipper tailing the file sees every line as it is made.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { safeJson } from './escape';
import type { Finding, Summary } from './finding';

/** Why a line could not be written (ENOSPC, EIO, EPIPE, ...). */
export interface WriteFailure {
  code: string;
  message: string;
}

/**
 * One line per write(2), blocking, to a file descriptor. A line that fails
 * (disk full, I/O error, reader gone) is counted, reported through `onError`,
 * and never left half-written in a regular file (cut back to where it began);
 * later lines are still tried, so writing resumes once space is freed.
 */
export class LineWriter {
  linesWritten = 0;
  linesFailed = 0;
  /** The first failure, then the latest. */
  firstFailure: WriteFailure | null = null;
  lastFailure: WriteFailure | null = null;
  private regular: boolean;
  /** A line on a pipe or terminal was cut off: the next one starts on a fresh line. */
  private brokenLine = false;
  private closed = false;

  constructor(
    readonly name: string,
    private fd: number,
    private readonly ownsFd: boolean,
    private readonly onError: (f: WriteFailure, writer: LineWriter) => void = () => undefined,
  ) {
    let regular = false;
    try {
      regular = fstatSync(fd).isFile();
    } catch {
      /* checked again on the first write */
    }
    this.regular = regular;
  }

  /** Appends to a file (made if missing; a restart never clobbers earlier lines), or stdout when path is undefined. */
  static open(path: string | undefined, onError?: (f: WriteFailure, writer: LineWriter) => void): LineWriter {
    if (path === undefined || path === '-') return new LineWriter('stdout', 1, false, onError);
    return new LineWriter(path, openSync(path, 'a'), true, onError);
  }

  /** Writes one line (with its newline); false when it could not be written. */
  write(line: string): boolean {
    if (this.closed) return false;
    const bytes = Buffer.from(this.brokenLine ? `\n${line}` : line, 'utf8');
    let start = -1;
    let off = 0;
    try {
      if (this.regular) start = fstatSync(this.fd).size;
      while (off < bytes.length) {
        try {
          off += writeSync(this.fd, bytes, off, bytes.length - off);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
          // stdout set non-blocking by someone else, and its reader is behind: wait for it.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
        }
      }
      this.brokenLine = false;
      this.linesWritten++;
      return true;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (off > 0) {
        if (start >= 0) {
          try {
            ftruncateSync(this.fd, start);
          } catch {
            this.brokenLine = true;
          }
        } else this.brokenLine = true;
      }
      this.fail({ code: err.code ?? 'EIO', message: err.message });
      return false;
    }
  }

  /**
   * Opens the file again by its name and closes the old descriptor (SIGHUP after
   * logrotate moved the file away). Only for files this writer opened.
   */
  reopen(): void {
    if (!this.ownsFd || this.closed) return;
    const fd = openSync(this.name, 'a');
    const old = this.fd;
    this.fd = fd;
    this.regular = fstatSync(fd).isFile();
    this.brokenLine = false;
    try {
      fsyncSync(old);
    } catch {
      /* what could not reach the old file was counted when it was written */
    }
    closeSync(old);
  }

  get failed(): boolean {
    return this.linesFailed > 0;
  }

  /** Flushes the file to disk and closes it; a failure there is a failure too (delayed allocation, NFS). */
  close(): boolean {
    if (this.closed) return !this.failed;
    this.closed = true;
    let ok = true;
    if (this.regular) {
      try {
        fsyncSync(this.fd);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        this.linesFailed++;
        this.fail({ code: err.code ?? 'EIO', message: err.message }, false);
        ok = false;
      }
    }
    if (this.ownsFd) {
      try {
        closeSync(this.fd);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        this.fail({ code: err.code ?? 'EIO', message: err.message }, false);
        ok = false;
      }
    }
    return ok && !this.failed;
  }

  private fail(f: WriteFailure, count = true): void {
    if (count) this.linesFailed++;
    this.firstFailure ??= f;
    this.lastFailure = f;
    this.onError(f, this);
  }
}

/** The lines of a stream: one per record, and the summary at the end or not. */
export interface StreamFormat {
  line(record: StreamRecord): string;
  summary: boolean;
}

/** poolwatch's own JSON lines: the finding's fields with `event`, then the summary line. */
export const JSON_LINES: StreamFormat = { line: (record) => safeJson(record) + '\n', summary: true };

/** What a streamed line says about its finding. */
export type StreamEvent = 'new' | 'update' | 'final';

export type StreamRecord = Finding & { event: StreamEvent };

/** A finding's identity across updates: the pair, or for a lookup alone the host and domain. */
export function findingKey(f: Finding): string {
  return `${f.host}|${f.pool ?? ''}|${f.poolPort ?? ''}|${f.poolPort === null ? (f.domain ?? '') : ''}`;
}

/**
 * Decides which lines to write: `new` the first time a pair is reported,
 * `update` whenever anything in it changed since its last line, nothing when
 * it is the same; `final` for every finding at the end, then the summary.
 */
export class FindingStream {
  private readonly last = new Map<string, string>();
  newCount = 0;
  updateCount = 0;

  constructor(
    private readonly out: LineWriter,
    /** Called after a `new` line is written (alerts). */
    private readonly onNew: (record: StreamRecord, line: string) => void = () => undefined,
    /** How a record becomes a line, and whether the summary ends the stream (EVE has no summary record). */
    private readonly format: StreamFormat = JSON_LINES,
  ) {}

  /** A finding as it now stands (made, or grown). Returns the event written, or null when nothing changed. */
  found(f: Finding): StreamEvent | null {
    const key = findingKey(f);
    const state = JSON.stringify(f);
    const prev = this.last.get(key);
    if (prev === state) return null;
    this.last.set(key, state);
    const event: StreamEvent = prev === undefined ? 'new' : 'update';
    const { type, ...rest } = f;
    const record: StreamRecord = { type, event, ...rest };
    const line = this.format.line(record);
    this.out.write(line);
    if (event === 'new') {
      this.newCount++;
      this.onNew(record, line);
    } else this.updateCount++;
    return event;
  }

  /** Every finding as it stands (periodic): lines only for the ones that changed. */
  refresh(findings: Finding[]): void {
    for (const f of findings) this.found(f);
  }

  /** The full report: every finding as `final`, then the summary line. False if any line failed. */
  final<S extends Summary>(findings: Finding[], summary: S): boolean {
    let ok = true;
    for (const f of findings) {
      const { type, ...rest } = f;
      const record: StreamRecord = { type, event: 'final', ...rest };
      ok = this.out.write(this.format.line(record)) && ok;
    }
    return (this.format.summary ? this.out.write(safeJson(summary) + '\n') : true) && ok;
  }
}
