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
import { committedFrames, corrupted, truncations } from '../support/frames';

const FIELDS = [
  'ipVersion', 'src0', 'src1', 'src2', 'src3', 'dst0', 'dst1', 'dst2', 'dst3', 'protocol', 'srcPort', 'dstPort', 'tcpFlags', 'seq', 'ack',
  'payloadOffset', 'payloadLength', 'ipLength', 'fragment', 'laterFragment', 'tunnelDepth', 'vlanId',
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
    let taken = 0;
    for (const f of truncations(samples, [0, 1, 1500])) if (compare(f)) taken++;
    // The TCP and DNS samples take the common path once their headers are whole; VXLAN is left to the walk.
    expect(taken).toBeGreaterThan(100);
  });

  test('agrees with the walk on randomly corrupted frames', () => {
    for (const f of corrupted(frames, 31, 20000)) compare(f);
    expect(fastStats).toEqual(walkStats);
  });
});
