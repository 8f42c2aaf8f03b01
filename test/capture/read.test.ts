import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CaptureFormatError, type Frame } from '../../src/capture/frame';
import { expandInputs, readCapture, systemReason, type InputProblem } from '../../src/capture/read';
import { writePcap, writePcapng } from '../../src/capture/writer';
import { cleanupTemp, collector, readAll, sampleRecords, tempDir, tempFile } from './collect';

afterAll(cleanupTemp);

const records = sampleRecords(30);
const pcapBytes = writePcap(records, { linkType: 1, nanos: true });
const pcapngBytes = writePcapng([
  { interfaces: [{ linkType: 1 }, { linkType: 101 }], records: records.slice(0, 20).map((r, i) => ({ ...r, interfaceId: i % 2 })) },
  { bigEndian: true, interfaces: [{ linkType: 113, tsresol: 9 }], records: records.slice(20) },
]);

describe('format and compression by magic bytes', () => {
  test('the file name does not matter', async () => {
    const asPcap = await readAll(tempFile(pcapngBytes, 'really-pcapng.pcap'));
    const asNg = await readAll(tempFile(pcapBytes, 'really-pcap.pcapng'));
    expect(asPcap.frames.map((f) => f.linkType).slice(0, 3)).toEqual([1, 101, 1]);
    expect(asNg.frames).toHaveLength(30);
    expect(asNg.frames[7].tsNs).toBe(records[7].tsNs);
  });

  test('gzip-compressed pcap and pcapng read like the plain files, at any chunk size', async () => {
    for (const bytes of [pcapBytes, pcapngBytes]) {
      const plain = await readAll(tempFile(bytes));
      const gzFile = tempFile(gzipSync(bytes), 'capture.bin');
      for (const chunkSize of [undefined, 16, 100]) {
        const got = await readAll(gzFile, { chunkSize });
        expect(got.warnings).toEqual([]);
        expect(got.frames.map((f) => ({ ...f, source: '' }))).toEqual(plain.frames.map((f) => ({ ...f, source: '' })));
        expect(got.frames[0].source).toBe(gzFile);
        expect(got.result).toEqual(plain.result);
      }
    }
  });

  test('gzip members concatenated (as `cat a.gz b.gz` makes) decompress as one', async () => {
    const half = Math.floor(pcapBytes.length / 2);
    const bytes = Buffer.concat([gzipSync(pcapBytes.subarray(0, half)), gzipSync(pcapBytes.subarray(half))]);
    const got = await readAll(tempFile(bytes));
    expect(got.frames).toHaveLength(30);
  });

  test('truncated gzip: frames before the cut delivered, then a warning', async () => {
    const big = writePcap(sampleRecords(2000), { linkType: 1 });
    const gz = gzipSync(big);
    const file = tempFile(gz.subarray(0, Math.floor(gz.length * 0.6)));
    const got = await readAll(file);
    expect(got.frames.length).toBeGreaterThan(100);
    expect(got.frames.length).toBeLessThan(2000);
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings[0].file).toBe(file);
    expect(got.warnings[0].message).toMatch(/gzip|truncated/);
  });

  test('gzip of something that is not a capture, and broken gzip, are CaptureFormatErrors', async () => {
    await expect(readAll(tempFile(gzipSync(Buffer.from('hello world, not a capture'))))).rejects.toThrow(/not a pcap or pcapng/);
    await expect(readAll(tempFile(gzipSync(Buffer.alloc(0))))).rejects.toThrow(/empty/);
    const broken = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    await expect(readAll(tempFile(broken))).rejects.toBeInstanceOf(CaptureFormatError);
  });

  test('empty file, too-short file and non-capture file throw CaptureFormatError', async () => {
    await expect(readAll(tempFile(Buffer.alloc(0)))).rejects.toThrow(/empty file/);
    await expect(readAll(tempFile(Buffer.from([0xd4, 0xc3])))).rejects.toThrow(/truncated file header/);
    const text = tempFile(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'), 'notes.pcap');
    await expect(readAll(text)).rejects.toBeInstanceOf(CaptureFormatError);
    await expect(readAll(text)).rejects.toThrow(/not a pcap or pcapng capture \(starts with 47455420\)/);
  });

  test('a folder or missing file given to readCapture is a CaptureFormatError', async () => {
    await expect(readAll(tempDir())).rejects.toThrow(/is a directory/);
    await expect(readAll(path.join(tempDir(), 'nope.pcap'))).rejects.toBeInstanceOf(CaptureFormatError);
  });
});

