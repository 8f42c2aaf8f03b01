/**
 * The straight-line decoder for common frames (src/decode/common.ts) must fill
 * Packet exactly as the general walk does. Compared on every frame of every
 * committed capture, and on those frames truncated, cut short on the wire and
 * corrupted at random.
 */
import { Frame } from '../../src/capture/frame';
import { decodeCommon } from '../../src/decode/common';
import { DecodeStats, decodeFrame, decodeWalk } from '../../src/decode/decode';
import { Packet } from '../../src/decode/packet';
import { ether, ipv4, ipv6, tcp, udp } from '../support/craft';
import { committedFrames } from '../support/frames';
import { rng } from '../support/random';

const FIELDS = [
  'ipVersion', 'src0', 'src1', 'src2', 'src3', 'dst0', 'dst1', 'dst2', 'dst3', 'protocol', 'srcPort', 'dstPort', 'tcpFlags', 'seq', 'ack',
  'payloadOffset', 'payloadLength', 'ipLength', 'laterFragment', 'tunnelDepth', 'vlanId',
] as const;

const fast = new Packet();
const walk = new Packet();
const fastStats = new DecodeStats();
const walkStats = new DecodeStats();

/** Decodes one frame both ways; returns whether the common path took it, throwing on any difference. */
function compare(f: Frame): boolean {
  // Stale values from the frame before must not leak through either path.
  fast.srcPort = walk.srcPort = 0xbeef;
  const a = decodeFrame(f, fast, fastStats);
  const b = decodeWalk(f, walk, walkStats);
  if (a !== b) throw new Error(`result ${a} vs ${b} on ${f.data.subarray(f.offset, f.offset + f.capLength).toString('hex')}`);
  if (a) {
    for (const k of FIELDS) {
      if (fast[k] !== walk[k]) throw new Error(`${k}: ${fast[k]} vs ${walk[k]} on ${f.data.subarray(f.offset, f.offset + f.capLength).toString('hex')}`);
    }
    if (fast.data !== walk.data) throw new Error('data buffer differs');
  }
  return f.linkType === 1 && decodeCommon(f, new Packet());
}

describe('decodeCommon', () => {
  let frames: Frame[] = [];
  beforeAll(async () => {
    frames = await committedFrames();
  });

  test('fills Packet exactly as the general walk on every frame of the committed captures, and takes most of them', () => {
    let taken = 0;
    for (const f of frames) if (compare(f)) taken++;
    expect(frames.length).toBeGreaterThan(1000);
    // Most frames are plain Ethernet TCP/UDP; the rest (tunnels, VLANs, other links) are left to the walk.
    expect(taken / frames.length).toBeGreaterThan(0.5);
    expect(taken).toBeLessThan(frames.length);
    expect(fastStats).toEqual(walkStats);
  });

  test('agrees with the walk on every truncation and wire cut of common frames', () => {
    const samples = [
      ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp('10.0.0.1', '10.0.0.2', 40000, 3333, '{"id":1,"method":"login"}\n'))),
      ether(ipv6('2001:db8::1', '2001:db8::2', 17, udp('2001:db8::1', '2001:db8::2', 5353, 53, Buffer.alloc(30, 7)))),
      ether(ipv4('10.0.0.1', '10.0.0.2', 17, udp('10.0.0.1', '10.0.0.2', 5000, 4789, Buffer.alloc(60, 8)))),
    ];
    for (const bytes of samples) {
      for (let cap = 0; cap <= bytes.length; cap++) {
        for (const extra of [0, 1, 1500]) {
          const f = new Frame();
          f.data = Buffer.concat([bytes, Buffer.alloc(5, 0xee)]);
          f.capLength = cap;
          f.origLength = cap + extra;
          compare(f);
        }
      }
    }
  });

  test('agrees with the walk on randomly corrupted frames', () => {
    const random = rng(31);
    const f = new Frame();
    for (let i = 0; i < 20000; i++) {
      const src = frames[Math.floor(random() * frames.length)];
      const bytes = Buffer.from(src.data);
      // Corrupt one to three bytes in the headers, where the two paths decide.
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) bytes[Math.floor(random() * Math.min(bytes.length, 80))] = Math.floor(random() * 256);
      f.data = bytes;
      f.capLength = Math.floor(random() * (bytes.length + 1));
      f.origLength = random() < 0.5 ? f.capLength : bytes.length + 100;
      f.linkType = 1;
      compare(f);
    }
    expect(fastStats).toEqual(walkStats);
  });
});
