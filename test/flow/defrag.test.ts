import type { CaptureWarning, Frame } from '../../src/capture/frame';
import { decodeFrame, DecodeStats } from '../../src/decode/decode';
import { Packet } from '../../src/decode/packet';
import { DEFRAG_LIMITS, Defragmenter } from '../../src/flow/defrag';
import { TcpFrameKey, tcpFrameKey } from '../../src/decode/frame-key';
import { ether, ipv4, ipv6, tcp, udp } from '../support/craft';
import { fragments, piecesOf, type Piece } from '../support/fragments';
import { frameOf } from '../decode/util';

const A = '10.20.40.10';
const B = '198.51.100.40';
const A6 = '2001:db8:40::10';
const B6 = '2001:db8:41::1';
const LOGIN = `{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD","pass":"x","agent":"XMRig/6.16.0"}}\n`;

function segment(src: string, dst: string, payload = LOGIN): Buffer {
  return tcp(src, dst, 51040, 3333, payload, { flags: 'PA', seq: 7, ack: 9 });
}

function packet4(payload = LOGIN, id = 0x4242): Buffer {
  return ipv4(A, B, 6, segment(A, B, payload), { id });
}

function packet6(payload = LOGIN): Buffer {
  return ipv6(A6, B6, 6, segment(A6, B6, payload));
}

class Rig {
  readonly stats = new DecodeStats();
  readonly warnings: CaptureWarning[] = [];
  readonly defrag: Defragmenter;
  readonly pkt = new Packet();
  /** Whole datagrams handed out, as the IP packet bytes. */
  readonly out: Buffer[] = [];

  constructor(limits: Partial<typeof DEFRAG_LIMITS> = {}) {
    this.defrag = new Defragmenter(this.stats, (w) => this.warnings.push(w), limits);
  }

  /** Feeds IP packets as Ethernet frames at `ms`; returns how many completed a datagram. */
  feed(packets: Buffer[], ms = 1000, offset = 24): number {
    let done = 0;
    for (const p of packets) {
      const f = frameOf(ether(p));
      f.source = 'caps/frag.pcap';
      f.fileOffset = offset;
      f.tsSec = Math.floor(ms / 1000);
      f.tsNsec = (ms % 1000) * 1e6;
      // Thrown rather than expected: a flood test feeds thousands.
      if (!decodeFrame(f, this.pkt, this.stats) || !this.pkt.fragment) throw new Error('not decoded as a fragment');
      if (this.defrag.add(f, this.pkt, ms)) {
        done++;
        const o: Frame = this.defrag.out;
        this.out.push(Buffer.from(o.data.subarray(o.offset, o.offset + o.capLength)));
        // The whole datagram takes the same decoder as any frame.
        expect(decodeFrame(o, this.pkt)).toBe(true);
        expect(this.pkt.fragment).toBe(false);
      }
    }
    return done;
  }
}

/** The TCP payload of a whole IP packet. */
function tcpPayload(ipPacket: Buffer): string {
  const p = new Packet();
  expect(decodeFrame(frameOf(ether(ipPacket)), p)).toBe(true);
  return p.data.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength).toString('latin1');
}

