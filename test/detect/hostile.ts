/**
 * Generators of hostile detection input for the tests of issue 13: lines and
 * heads padded to an exact size, and floods of DNS answers.
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS, type AnalyzerOptions } from '../../src/analyzer';
import { Frame } from '../../src/capture/frame';
import { loadSignatures } from '../../src/detect/signatures';
import type { Finding } from '../../src/report/finding';
import type { Conversation, Timed } from '../support/craft';

export const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
export const AGENT = 'XMRig/6.16.0 (Linux x86_64) libuv/1.38.0 gcc/9.3.0';

export const LOGIN = { id: 1, jsonrpc: '2.0', method: 'login', params: { login: WALLET, pass: 'x', agent: AGENT } };

/**
 * JSON text of `o` made exactly `length` bytes long by a padding member put
 * first ("pad":"xxx..."), so that every member that matters comes after it.
 */
export function paddedJson(o: { [k: string]: unknown }, length: number): string {
  const bare = JSON.stringify(o);
  const room = length - bare.length - '"pad":"",'.length;
  if (room < 0) throw new Error(`cannot pad ${bare.length} bytes of JSON to ${length}`);
  const text = '{"pad":"' + 'x'.repeat(room) + '",' + bare.slice(1);
  if (Buffer.byteLength(text) !== length) throw new Error('padding miscounted');
  return text;
}

/** An HTTP/1.1 request head of exactly `length` bytes (blank line included) with the Host header last. */
export function paddedHead(host: string, length: number): string {
  const tail = `Host: ${host}\r\n\r\n`;
  const start = 'GET / HTTP/1.1\r\nUser-Agent: curl/8.5.0\r\n';
  const room = length - start.length - tail.length - 'X-Pad: \r\n'.length;
  if (room < 0) throw new Error(`cannot pad a head to ${length}`);
  return start + 'X-Pad: ' + 'a'.repeat(room) + '\r\n' + tail;
}

export function frameOf(t: Timed): Frame {
  const f = new Frame();
  f.data = t.data;
  f.capLength = f.origLength = t.data.length;
  f.tsSec = Number(t.tsNs / 1_000_000_000n);
  f.tsNsec = Number(t.tsNs % 1_000_000_000n);
  return f;
}

const sigs = loadSignatures();

/** Every frame of the conversations through one analyzer; its findings. */
export function analyze(conversations: Array<Pick<Conversation, 'frames'>>, options: Partial<AnalyzerOptions> = {}, before: Timed[] = []): Finding[] {
  const a = new Analyzer(sigs, { ...DEFAULT_ANALYZER_OPTIONS, ...options });
  for (const t of before) a.frame(frameOf(t));
  for (const c of conversations) for (const t of c.frames) a.frame(frameOf(t));
  return a.finish();
}

/**
 * A DNS response for `name` with `count` A records (at most 256, what the
 * parser reads of one message), addresses first, first + 1, ... as 32-bit
 * words. Written directly: a flood needs thousands of these.
 */
export function floodAnswer(name: string, first: number, count: number, id = 0x4242): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const out = Buffer.alloc(12 + q.length + count * 16);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(0x8180, 2);
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(count, 6);
  q.copy(out, 12);
  let p = 12 + q.length;
  for (let i = 0; i < count; i++) {
    out.writeUInt16BE(0xc00c, p);
    out.writeUInt16BE(1, p + 2);
    out.writeUInt16BE(1, p + 4);
    out.writeUInt32BE(300, p + 6);
    out.writeUInt16BE(4, p + 10);
    out.writeUInt32BE((first + i) >>> 0, p + 12);
    p += 16;
  }
  return out;
}
