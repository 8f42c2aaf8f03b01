import { ether, ipv4, ipv6, tcp, udp } from '../support/craft';
import { ahHeader, extHeader, fragHeader, ipv6Raw } from '../support/craft-links';
import { decode, expectPacket } from './util';

const A = '10.1.2.3';
const B = '198.51.100.77';
const A6 = 'fe80::1:2:3:4';
const B6 = '2001:db8:0:1::abcd';

describe('IPv4', () => {
  test('options (IHL > 5) are skipped', () => {
    const opts = Buffer.from([0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]); // router alert, NOPs, EOL
    const seg = tcp(A, B, 3333, 50000, '{"result":true}', { flags: 'PA', seq: 5, ack: 6 });
    const p = ipv4(A, B, 6, seg, { options: opts });
    expect(p[0]).toBe(0x47);
    expectPacket(decode(ether(p)), { version: 4, src: A, dst: B, protocol: 6, srcPort: 3333, dstPort: 50000, flags: 0x18, seq: 5, ack: 6, payload: '{"result":true}', ipLength: p.length });
  });

  test('first fragment (offset 0, MF): protocol set, no ports, payload is the fragment data, fragment fields set', () => {
    const seg = udp(A, B, 4000, 4001, Buffer.alloc(100, 0x41));
    const first = ipv4(A, B, 17, seg.subarray(0, 48), { moreFragments: true, id: 77 });
    const d = decode(ether(first));
    // Its transport header is only part of a datagram: src/flow/defrag.ts decodes the whole one.
    expectPacket(d, { version: 4, src: A, dst: B, protocol: 17, fragment: true, payload: seg.subarray(0, 48), ipLength: first.length });
    expect([d.pkt.fragId, d.pkt.fragOffset, d.pkt.fragMore, d.pkt.ipOffset - d.frame.offset, d.pkt.ipHeaderLength]).toEqual([77, 0, true, 14, 20]);
    expect(d.stats.fragments).toBe(1);
    expect(d.stats.laterFragments).toBe(0);
  });

  test('later fragments: protocol set, no ports, payload is the fragment data', () => {
    const seg = udp(A, B, 4000, 4001, Buffer.alloc(100, 0x41));
    for (const more of [true, false]) {
      const later = ipv4(A, B, 17, seg.subarray(48), { fragmentOffset: 48, moreFragments: more, id: 77 });
      const d = decode(ether(later));
      expectPacket(d, { version: 4, src: A, dst: B, protocol: 17, laterFragment: true, payload: seg.subarray(48), ipLength: later.length });
      expect([d.pkt.fragId, d.pkt.fragOffset, d.pkt.fragMore]).toEqual([77, 48, more]);
      expect(d.stats.laterFragments).toBe(1);
      expect(d.stats.fragments).toBe(1);
      expect(d.stats.ok).toBe(1);
    }
  });

  test('DF alone is no fragment', () => {
    const seg = tcp(A, B, 1, 2, 'whole', { flags: 'PA' });
    const p = ipv4(A, B, 6, seg);
    expect(p.readUInt16BE(6)).toBe(0x4000);
    expectPacket(decode(ether(p)), { version: 4, src: A, dst: B, protocol: 6, srcPort: 1, dstPort: 2, flags: 0x18, seq: 1000, payload: 'whole', ipLength: p.length });
  });

  test('another protocol: protocol set, ports 0, payload is the IP payload', () => {
    const echo = Buffer.from([8, 0, 0xf7, 0xff, 0, 1, 0, 0, 0x61, 0x62]);
    const p = ipv4(A, B, 1, echo);
    expectPacket(decode(ether(p)), { version: 4, src: A, dst: B, protocol: 1, payload: echo, ipLength: p.length });
  });

  test('total length 0 (segmentation offload) takes the captured bytes', () => {
    const seg = tcp(A, B, 1, 2, 'offloaded', { seq: 3, ack: 4, flags: 'PA' });
    const p = ipv4(A, B, 6, seg);
    p.writeUInt16BE(0, 2);
    const f = ether(p);
    expectPacket(decode(f), { version: 4, src: A, dst: B, protocol: 6, srcPort: 1, dstPort: 2, flags: 0x18, seq: 3, ack: 4, payload: 'offloaded', ipLength: p.length });
  });

  test('malformed headers', () => {
    const good = ipv4(A, B, 6, tcp(A, B, 1, 2, 'x'));
    const ihl4 = Buffer.from(good);
    ihl4[0] = 0x44;
    expect(decode(ether(ihl4, 0x0800)).stats.malformed).toBe(1);
    const shortTotal = Buffer.from(good);
    shortTotal.writeUInt16BE(19, 2);
    expect(decode(ether(shortTotal, 0x0800)).stats.malformed).toBe(1);
    const v5 = Buffer.from(good);
    v5[0] = 0x55;
    expect(decode(ether(v5, 0x0800)).stats.malformed).toBe(1);
  });

  test('truncated headers', () => {
    const withOpts = ipv4(A, B, 6, tcp(A, B, 1, 2, 'x'), { options: Buffer.alloc(8, 1) });
    const f = ether(withOpts);
    expect(decode(f.subarray(0, 14 + 19)).stats.truncated).toBe(1); // fixed header
    expect(decode(f.subarray(0, 14 + 27)).stats.truncated).toBe(1); // options
    expect(decode(f.subarray(0, 14 + 28 + 19)).stats.truncated).toBe(1); // TCP header
    const u = ether(ipv4(A, B, 17, udp(A, B, 1, 2, 'x')));
    expect(decode(u.subarray(0, 14 + 20 + 7)).stats.truncated).toBe(1);
  });
});