describe('stopping early', () => {
  class Abort extends Error {}
  const openFds = (): number => fs.readdirSync('/proc/self/fd').length;

  test('an exception from the sink propagates and the file is closed', async () => {
    for (const bytes of [pcapBytes, pcapngBytes, gzipSync(pcapBytes)]) {
      const file = tempFile(bytes);
      const before = openFds();
      let seen = 0;
      const sink = {
        frame(_f: Frame): void {
          if (++seen === 5) throw new Abort('enough');
        },
      };
      await expect(readCapture(file, sink, () => undefined, { chunkSize: 64 })).rejects.toBeInstanceOf(Abort);
      expect(seen).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(openFds()).toBeLessThanOrEqual(before);
    }
  });
});

describe('stdin', () => {
  // A child process reads '-' exactly as `tcpdump -w - | poolwatch scan -` would.
  const readModule = require.resolve('../../src/capture/read');
  const script = `
    const { readCapture } = require(${JSON.stringify(readModule)});
    const frames = [], warnings = [];
    readCapture('-', { frame(f) { frames.push([f.linkType, f.tsSec, f.tsNsec, f.source, f.data.toString('hex', f.offset, f.offset + f.capLength)]); } },
      (w) => warnings.push(w), { chunkSize: Number(process.argv[1]) })
      .then((result) => console.log(JSON.stringify({ result, frames, warnings })),
            (e) => console.log(JSON.stringify({ error: e.name, message: e.message })));`;

  interface ChildOut {
    result?: { packets: number; bytes: number };
    frames?: [number, number, number, string, string][];
    warnings?: unknown[];
    error?: string;
    message?: string;
  }

  function viaStdin(input: Buffer, chunkSize = 1 << 20): ChildOut {
    const run = spawnSync(process.execPath, ['-e', script, String(chunkSize)], { input, encoding: 'utf8', timeout: 30000 });
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as ChildOut;
  }

  test('plain and gzip captures from stdin', async () => {
    for (const bytes of [pcapBytes, pcapngBytes]) {
      const direct = collector();
      await readCapture(tempFile(bytes), direct.sink, direct.onWarning);
      const expected = direct.frames.map((f) => [f.linkType, Number(f.tsNs / 1_000_000_000n), Number(f.tsNs % 1_000_000_000n), '<stdin>', f.data.toString('hex')]);
      for (const input of [bytes, gzipSync(bytes)]) {
        for (const chunkSize of [1 << 20, 40]) {
          const out = viaStdin(input, chunkSize);
          expect(out.warnings).toEqual([]);
          expect(out.frames).toEqual(expected);
          expect(out.result?.packets).toBe(direct.frames.length);
        }
      }
    }
  });

  test('empty and non-capture stdin are CaptureFormatErrors', () => {
    expect(viaStdin(Buffer.alloc(0))).toEqual({ error: 'CaptureFormatError', message: '<stdin>: empty file' });
    expect(viaStdin(Buffer.from('not a capture at all'))).toMatchObject({ error: 'CaptureFormatError' });
  });

  test('a truncated capture on stdin ends with a warning', () => {
    const out = viaStdin(pcapBytes.subarray(0, pcapBytes.length - 3));
    expect(out.frames).toHaveLength(29);
    expect(out.warnings).toEqual([{ file: '<stdin>', offset: pcapBytes.length - 16 - records[29].data.length, message: expect.stringMatching(/truncated/) }]);
  });

  test('bytes arriving a few at a time (a slow pipe) are reassembled', async () => {
    const child = spawn(process.execPath, ['-e', script, '32'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise((resolve) => child.on('close', resolve));
    const input = gzipSync(pcapngBytes);
    for (let i = 0; i < input.length; ) {
      const n = i < 8 ? 1 : 97;
      child.stdin.write(input.subarray(i, i + n));
      i += n;
      await new Promise((resolve) => setTimeout(resolve, i < 8 ? 20 : 1));
    }
    child.stdin.end();
    await exited;
    const out = JSON.parse(stdout) as ChildOut;
    expect(out.warnings).toEqual([]);
    expect(out.frames).toHaveLength(30);
  });
});

describe('expandInputs', () => {
  test('folders walked recursively in sorted order, hidden entries skipped, explicit marked', () => {
    const root = path.join(tempDir(), 'tree');
    const mk = (rel: string): string => {
      const p = path.join(root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, pcapBytes);
      return p;
    };
    const files = ['b.pcap', 'a/z.pcapng', 'a/b/c.pcap.gz', 'B.pcap', '10.pcap', '9.pcap', '.hidden/x.pcap', '.dot.pcap'].map(mk);
    const single = tempFile(pcapBytes, 'single.pcap');
    const got = expandInputs([single, root, '-']);
    expect(got).toEqual([
      { path: single, explicit: true },
      ...['10.pcap', '9.pcap', 'B.pcap', 'a/b/c.pcap.gz', 'a/z.pcapng', 'b.pcap'].map((rel) => ({ path: path.join(root, rel), explicit: false })),
      { path: '-', explicit: true },
    ]);
    expect(expandInputs([root])).toEqual(expandInputs([root]));
    // Named explicitly and also inside a folder: listed once, as explicit.
    const twice = expandInputs([root, files[0]]);
    expect(twice.filter((e) => e.path === files[0])).toEqual([{ path: files[0], explicit: true }]);
    expect(twice).toHaveLength(6);
  });

  test('symlink loops do not hang the walk', () => {
    const root = path.join(tempDir(), 'loop');
    fs.mkdirSync(path.join(root, 'd'), { recursive: true });
    fs.writeFileSync(path.join(root, 'd', 'x.pcap'), pcapBytes);
    fs.symlinkSync(root, path.join(root, 'd', 'back'));
    expect(expandInputs([root]).map((e) => path.relative(root, e.path))).toEqual(['d/x.pcap']);
  });

  test('a path that does not exist throws CaptureFormatError', () => {
    const missing = path.join(tempDir(), 'missing.pcap');
    expect(() => expandInputs([missing])).toThrow(CaptureFormatError);
    expect(() => expandInputs([missing])).toThrow(/missing\.pcap: no such file or directory/);
  });

  test('every file found in a folder reads, and a non-capture among them fails alone', async () => {
    const root = path.join(tempDir(), 'mixed');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, '1.pcap'), pcapBytes);
    fs.writeFileSync(path.join(root, '2.txt'), 'readme');
    fs.writeFileSync(path.join(root, '3.pcapng.gz'), gzipSync(pcapngBytes));
    const outcome: string[] = [];
    for (const input of expandInputs([root])) {
      try {
        const got = await readAll(input.path);
        outcome.push(`${path.basename(input.path)}:${got.result.packets}`);
      } catch (e) {
        outcome.push(`${path.basename(input.path)}:${(e as Error).name}`);
      }
    }
    expect(outcome).toEqual(['1.pcap:30', '2.txt:CaptureFormatError', '3.pcapng.gz:30']);
  });
});

