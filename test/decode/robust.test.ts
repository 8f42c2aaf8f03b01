/**
 * No input makes the decoder throw, loop or point outside the captured bytes:
 * random bytes on every link type, every truncation of valid frames, and
 * random byte corruption of valid frames.
 */
import { Frame } from '../../src/capture/frame';
import { Packet } from '../../src/decode/packet';
import { decodeFrame, DecodeStats, MAX_TUNNEL_DEPTH } from '../../src/decode/decode';
import { ether, ipv4, ipv6, tcp, udp } from '../support/craft';
import { ahHeader, ciscoHdlc, erspan2, erspan3, etherTagged, extHeader, fragHeader, gre, ipv6Raw, loopback, mpls, ppp, pppoe, sll, sll2, vxlan } from '../support/craft-links';

/**
 * Small deterministic PRNG (xorshift32) so a failure can be replayed. Plain bit
 * operations only: Math.* calls are slow inside jest's sandbox.
 */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const LINK_TYPES = [0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276, 147, 65535];

const pkt = new Packet();
const stats = new DecodeStats();
const frame = new Frame();

function check(data: Buffer, offset: number, capLength: number, linkType: number): boolean {
  frame.data = data;
  frame.offset = offset;
  frame.capLength = capLength;
  frame.origLength = capLength;
  frame.linkType = linkType;
  let ok: boolean;
  try {
    ok = decodeFrame(frame, pkt, stats);
  } catch (e) {
    throw new Error(`threw on link ${linkType} bytes ${data.subarray(offset, offset + capLength).toString('hex')}: ${String(e)}`);
  }
  if (!ok) {
    if (pkt.ipVersion !== 0) throw new Error(`false with ipVersion ${pkt.ipVersion}`);
    return false;
  }
  const end = Math.min(offset + capLength, data.length);
  const bad =
    (pkt.ipVersion !== 4 && pkt.ipVersion !== 6) ||
    !(pkt.payloadLength >= 0) ||
    !(pkt.payloadOffset >= offset) ||
    !(pkt.payloadOffset + pkt.payloadLength <= end) ||
    pkt.srcPort < 0 || pkt.srcPort > 0xffff || pkt.dstPort < 0 || pkt.dstPort > 0xffff ||
    !(pkt.seq >= 0 && pkt.seq <= 0xffffffff) || !(pkt.ack >= 0 && pkt.ack <= 0xffffffff) ||
    pkt.tunnelDepth > MAX_TUNNEL_DEPTH ||
    (pkt.fragment && (pkt.srcPort !== 0 || pkt.dstPort !== 0 || pkt.tcpFlags !== 0)) ||
    (pkt.laterFragment && !pkt.fragment) ||
    pkt.vlanId < -1 || pkt.vlanId > 4095 ||
    pkt.data !== data;
  if (bad) {
    throw new Error(`bad packet on link ${linkType} bytes ${data.subarray(offset, end).toString('hex')}: ${JSON.stringify({ ...pkt, data: undefined })}`);
  }
  return true;
}

const A = '10.0.0.1';
const B = '10.0.0.2';
const A6 = '2001:db8::1';
const B6 = '2001:db8::2';
const t4 = ipv4(A, B, 6, tcp(A, B, 1, 2, 'payload', { flags: 'PA', options: Buffer.alloc(12, 1) }), { options: Buffer.alloc(4, 1) });
const u6 = ipv6Raw(A6, B6, 0, Buffer.concat([extHeader(51), ahHeader(44), fragHeader(17, 0, true), udp(A6, B6, 3, 4, 'x')]));