describe('TCP', () => {
  test('data offset below 5 is malformed', () => {
    const seg = tcp(A, B, 1, 2, 'abc');
    seg[12] = 0x40;
    expect(decode(ether(ipv4(A, B, 6, seg))).stats.malformed).toBe(1);
  });

  test('options cut by the snap length leave an empty payload inside the capture', () => {
    const seg = tcp(A, B, 1, 2, 'abc', { flags: 'S', seq: 11, options: Buffer.alloc(20, 1) });
    const p = ipv4(A, B, 6, seg);
    const f = ether(p);
    const d = decode(f, 1, { capLength: 14 + 20 + 30, origLength: f.length });
    expectPacket(d, { version: 4, src: A, dst: B, protocol: 6, srcPort: 1, dstPort: 2, flags: 0x02, seq: 11, payload: '', ipLength: p.length });
    expect(d.pkt.payloadOffset).toBe(d.frame.offset + 64);
  });

  test('all flag bits are kept', () => {
    const seg = tcp(A, B, 1, 2, '', { flags: 'FSRPAU' });
    seg[13] |= 0xc0; // ECE, CWR
    const d = decode(ether(ipv4(A, B, 6, seg)));
    expect(d.pkt.tcpFlags).toBe(0xff);
  });
});

describe('IPv6 extension headers', () => {
  const seg = () => tcp(A6, B6, 40001, 3333, 'login', { flags: 'PA', seq: 0xdeadbeef, ack: 0x12345678 });
  const tcpExpect = (len: number) => ({ version: 6 as const, src: A6, dst: B6, protocol: 6, srcPort: 40001, dstPort: 3333, flags: 0x18, seq: 0xdeadbeef, ack: 0x12345678, payload: 'login', ipLength: len });

  test('hop-by-hop, routing, destination options, then TCP', () => {
    const rest = Buffer.concat([extHeader(43, 6), extHeader(60, 22), extHeader(6, 14), seg()]);
    const p = ipv6Raw(A6, B6, 0, rest);
    expectPacket(decode(ether(p)), tcpExpect(p.length));
  });

  test('craft.ts extensions agree', () => {
    const p = ipv6(A6, B6, 6, seg(), [
      { type: 0, body: Buffer.alloc(6) },
      { type: 60, body: Buffer.alloc(14) },
    ]);
    expectPacket(decode(ether(p)), tcpExpect(p.length));
  });

  test('AH is skipped by its own length rule', () => {
    const rest = Buffer.concat([ahHeader(6, 12), seg()]);
    const p = ipv6Raw(A6, B6, 51, rest);
    expectPacket(decode(ether(p)), tcpExpect(p.length));
    const rest2 = Buffer.concat([extHeader(51), ahHeader(6, 20), seg()]);
    const p2 = ipv6Raw(A6, B6, 0, rest2);
    expectPacket(decode(ether(p2)), tcpExpect(p2.length));
  });

  test('first and later fragments end the walk at the fragment header, payload the fragment data', () => {
    const s = seg();
    const first = ipv6Raw(A6, B6, 44, Buffer.concat([fragHeader(6, 0, true, 0x1234567), s]));
    const d1 = decode(ether(first));
    expectPacket(d1, { version: 6, src: A6, dst: B6, protocol: 6, fragment: true, payload: s, ipLength: first.length });
    expect([d1.pkt.fragId, d1.pkt.fragOffset, d1.pkt.fragMore, d1.pkt.ipOffset - d1.frame.offset, d1.pkt.ipHeaderLength]).toEqual([0x1234567, 0, true, 14, 40]);
    const later = ipv6Raw(A6, B6, 0, Buffer.concat([extHeader(44), fragHeader(6, 1448, false), Buffer.alloc(30, 9)]));
    const d = decode(ether(later));
    expectPacket(d, { version: 6, src: A6, dst: B6, protocol: 6, laterFragment: true, payload: Buffer.alloc(30, 9), ipLength: later.length });
    expect([d.pkt.fragOffset, d.pkt.fragMore]).toEqual([1448, false]);
    expect(d.stats.laterFragments).toBe(1);
  });

  test('an atomic fragment (offset 0, no more fragments) is the whole datagram', () => {
    const p = ipv6Raw(A6, B6, 44, Buffer.concat([fragHeader(6, 0, false), seg()]));
    expectPacket(decode(ether(p)), tcpExpect(p.length));
  });

  test('ESP and No Next Header end the walk', () => {
    const esp = Buffer.from('0000100000000001aabbccdd', 'hex');
    const p = ipv6Raw(A6, B6, 60, Buffer.concat([extHeader(50), esp]));
    expectPacket(decode(ether(p)), { version: 6, src: A6, dst: B6, protocol: 50, payload: esp, ipLength: p.length });
    const none = ipv6Raw(A6, B6, 59, Buffer.alloc(0));
    expectPacket(decode(ether(none)), { version: 6, src: A6, dst: B6, protocol: 59, payload: '', ipLength: 40 });
  });

  test('payload length clips padding; 0 takes the captured bytes', () => {
    const u = ipv6(A6, B6, 17, udp(A6, B6, 7, 8, 'xyz'));
    const padded = Buffer.concat([u, Buffer.alloc(10, 0x55)]);
    expectPacket(decode(padded, 229), { version: 6, src: A6, dst: B6, protocol: 17, srcPort: 7, dstPort: 8, payload: 'xyz', ipLength: u.length });
    const zero = Buffer.from(u);
    zero.writeUInt16BE(0, 4);
    expectPacket(decode(zero, 229), { version: 6, src: A6, dst: B6, protocol: 17, srcPort: 7, dstPort: 8, payload: 'xyz', ipLength: u.length });
  });

  test('an extension header running past the capture is truncated', () => {
    const hbh = extHeader(6, 6);
    hbh[1] = 200; // claims 1608 bytes
    const p = ipv6Raw(A6, B6, 0, Buffer.concat([hbh, seg()]));
    expect(decode(ether(p)).stats.truncated).toBe(1);
    const cut = ipv6Raw(A6, B6, 0, Buffer.concat([extHeader(6), seg()]));
    expect(decode(ether(cut).subarray(0, 14 + 40 + 7)).stats.truncated).toBe(1);
    expect(decode(ether(cut).subarray(0, 14 + 39)).stats.truncated).toBe(1);
  });

  test('many zero-length options headers still end', () => {
    const chain: Buffer[] = [];
    for (let i = 0; i < 150; i++) chain.push(extHeader(60, 6));
    chain.push(extHeader(17, 6));
    const u = udp(A6, B6, 1, 2, 'deep');
    const p = ipv6Raw(A6, B6, 60, Buffer.concat([...chain, u]));
    expectPacket(decode(p, 229), { version: 6, src: A6, dst: B6, protocol: 17, srcPort: 1, dstPort: 2, payload: 'deep', ipLength: p.length });
  });
});