describe('stopping on a signal (ReadOptions.signal)', () => {
  const many = writePcap(sampleRecords(20000), { linkType: 1 });

  test('aborted from the sink: stops at the next chunk, keeps what was delivered, closes the file', async () => {
    for (const bytes of [many, gzipSync(many)]) {
      const file = tempFile(bytes);
      const stop = new AbortController();
      const c = collector();
      const sink = {
        frame(f: Frame): void {
          c.sink.frame(f);
          if (c.frames.length === 100) stop.abort();
        },
      };
      const before = fs.readdirSync('/proc/self/fd').length;
      const result = await readCapture(file, sink, c.onWarning, { chunkSize: 4096, signal: stop.signal });
      expect(result.interrupted).toBe(true);
      expect(c.frames.length).toBeGreaterThanOrEqual(100);
      expect(c.frames.length).toBeLessThan(20000);
      expect(result.packets).toBe(c.frames.length);
      expect(c.warnings).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fs.readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
    }
  });

  test('a plain file read synchronously still lets a timer (a signal handler) stop it', async () => {
    const file = tempFile(Buffer.concat([many, ...Array.from({ length: 9 }, () => many.subarray(24))]));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 30);
    const c = collector();
    const result = await readCapture(file, { frame: () => void c.frames.length++ }, c.onWarning, { chunkSize: 1024, signal: stop.signal });
    expect(result.interrupted).toBe(true);
    expect(result.packets).toBeLessThan(200000);
    // Without a signal the same file is read whole.
    expect((await readCapture(file, { frame: () => undefined }, () => undefined, { chunkSize: 1024 })).packets).toBe(200000);
  });

  test('an already aborted signal reads nothing', async () => {
    const stop = new AbortController();
    stop.abort();
    const c = collector();
    expect(await readCapture(tempFile(pcapBytes), c.sink, c.onWarning, { signal: stop.signal })).toEqual({ packets: 0, bytes: 0, interrupted: true });
    expect(c.frames).toEqual([]);
  });
});

