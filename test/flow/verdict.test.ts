/**
 * The frame verdict is what both Analyzer.frame and the --workers triage act
 * on: crafted frames of each kind must get their kind, the flags the shard
 * rule reads, and the flow's own hashes, whether keyed from the bytes (plain
 * Ethernet) or decoded (behind a VLAN tag).
 */
import { Frame } from '../../src/capture/frame';
import { DecodeStats, decodeFrame } from '../../src/decode/decode';
import { endpointCheck, endpointHash } from '../../src/decode/endpoint-hash';
import { Packet } from '../../src/decode/packet';
import { RuledOut } from '../../src/flow/ruled-out';
import {
  DNS_DATAGRAM, DNS_PORT_FLAG, FRAGMENT, FrameVerdict, RULED_OUT, SKIP, SYN_FLAG, TCP_SEGMENT, frameVerdict, otherShard,
} from '../../src/flow/verdict';
import { ether, ipv4, tcp, udp } from '../support/craft';

const HOST = '10.0.0.5';
const POOL = '198.51.100.7';

function frameOf(bytes: Buffer): Frame {
  const f = new Frame();
  f.data = bytes;
  f.capLength = f.origLength = bytes.length;
  return f;
}

const plain = (seg: Buffer, proto = 6): Frame => frameOf(ether(ipv4(HOST, POOL, proto, seg)));
const tagged = (seg: Buffer, proto = 6): Frame => frameOf(ether(ipv4(HOST, POOL, proto, seg), undefined, [42]));

function judge(f: Frame, ruledOut: RuledOut | null = null): { kind: number; v: FrameVerdict; stats: DecodeStats } {
  const v = new FrameVerdict();
  const stats = new DecodeStats();
  return { kind: frameVerdict(f, v, stats, ruledOut), v, stats };
}

function decoded(f: Frame): Packet {
  const p = new Packet();
  if (!decodeFrame(f, p)) throw new Error('crafted frame did not decode');
  return p;
}

describe('frameVerdict', () => {
  test.each([
    ['keyed from the bytes', plain, true],
    ['decoded behind a VLAN tag', tagged, false],
  ])('a TCP segment %s: its flow hashes, SYN and DNS port flags', (_name, make, keyed) => {
    const seg = make(tcp(HOST, POOL, 40000, 3333, '{"id":1}\n', { flags: 'PA' }));
    const { kind, v, stats } = judge(seg);
    expect(kind).toBe(TCP_SEGMENT);
    expect(v.keyed).toBe(keyed);
    const p = decoded(seg);
    expect([v.hash, v.check]).toEqual([endpointHash(p), endpointCheck(p)]);
    expect(stats.ok).toBe(1);
    expect(judge(make(tcp(HOST, POOL, 40000, 3333, '', { flags: 'S' }))).kind).toBe(TCP_SEGMENT | SYN_FLAG);
    expect(judge(make(tcp(HOST, POOL, 40001, 53, '', { flags: 'A' }))).kind).toBe(TCP_SEGMENT | DNS_PORT_FLAG);
    expect(judge(make(tcp(POOL, HOST, 53, 40001, '', { flags: 'SA' }))).kind).toBe(TCP_SEGMENT | SYN_FLAG | DNS_PORT_FLAG);
  });

  test.each([
    ['keyed', plain],
    ['decoded', tagged],
  ])('a %s segment of a ruled-out flow is RULED_OUT, its SYN is not, and without the table nothing is', (_name, make) => {
    const seg = make(tcp(HOST, POOL, 40000, 443, 'x', { flags: 'A' }));
    const p = decoded(seg);
    const r = new RuledOut(1024);
    r.add(p, endpointHash(p));
    expect(judge(seg, r).kind).toBe(RULED_OUT);
    expect(judge(seg, null).kind).toBe(TCP_SEGMENT);
    expect(judge(make(tcp(HOST, POOL, 40000, 443, '', { flags: 'S' })), r).kind).toBe(TCP_SEGMENT | SYN_FLAG);
  });

  test('UDP: DNS either way is a datagram to read, any other port is skipped', () => {
    expect(judge(plain(udp(HOST, POOL, 5353, 53, 'q'), 17)).kind).toBe(DNS_DATAGRAM);
    expect(judge(tagged(udp(POOL, HOST, 53, 5353, 'a'), 17)).kind).toBe(DNS_DATAGRAM);
    expect(judge(plain(udp(HOST, POOL, 5353, 54, 'q'), 17)).kind).toBe(SKIP);
  });

  test('a fragment of TCP or UDP is held, of another protocol skipped; what does not decode is skipped', () => {
    const seg = tcp(HOST, POOL, 40000, 3333, Buffer.alloc(64, 0x41), { flags: 'PA' });
    const first = frameOf(ether(ipv4(HOST, POOL, 6, seg.subarray(0, 32), { id: 7, moreFragments: true })));
    expect(judge(first).kind).toBe(FRAGMENT);
    const icmp = frameOf(ether(ipv4(HOST, POOL, 1, Buffer.alloc(32), { id: 8, moreFragments: true })));
    expect(judge(icmp).kind).toBe(SKIP);
    expect(judge(frameOf(ether(ipv4(HOST, POOL, 1, Buffer.alloc(8))))).kind).toBe(SKIP);
    const { kind, stats } = judge(frameOf(Buffer.alloc(10)));
    expect(kind).toBe(SKIP);
    expect(stats.ok).toBe(0);
  });
});

describe('otherShard', () => {
  test('a flow belongs to the shard its hash names, except DNS over TCP which every shard follows', () => {
    expect(otherShard(TCP_SEGMENT, 7, 1, 2)).toBe(false);
    expect(otherShard(TCP_SEGMENT, 7, 0, 2)).toBe(true);
    expect(otherShard(TCP_SEGMENT | DNS_PORT_FLAG, 7, 0, 2)).toBe(false);
    expect(otherShard(TCP_SEGMENT, 7, 0, 1)).toBe(false);
  });
});