/** Valid frames of every kind the decoder follows, with their link types. */
const corpus: Array<[number, Buffer]> = [
  [1, ether(t4)],
  [1, ether(u6, 0x86dd, [1, 2])],
  [1, etherTagged(t4, 0x0800, [{ tpid: 0x9100, id: 3 }])],
  [1, ether(pppoe(u6), 0x8864)],
  [1, ether(mpls(ether(t4), [5, 6], true), 0x8847)],
  [1, ether(ipv4(A, B, 47, gre(t4, 0x0800, { checksum: true, key: 1, seq: 2 })))],
  [1, ether(ipv4(A, B, 47, erspan2(ether(u6))))],
  [1, ether(ipv6(A6, B6, 47, erspan3(ether(t4), { platform: true })))],
  [1, ether(ipv4(A, B, 17, udp(A, B, 9, 4789, vxlan(ether(t4)))))],
  [1, ether(ipv6(A6, B6, 4, ipv4(A, B, 41, u6)))],
  [1, ether(ipv4(A, B, 17, udp(A, B, 1, 2, 'y'), { fragmentOffset: 8 }))],
  [113, sll(t4, 0x0800)],
  [276, sll2(u6, 0x86dd)],
  [101, t4],
  [229, u6],
  [0, loopback(u6, 30, false)],
  [108, loopback(t4, 2, true)],
  [9, ppp(t4, 0x21, { hdlc: true })],
  [50, ciscoHdlc(u6, 0x86dd)],
];

test('every corpus frame decodes', () => {
  for (const [lt, f] of corpus) expect(check(f, 0, f.length, lt)).toBe(true);
});

test('every truncation of every corpus frame, at offsets inside a larger buffer', () => {
  let n = 0;
  for (const [lt, f] of corpus) {
    const data = Buffer.concat([Buffer.alloc(3, 0x45), f, Buffer.alloc(64, 0x45)]);
    for (let len = 0; len <= f.length; len++) {
      check(data, 3, len, lt);
      // The same bytes copied out exactly, so a read past the end would find nothing to hide behind.
      check(Buffer.from(f.subarray(0, len)), 0, len, lt);
      n += 2;
    }
  }
  expect(n).toBeGreaterThan(2000);
});

test('random bytes on every link type', () => {
  const r = rng(1234);
  stats.reset();
  const b = Buffer.alloc(160);
  for (let i = 0; i < 60000; i++) {
    const len = ((r() * 160) | 0);
    for (let j = 0; j < len; j++) b[j] = ((r() * 256) | 0);
    // Bias the first bytes towards what the link layers look for, so the walk gets deep.
    if (len > 0 && r() < 0.5) b[0] = r() < 0.5 ? 0x45 : 0x60;
    if (len > 14 && r() < 0.5) b.writeUInt16BE([0x0800, 0x86dd, 0x8100, 0x8864, 0x8847][((r() * 5) | 0)], 12);
    check(b, 0, len, LINK_TYPES[i % LINK_TYPES.length]);
  }
  expect(stats.frames).toBe(60000);
  // The biased bytes get past the link layer often enough to exercise IP and transport code.
  expect(stats.ok).toBeGreaterThan(1000);
  expect(stats.truncated + stats.malformed).toBeGreaterThan(1000);
});

test('random corruption of valid frames', () => {
  const r = rng(99);
  let ok = 0;
  for (let i = 0; i < 60000; i++) {
    const [lt, f] = corpus[i % corpus.length];
    const b = Buffer.from(f);
    const flips = 1 + ((r() * 4) | 0);
    for (let k = 0; k < flips; k++) b[((r() * b.length) | 0)] = ((r() * 256) | 0);
    const cut = r() < 0.3 ? ((r() * b.length) | 0) : b.length;
    if (check(b, 0, cut, lt)) ok++;
  }
  // Most single-byte hits land in payloads or addresses, so many still decode.
  expect(ok).toBeGreaterThan(10000);
});

test('frame bounds that disagree with the buffer', () => {
  const f = ether(t4);
  expect(check(f, 0, f.length + 500, 1)).toBe(true); // capLength past the buffer: clipped to it
  expect(check(f, f.length + 10, 20, 1)).toBe(false);
  expect(check(f, -5, 20, 1)).toBe(false);
  expect(check(f, 0, -1, 1)).toBe(false);
  expect(check(f, NaN, 10, 1)).toBe(false);
  expect(check(Buffer.alloc(0), 0, 0, 1)).toBe(false);
});

test('a huge VLAN stack hits the layer cap as malformed, not a loop', () => {
  const tags = Array.from({ length: 200 }, (_, i) => ({ tpid: 0x8100, id: i }));
  const f = etherTagged(t4, 0x0800, tags);
  const s = new DecodeStats();
  const fr = new Frame();
  fr.data = f;
  fr.capLength = fr.origLength = f.length;
  expect(decodeFrame(fr, new Packet(), s)).toBe(false);
  expect(s.malformed).toBe(1);
});