describe.each([
  ['IPv4', packet4],
  ['IPv6', packet6],
])('%s fragments', (_v, make) => {
  const whole = make();
  const dataLength = whole[0] >> 4 === 6 ? whole.readUInt16BE(4) : whole.length - 20;

  test('in order: one datagram, the same bytes as sent whole', () => {
    const r = new Rig();
    expect(r.feed(fragments(whole, piecesOf(dataLength, 48), 0x4242))).toBe(1);
    expect(tcpPayload(r.out[0])).toBe(LOGIN);
    expect(r.pkt.srcPort).toBe(51040);
    expect(r.pkt.seq).toBe(7);
    expect(r.pkt.ipLength).toBe(whole.length);
    expect(r.stats.reassembled).toBe(1);
    expect(r.defrag.inProgress).toBe(0);
  });

  test('reversed and shuffled', () => {
    const pieces = piecesOf(dataLength, 24);
    for (const order of [[...pieces].reverse(), [pieces[3], pieces[0], ...pieces.slice(4), pieces[2], pieces[1]]]) {
      const r = new Rig();
      expect(r.feed(fragments(whole, order, 0x4242))).toBe(1);
      expect(tcpPayload(r.out[0])).toBe(LOGIN);
    }
  });

  test('overlaps with equal bytes complete quietly', () => {
    const r = new Rig();
    const pieces: Piece[] = [{ start: 0, end: 64 }, { start: 32, end: 128 }, { start: 120, end: dataLength }, { start: 8, end: 40 }];
    expect(r.feed(fragments(whole, pieces, 0x4242))).toBe(1);
    expect(tcpPayload(r.out[0])).toBe(LOGIN);
    expect(r.stats.fragmentOverlaps).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  test('overlaps with different bytes: the first copy wins, counted and warned once naming file, offset and hosts', () => {
    const r = new Rig();
    const fake = Buffer.from('X'.repeat(48));
    // Data offset 80 lies in the wallet: the forged copy comes second and must lose.
    const pieces: Piece[] = [{ start: 0, end: 128 }, { start: 80, end: 128, bytes: fake }, { start: 80, end: 128, bytes: fake }, { start: 128, end: dataLength }];
    expect(r.feed(fragments(whole, pieces, 0x4242), 1000, 4096)).toBe(1);
    expect(tcpPayload(r.out[0])).toBe(LOGIN);
    expect(r.stats.fragmentOverlaps).toBe(2);
    expect(r.warnings).toHaveLength(1);
    const w = r.warnings[0];
    expect(w.file).toBe('caps/frag.pcap');
    expect(w.offset).toBe(4096);
    const [src, dst] = whole[0] >> 4 === 6 ? [A6, B6] : [A, B];
    expect(w.message).toContain(`${src} -> ${dst}`);
    expect(w.message).toContain('different bytes');
  });

  test('first wins the other way round too: the forged copy sent first is what is kept', () => {
    const r = new Rig();
    const fake = Buffer.alloc(48, 0x41);
    const pieces: Piece[] = [{ start: 80, end: 128, bytes: fake }, { start: 0, end: 128 }, { start: 128, end: dataLength }];
    expect(r.feed(fragments(whole, pieces, 0x4242))).toBe(1);
    const got = tcpPayload(r.out[0]);
    // Data offset 80 is payload byte 60, past the 20-byte TCP header.
    expect(got.slice(60, 108)).toBe('A'.repeat(48));
    expect(r.stats.fragmentOverlaps).toBe(1);
  });

  test('a missing piece: nothing is delivered, and the datagram is given up at the timeout', () => {
    const r = new Rig();
    const pieces = piecesOf(dataLength, 48);
    expect(r.feed(fragments(whole, pieces.filter((_, i) => i !== 2), 0x4242), 1000)).toBe(0);
    expect(r.defrag.inProgress).toBe(1);
    // The missing piece after the timeout starts a datagram of its own, which never completes.
    expect(r.feed(fragments(whole, [pieces[2]], 0x4242), 1000 + DEFRAG_LIMITS.timeoutMs + 1)).toBe(0);
    expect(r.stats.fragmentsTimedOut).toBe(1);
    expect(r.defrag.inProgress).toBe(1);
    r.defrag.expire(1000 + 2 * DEFRAG_LIMITS.timeoutMs + 10);
    expect(r.stats.fragmentsTimedOut).toBe(2);
    expect(r.defrag.inProgress).toBe(0);
  });

  test('within the timeout a late piece still completes', () => {
    const r = new Rig();
    const pieces = piecesOf(dataLength, 48);
    expect(r.feed(fragments(whole, pieces.slice(1), 0x4242), 1000)).toBe(0);
    expect(r.feed(fragments(whole, pieces.slice(0, 1), 0x4242), 1000 + DEFRAG_LIMITS.timeoutMs - 1)).toBe(1);
  });
});

describe('hostile fragment streams', () => {
  test('a flood of incomplete datagrams stays within the stated caps, and a real one sent after it completes', () => {
    const r = new Rig();
    const data = udp(A, B, 5000, 53, Buffer.alloc(1400, 7));
    const flood = 4 * DEFRAG_LIMITS.maxDatagrams;
    let most = 0;
    let mostBytes = 0;
    for (let i = 0; i < flood; i++) {
      // A first fragment from a spoofed source of its own, never followed by the rest.
      const p = ipv4(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, B, 17, data, { id: i & 0xffff, moreFragments: true });
      r.feed([p], 1000 + i);
      most = Math.max(most, r.defrag.inProgress);
      mostBytes = Math.max(mostBytes, r.defrag.bytesHeld);
    }
    expect(most).toBe(DEFRAG_LIMITS.maxDatagrams);
    expect(mostBytes).toBeLessThanOrEqual(DEFRAG_LIMITS.maxBytes);
    expect(r.stats.fragmentsEvicted).toBe(flood - DEFRAG_LIMITS.maxDatagrams);
    const whole = packet4();
    expect(r.feed(fragments(whole, piecesOf(whole.length - 20, 64), 0x4242), 1000 + flood)).toBe(1);
    expect(tcpPayload(r.out[0])).toBe(LOGIN);
  });

  test('one pair flooding is held to its own cap and pushes out no other pair', () => {
    const r = new Rig();
    const whole = packet4();
    const pieces = piecesOf(whole.length - 20, 64);
    r.feed(fragments(whole, pieces.slice(1), 0x4242), 1000);
    const C = '10.99.0.1';
    for (let id = 0; id < 4 * DEFRAG_LIMITS.maxPerPair; id++) r.feed([ipv4(C, B, 6, Buffer.alloc(512, 1), { id, moreFragments: true })], 1001);
    expect(r.defrag.inProgress).toBe(1 + DEFRAG_LIMITS.maxPerPair);
    expect(r.feed(fragments(whole, pieces.slice(0, 1), 0x4242), 1002)).toBe(1);
    expect(tcpPayload(r.out[0])).toBe(LOGIN);
  });

  test('byte caps: big datagrams from one pair are held to its byte cap', () => {
    const r = new Rig({ maxPairBytes: 200_000 });
    for (let id = 0; id < 100; id++) r.feed([ipv4(A, B, 17, Buffer.alloc(1480, 1), { id, fragmentOffset: 60_000, moreFragments: true })], 1000);
    expect(r.defrag.inProgress).toBeLessThanOrEqual(3);
    expect(r.defrag.bytesHeld).toBeLessThanOrEqual(200_000 + 4 * 4096);
    expect(r.stats.fragmentsEvicted).toBeGreaterThan(90);
  });

  test('a datagram longer than an IP length field allows, or with two ends, is dropped whole', () => {
    const r = new Rig();
    r.feed([ipv4(A, B, 6, Buffer.alloc(800, 1), { id: 9, fragmentOffset: 65_000 })]);
    expect(r.stats.fragmentsInvalid).toBe(1);
    r.feed([ipv4(A, B, 6, Buffer.alloc(80, 1), { id: 10, fragmentOffset: 80 }), ipv4(A, B, 6, Buffer.alloc(40, 1), { id: 10, fragmentOffset: 200 })]);
    expect(r.stats.fragmentsInvalid).toBe(2);
    expect(r.defrag.inProgress).toBe(0);
  });

  test('tiny fragments leaving more holes than allowed give the datagram up', () => {
    const r = new Rig();
    const frags: Buffer[] = [];
    for (let i = 0; i < 40; i++) frags.push(ipv4(A, B, 6, Buffer.alloc(8, 1), { id: 11, fragmentOffset: 16 * i + 16, moreFragments: true }));
    r.feed(frags);
    expect(r.stats.fragmentsInvalid).toBe(1);
    expect(r.defrag.inProgress).toBeLessThanOrEqual(1);
  });
});

describe('the fast paths never take a fragment for a whole segment', () => {
  test('a first fragment (offset 0, more fragments) has no frame key', () => {
    const whole = packet4();
    const [first] = fragments(whole, piecesOf(whole.length - 20, 64), 0x4242);
    const key = new TcpFrameKey();
    expect(tcpFrameKey(frameOf(ether(whole)), key)).toBe(true);
    expect(tcpFrameKey(frameOf(ether(first)), key)).toBe(false);
    const p = new Packet();
    expect(decodeFrame(frameOf(ether(first)), p)).toBe(true);
    expect(p.fragment).toBe(true);
    expect(p.srcPort).toBe(0);
  });

  test('an IPv6 atomic fragment (offset 0, no more) is a whole packet', () => {
    const whole = packet6();
    const [atomic] = fragments(whole, [{ start: 0, end: whole.length - 40, more: false }]);
    const p = new Packet();
    expect(decodeFrame(frameOf(ether(atomic)), p)).toBe(true);
    expect(p.fragment).toBe(false);
    expect(p.srcPort).toBe(51040);
    expect(p.data.subarray(p.payloadOffset, p.payloadOffset + p.payloadLength).toString()).toBe(LOGIN);
  });
});