describe('named FIFOs', () => {
  const mkfifo = (): string => {
    const p = path.join(tempDir(), `fifo-${Math.random().toString(36).slice(2)}`);
    expect(spawnSync('mkfifo', [p]).status).toBe(0);
    return p;
  };

  test('gzip data through a FIFO is read from the one open (it used to hang opening it twice)', async () => {
    for (const bytes of [gzipSync(pcapBytes), pcapBytes]) {
      const fifo = mkfifo();
      const writer = fs.createWriteStream(fifo);
      writer.end(bytes);
      const got = await readAll(fifo);
      expect(got.warnings).toEqual([]);
      expect(got.frames).toHaveLength(30);
      expect(got.frames[0].source).toBe(fifo);
    }
  });

  test('a FIFO nobody writes to: an abort ends the wait', async () => {
    const fifo = mkfifo();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const c = collector();
    expect(await readCapture(fifo, c.sink, c.onWarning, { signal: stop.signal })).toEqual({ packets: 0, bytes: 0, interrupted: true });
  });
});

describe('expandInputs with a problems list', () => {
  test('a missing path is listed as a problem and the other inputs are still listed', () => {
    const missing = path.join(tempDir(), 'not-there.pcap');
    const present = tempFile(pcapBytes, 'there.pcap');
    const problems: InputProblem[] = [];
    expect(expandInputs([missing, present, '-'], problems)).toEqual([
      { path: present, explicit: true },
      { path: '-', explicit: true },
    ]);
    expect(problems).toEqual([{ path: missing, message: `${missing}: no such file or directory`, explicit: true }]);
  });

  test('system errors are worded without Node decoration', () => {
    let err: unknown;
    try {
      fs.readdirSync(path.join(tempDir(), 'nope'));
    } catch (e) {
      err = e;
    }
    expect(systemReason(err)).toBe('no such file or directory');
    expect(systemReason(new Error('plain words'))).toBe('plain words');
  });
});
