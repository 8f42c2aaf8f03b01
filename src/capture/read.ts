/**
 * Reads capture files: picks the format by magic bytes, unwraps gzip, and feeds
 * one reused chunk buffer to the format parser. Plain files are read with
 * readSync in large chunks (no stream or promise per chunk); stdin and gzip go
 * through a stream but end in the same buffer and parser.
 */
import * as fs from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureFormatError, type CaptureWarning, type FrameSink } from './frame';
import { systemReason } from './inputs';
import type { RecordParser } from './parser';
import { PcapParser, isPcapMagic } from './pcap';
import { PcapngParser, isPcapngMagic } from './pcapng';

export interface ReadResult {
  packets: number;
  /** Captured bytes of all frames delivered. */
  bytes: number;
  /** Reading stopped because `ReadOptions.signal` was aborted; the record being read was left out. */
  interrupted?: boolean;
}

export interface ReadOptions {
  /** Bytes per read (default 512 KiB); the buffer grows when one record is larger. */
  chunkSize?: number;
  /** Read through buffers another thread can see, which parses the same bytes (`scan --workers`). */
  sharing?: ChunkSharing;
  /**
   * Stops reading between chunks when aborted (SIGINT during a scan): the frames read so far
   * stay delivered and the result says `interrupted`. With a signal, a plain file's read
   * loop lets the event loop run now and then, so that a signal handler can abort it.
   */
  signal?: AbortSignal;
}

/**
 * Lets a second thread run its own parser over exactly the bytes this reader
 * parses, with no copy: the reader continues in a fresh buffer instead of
 * moving the unparsed tail within one, and says what it is about to parse.
 */
export interface ChunkSharing {
  /** A buffer of at least `bytes` to go on in; the one before it is no longer written to. */
  take(bytes: number): Buffer;
  /** The parser is about to run over buf[pos, end); `base` is the input offset of buf[0]; `first` starts an input. */
  parsing(buf: Buffer, pos: number, end: number, base: number, first: boolean): void;
}

/**
 * 512 KiB, not the 8-16 MiB one might expect: the chunk is parsed right after
 * readSync copies it in, and the smaller it is, the more of it is still in
 * cache when the analyzer reads its headers. Reading and parsing alone hardly
 * cares about the size in the middle of the range (bench/readers.ts --sweep),
 * but the whole analyzer takes more CPU with every doubling above this, and
 * very large chunks slow even the parse (bench/README.md has the figures).
 */
export const DEFAULT_CHUNK_SIZE = 512 * 1024;
/** How stdin is named in frames and warnings. */
export const STDIN_NAME = '<stdin>';
const MIN_CHUNK_SIZE = 16;

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The parser for a capture that starts with `head`. */
export function parserFor(name: string, head: Buffer, sink: FrameSink, onWarning: (w: CaptureWarning) => void): RecordParser {
  if (head.length === 0) throw new CaptureFormatError(name, 'empty file');
  if (head.length < 4) throw new CaptureFormatError(name, 'truncated file header');
  if (isPcapMagic(head)) return new PcapParser(name, sink, onWarning);
  if (isPcapngMagic(head)) return new PcapngParser(name, sink, onWarning);
  throw new CaptureFormatError(name, `not a pcap or pcapng capture (starts with ${head.subarray(0, 4).toString('hex')})`);
}

/** The one buffer a file is read through, and the unparsed bytes in it. */
class Chunk {
  buf: Buffer;
  pos = 0;
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  parser: RecordParser | null = null;
  private first = true;

  constructor(
    size: number,
    private readonly sharing: ChunkSharing | null,
  ) {
    this.buf = sharing === null ? Buffer.allocUnsafe(size) : sharing.take(size);
  }

  /** Moves the unparsed tail to the front and grows the buffer if the pending record does not fit. */
  prepare(): void {
    if (this.sharing !== null) {
      this.moveOn(this.sharing);
      return;
    }
    if (this.pos > 0) {
      if (this.end > this.pos) this.buf.copy(this.buf, 0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    const need = this.parser === null ? 4 : this.parser.need;
    if (need > this.buf.length || this.end === this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.end);
      this.buf = grown;
    }
  }

  /** Shared buffers stay as parsed: the tail goes to the start of the next one. */
  private moveOn(sharing: ChunkSharing): void {
    const need = this.parser === null ? 4 : this.parser.need;
    if (this.pos === 0 && need <= this.buf.length && this.end < this.buf.length) return;
    const next = sharing.take(this.pos === 0 ? Math.max(need, this.buf.length * 2) : need);
    this.buf.copy(next, 0, this.pos, this.end);
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
    this.buf = next;
  }

  parse(): void {
    if (this.parser === null) return;
    if (this.sharing !== null) {
      this.sharing.parsing(this.buf, this.pos, this.end, this.base, this.first);
      this.first = false;
    }
    this.pos = this.parser.parse(this.buf, this.pos, this.end, this.base);
  }

  finish(): ReadResult {
    const parser = this.parser as RecordParser;
    parser.finish(this.end - this.pos, this.base + this.pos);
    return { packets: parser.packets, bytes: parser.bytes };
  }
}

/** How often, at most, a plain file's synchronous read loop lets signal handlers run. */
const YIELD_MS = 25;

/** Opens through the thread pool: opening a FIFO waits for its writer, and signal handlers must run meanwhile. */
function openAsync(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'r', (e, fd) => (e ? reject(e) : resolve(fd))));
}

