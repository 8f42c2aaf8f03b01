import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type { Frame } from '../../src/capture/frame';
import { readCapture } from '../../src/capture/read';
import { SharedChunks, createJobRing, createPoolBuffers } from '../../src/shard/chunk-pool';
import { packageRoot } from '../../src/paths';

/** One line per frame: what a parser saw. */
function summary(f: Frame): string {
  return `${f.tsSec}.${f.tsNsec} ${f.linkType} ${f.origLength} ${createHash('sha1').update(f.data.subarray(f.offset, f.offset + f.capLength)).digest('hex')}`;
}

/** Parses every job on another thread, as an analysis thread does, and sends back the frames it saw. */
function parseJobsOnThread(buffers: SharedArrayBuffer[], jobs: ReturnType<typeof createJobRing>, port: MessagePort): Promise<string[]> {
  const code = `
    const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
    const { createHash } = require('node:crypto');
    const { WordRingReader } = require(${JSON.stringify(require.resolve('../../src/shard/word-ring'))});
    const pool = require(${JSON.stringify(require.resolve('../../src/shard/chunk-pool'))});
    const { parserFor } = require(${JSON.stringify(require.resolve('../../src/capture/read'))});
    const views = workerData.buffers.map((b) => Buffer.from(b));
    const r = new WordRingReader(workerData.jobs);
    const seen = [];
    const sink = { frame(f) { seen.push(f.tsSec + '.' + f.tsNsec + ' ' + f.linkType + ' ' + f.origLength + ' ' + createHash('sha1').update(f.data.subarray(f.offset, f.offset + f.capLength)).digest('hex')); } };
    let parser = null;
    for (let at = r.next(); at >= 0; at = r.next()) {
      const w = r.words;
      const slot = w[at + pool.JOB_SLOT], pos = w[at + pool.JOB_POS], flags = w[at + pool.JOB_FLAGS];
      if (flags & pool.NEW_BUFFER) {
        for (let m = receiveMessageOnPort(workerData.port); m !== undefined; m = receiveMessageOnPort(workerData.port)) {
          views[m.message.slot] = Buffer.from(m.message.buffer);
          if (m.message.slot === slot) break;
        }
      }
      if (flags & pool.FIRST_OF_INPUT) parser = parserFor('', views[slot].subarray(pos, pos + 4), sink, () => {});
      parser.parse(views[slot], pos, w[at + pool.JOB_END], w[at + pool.JOB_BASE_LO] + w[at + pool.JOB_BASE_HI] * 2 ** 32);
    }
    parentPort.postMessage(seen);
  `;
  const worker = new Worker(code, { eval: true, workerData: { buffers, jobs, port }, transferList: [port] });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function framesBoth(file: string, slots: number, bytes: number): Promise<{ alone: string[]; shared: string[]; other: string[] }> {
  const alone: string[] = [];
  await readCapture(file, { frame: (f) => alone.push(summary(f)) }, () => {});
  const buffers = createPoolBuffers(slots, bytes);
  const jobs = createJobRing();
  const channel = new MessageChannel();
  const other = parseJobsOnThread(buffers, jobs, channel.port2);
  const chunks = new SharedChunks(buffers, [jobs], [channel.port1], () => {});
  const shared: string[] = [];
  await readCapture(file, { frame: (f) => shared.push(summary(f)) }, () => {}, { sharing: chunks, chunkSize: bytes });
  chunks.close();
  const result = { alone, shared, other: await other };
  channel.port1.close();
  return result;
}

describe('shared read buffers (scan --workers)', () => {
  const real = join(packageRoot(), 'pcaps', 'real', 'xmrig-tls.pcap');

  test('a second thread parsing the jobs sees exactly the frames the reader sees, with buffers reused many times', async () => {
    const { alone, shared, other } = await framesBoth(real, 2, 4096);
    expect(alone.length).toBeGreaterThan(20);
    expect(shared).toEqual(alone);
    expect(other).toEqual(alone);
  });

  test('records larger than a pool buffer arrive in a larger buffer sent to the other thread', async () => {
    // 512-byte buffers: the TLS certificate frames do not fit and force replacements.
    const { alone, other } = await framesBoth(real, 3, 512);
    expect(other).toEqual(alone);
  });

  test('pcapng and gzip go through the same jobs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-chunks-'));
    const gz = join(dir, 'web.pcapng.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(packageRoot(), 'pcaps', 'samples', 'web-browsing.pcapng'))));
    const { alone, other } = await framesBoth(gz, 2, 8192);
    expect(alone.length).toBeGreaterThan(5);
    expect(other).toEqual(alone);
  });
});
