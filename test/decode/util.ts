/** Shared helpers for the decoder tests (not a test file itself). */
import { Frame } from '../../src/capture/frame';
import { Packet } from '../../src/decode/packet';
import { decodeFrame, DecodeStats } from '../../src/decode/decode';
import { ipBytes } from '../support/craft';

export interface Decoded {
  ok: boolean;
  pkt: Packet;
  stats: DecodeStats;
  frame: Frame;
}

export interface FrameOptions {
  /** Garbage bytes placed before the frame inside the buffer (tests Frame.offset). */
  before?: number;
  /** Garbage bytes after the frame inside the buffer (tests that capLength is honoured). */
  after?: number;
  /** Captured length; defaults to all of `bytes`. */
  capLength?: number;
  /** Wire length; defaults to `bytes.length`. */
  origLength?: number;
}

/** A frame whose bytes sit inside a larger buffer surrounded by 0xee filler, as readers hand them out. */
export function frameOf(bytes: Buffer, linkType = 1, o: FrameOptions = {}): Frame {
  const before = o.before ?? 7;
  const after = o.after ?? 9;
  const data = Buffer.concat([Buffer.alloc(before, 0xee), bytes, Buffer.alloc(after, 0xee)]);
  const f = new Frame();
  f.data = data;
  f.offset = before;
  f.capLength = o.capLength ?? bytes.length;
  f.origLength = o.origLength ?? bytes.length;
  f.linkType = linkType;
  return f;
}

export function decode(bytes: Buffer, linkType = 1, o: FrameOptions = {}): Decoded {
  const frame = frameOf(bytes, linkType, o);
  const pkt = new Packet();
  const stats = new DecodeStats();
  const ok = decodeFrame(frame, pkt, stats);
  return { ok, pkt, stats, frame };
}

/** An address as the four 32-bit words Packet keeps (IPv4 in word 0, the rest 0). */
export function words(addr: string): number[] {
  const b = ipBytes(addr);
  if (b.length === 4) return [b.readUInt32BE(0), 0, 0, 0];
  return [0, 4, 8, 12].map((i) => b.readUInt32BE(i));
}

export function srcWords(p: Packet): number[] {
  return [p.src0, p.src1, p.src2, p.src3];
}

export function dstWords(p: Packet): number[] {
  return [p.dst0, p.dst1, p.dst2, p.dst3];
}

export function payloadOf(p: Packet): Buffer {
  return p.data.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength);
}

export interface Expected {
  version: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  srcPort?: number;
  dstPort?: number;
  flags?: number;
  seq?: number;
  ack?: number;
  payload?: Buffer | string;
  ipLength: number;
  vlanId?: number;
  tunnelDepth?: number;
  laterFragment?: boolean;
  /** Any fragment, first included (defaults to laterFragment). */
  fragment?: boolean;
}

/** Asserts every field a test cares about, with the defaults a plain packet has. */
export function expectPacket(d: Decoded, e: Expected): void {
  const p = d.pkt;
  expect(d.ok).toBe(true);
  expect(p.ipVersion).toBe(e.version);
  expect(srcWords(p)).toEqual(words(e.src));
  expect(dstWords(p)).toEqual(words(e.dst));
  expect(p.protocol).toBe(e.protocol);
  expect(p.srcPort).toBe(e.srcPort ?? 0);
  expect(p.dstPort).toBe(e.dstPort ?? 0);
  expect(p.tcpFlags).toBe(e.flags ?? 0);
  expect(p.seq).toBe(e.seq ?? 0);
  expect(p.ack).toBe(e.ack ?? 0);
  expect(p.ipLength).toBe(e.ipLength);
  expect(p.vlanId).toBe(e.vlanId ?? -1);
  expect(p.tunnelDepth).toBe(e.tunnelDepth ?? 0);
  expect(p.laterFragment).toBe(e.laterFragment ?? false);
  expect(p.fragment).toBe(e.fragment ?? e.laterFragment ?? false);
  expect(p.data).toBe(d.frame.data);
  if (e.payload !== undefined) {
    const want = typeof e.payload === 'string' ? Buffer.from(e.payload) : e.payload;
    expect(payloadOf(p).toString('hex')).toBe(want.toString('hex'));
  }
  // The payload always lies within the captured bytes of the frame.
  expect(p.payloadOffset).toBeGreaterThanOrEqual(d.frame.offset);
  expect(p.payloadOffset + p.payloadLength).toBeLessThanOrEqual(d.frame.offset + d.frame.capLength);
}