function isFifo(file: string): boolean {
  try {
    return fs.statSync(file).isFIFO();
  } catch {
    return false; // the open says why
  }
}

/**
 * A named FIFO as a socket-like stream read through the event loop, as stdin is when it is a
 * pipe. Opened without blocking (a blocking open waits for a writer) and never read in the
 * thread pool: a read left pending there on a FIFO nobody writes to would keep the process
 * from ending after a stop, since libuv joins its threads at exit.
 */
function openFifo(file: string): Readable {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw new CaptureFormatError(file, `cannot open: ${systemReason(e)}`);
  }
  // Required here only: a scan of plain files never loads the net module.
  const net = require('node:net') as typeof import('node:net');
  return new net.Socket({ fd, readable: true, writable: false });
}

/** Resolves to 'stop' when `signal` aborts; `off` removes its listener. */
function whenAborted(signal: AbortSignal | null): { stopped: Promise<'stop'> | null; off: () => void } {
  if (signal === null) return { stopped: null, off: () => undefined };
  let listener: (() => void) | null = null;
  const stopped = new Promise<'stop'>((resolve) => {
    if (signal.aborted) return resolve('stop');
    listener = () => resolve('stop');
    signal.addEventListener('abort', listener, { once: true });
  });
  return { stopped, off: () => listener !== null && signal.removeEventListener('abort', listener) };
}

/**
 * Reads one capture (a path, or '-' for stdin) and hands every frame to `sink`.
 * Bad records end the file with a warning; a file that is not a capture at all
 * throws CaptureFormatError. An exception thrown by the sink stops reading and
 * propagates (files are closed first), so a sink can abort early.
 *
 * The input is opened once: a FIFO or device is read as a stream from that one
 * descriptor (its head sniffed from the same stream), a plain file with readSync.
 */
export async function readCapture(file: string, sink: FrameSink, onWarning: (w: CaptureWarning) => void, options: ReadOptions = {}): Promise<ReadResult> {
  const chunkSize = Math.max(MIN_CHUNK_SIZE, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const sharing = options.sharing ?? null;
  const signal = options.signal ?? null;
  if (signal?.aborted) return { packets: 0, bytes: 0, interrupted: true };
  if (file === '-') return readStream(STDIN_NAME, process.stdin, sink, onWarning, chunkSize, false, sharing, signal);
  if (isFifo(file)) return readStream(file, openFifo(file), sink, onWarning, chunkSize, false, sharing, signal);
  let fd: number;
  let st: fs.Stats;
  const abort = whenAborted(signal);
  try {
    const opening = openAsync(file);
    const got = abort.stopped === null ? await opening : await Promise.race([opening, abort.stopped]);
    if (got === 'stop') {
      // A FIFO nobody writes to: the open stays pending; close it if it ever completes.
      opening.then((late) => fs.close(late, () => undefined), () => undefined);
      return { packets: 0, bytes: 0, interrupted: true };
    }
    fd = got;
    st = fs.fstatSync(fd);
  } catch (e) {
    throw new CaptureFormatError(file, `cannot open: ${systemReason(e)}`);
  } finally {
    abort.off();
  }
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new CaptureFormatError(file, 'is a directory');
  }
  if (!st.isFile()) {
    // A character device (or a FIFO put in place since the check): one stream over the descriptor already open.
    return readStream(file, fs.createReadStream(file, { fd, highWaterMark: 1024 * 1024 }), sink, onWarning, chunkSize, false, sharing, signal);
  }
  let streamed = false;
  try {
    const c = new Chunk(chunkSize, sharing);
    for (;;) {
      const n = fs.readSync(fd, c.buf, c.end, c.buf.length - c.end, null);
      c.end += n;
      if (n === 0 || c.end >= 4) break;
    }
    const head = c.buf.subarray(0, Math.min(c.end, 4));
    if (isGzip(head)) {
      // gzip: decompress as a stream (from the start of the same descriptor) so a large capture never sits in memory whole.
      streamed = true;
      const input = fs.createReadStream(file, { fd, start: 0, highWaterMark: 1024 * 1024 });
      return await readStream(file, input, sink, onWarning, chunkSize, false, sharing, signal);
    }
    c.parser = parserFor(file, head, sink, onWarning);
    c.parse();
    let yielded = Date.now();
    while (!c.parser.done) {
      if (signal !== null) {
        if (Date.now() - yielded >= YIELD_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          yielded = Date.now();
        }
        if (signal.aborted) return { packets: c.parser.packets, bytes: c.parser.bytes, interrupted: true };
      }
      c.prepare();
      let n: number;
      try {
        n = fs.readSync(fd, c.buf, c.end, c.buf.length - c.end, null);
      } catch (e) {
        if (!c.parser.headerDone) throw new CaptureFormatError(file, `read failed: ${systemReason(e)}`);
        onWarning({ file, offset: c.base + c.end, message: `read failed: ${systemReason(e)}` });
        return { packets: c.parser.packets, bytes: c.parser.bytes };
      }
      if (n === 0) break;
      c.end += n;
      c.parse();
    }
    return c.finish();
  } finally {
    if (!streamed) fs.closeSync(fd);
  }
}

/** Waits until `input` has data, has ended or has failed. */
function readable(input: Readable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      input.off('readable', done);
      input.off('end', done);
      input.off('close', done);
      input.off('error', done);
      resolve();
    };
    input.on('readable', done);
    input.on('end', done);
    input.on('close', done);
    input.on('error', done);
  });
}

/** The first `n` bytes (fewer at end of input), pushed back so the stream still starts with them; null when stopped first. */
async function peek(input: Readable, n: number, stopped: Promise<'stop'> | null): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < n) {
    const piece = input.read() as Buffer | null;
    if (piece !== null) {
      parts.push(piece);
      have += piece.length;
      continue;
    }
    if (input.errored) throw input.errored;
    if (input.readableEnded || input.destroyed) break;
    if (stopped === null) await readable(input);
    else if ((await Promise.race([readable(input), stopped])) === 'stop') return null;
  }
  const head = Buffer.concat(parts);
  if (head.length > 0) input.unshift(head);
  return head;
}

/** Reads a stream (stdin, or a gzip file / stdin through gunzip) through the same chunk parser. */
async function readStream(
  name: string,
  input: Readable,
  sink: FrameSink,
  onWarning: (w: CaptureWarning) => void,
  chunkSize: number,
  gunzipped: boolean,
  sharing: ChunkSharing | null,
  signal: AbortSignal | null,
): Promise<ReadResult> {
  let head: Buffer | null;
  const waiting = whenAborted(signal);
  try {
    head = await peek(input, 4, waiting.stopped);
  } catch (e) {
    input.destroy();
    throw new CaptureFormatError(name, `${gunzipped ? 'gzip data unreadable' : 'cannot read'}: ${systemReason(e)}`);
  } finally {
    waiting.off();
  }
  if (head === null) {
    input.destroy();
    return { packets: 0, bytes: 0, interrupted: true };
  }
  if (isGzip(head) && !gunzipped) {
    const gunzip = createGunzip();
    // Errors of either side surface on gunzip's iterator; the callback only stops Node complaining.
    pipeline(input, gunzip, () => undefined);
    return readStream(name, gunzip, sink, onWarning, chunkSize, true, sharing, signal);
  }
  const c = new Chunk(chunkSize, sharing);
  let parser: RecordParser;
  try {
    parser = parserFor(name, head, sink, onWarning);
  } catch (e) {
    input.destroy();
    throw e;
  }
  c.parser = parser;
  const pieces = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const abort = whenAborted(signal);
  let stopped = false;
  try {
    while (!parser.done) {
      let next: IteratorResult<Buffer> | 'stop';
      try {
        if (abort.stopped === null) next = await pieces.next();
        else {
          const piece = pieces.next();
          // Left pending when the stop wins; its end (or error) then concerns nobody.
          piece.catch(() => undefined);
          next = await Promise.race([piece, abort.stopped]);
        }
      } catch (e) {
        // For gzip the offset counts decompressed bytes: that is where records live.
        const what = gunzipped ? 'gzip data broken or cut short (offset in decompressed data)' : 'read failed';
        if (!parser.headerDone) throw new CaptureFormatError(name, `${what}: ${systemReason(e)}`);
        onWarning({ file: name, offset: c.base + c.pos, message: `${what}: ${systemReason(e)}` });
        return { packets: parser.packets, bytes: parser.bytes };
      }
      if (next === 'stop') {
        stopped = true;
        return { packets: parser.packets, bytes: parser.bytes, interrupted: true };
      }
      if (next.done) return c.finish();
      const piece = next.value;
      let from = 0;
      while (from < piece.length && !parser.done) {
        c.prepare();
        const n = piece.copy(c.buf, c.end, from);
        c.end += n;
        from += n;
        c.parse();
      }
    }
    return { packets: parser.packets, bytes: parser.bytes };
  } finally {
    abort.off();
    // Stops the source when we end early (bad record, sink abort); a no-op after the end. After a
    // stop, a read may still be pending on a FIFO: destroy without waiting for it.
    if (stopped) input.destroy();
    else await pieces.return?.();
  }
}

// Listing inputs lives in inputs.ts; its names are exported from here as they always were.
export { expandInputs, systemReason, type Input, type InputProblem } from './inputs';
