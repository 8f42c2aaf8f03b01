import { ether, ip, ipv4, ipv6, tcp, udp } from '../support/craft';
import { ciscoHdlc, etherTagged, loopback, mpls, ppp, pppoe, sll, sll2 } from '../support/craft-links';
import { Packet } from '../../src/decode/packet';
import { decodeFrame } from '../../src/decode/decode';
import { decode, expectPacket, frameOf } from './util';

const C4 = '192.168.1.10';
const S4 = '203.0.113.5';
const C6 = '2001:db8::10';
const S6 = '2001:db8:ffff::5:3333';

const body = 'mining.subscribe{"id":1}';
const seg4 = tcp(C4, S4, 51234, 3333, body, { seq: 0xfffffff0, ack: 0x80000001, flags: 'PA' });
const pkt4 = ipv4(C4, S4, 6, seg4);
const seg6 = udp(C6, S6, 5353, 53, 'question');
const pkt6 = ipv6(C6, S6, 17, seg6);

const tcp4 = { version: 4 as const, src: C4, dst: S4, protocol: 6, srcPort: 51234, dstPort: 3333, flags: 0x18, seq: 0xfffffff0, ack: 0x80000001, payload: body, ipLength: pkt4.length };
const udp6 = { version: 6 as const, src: C6, dst: S6, protocol: 17, srcPort: 5353, dstPort: 53, payload: 'question', ipLength: pkt6.length };

describe('Ethernet', () => {
  test('IPv4 TCP: addresses, ports, flags, seq/ack above 2^31, payload', () => {
    const d = decode(ether(pkt4));
    expectPacket(d, tcp4);
    expect(d.stats.ok).toBe(1);
    expect(d.stats.frames).toBe(1);
  });

  test('IPv6 UDP', () => {
    expectPacket(decode(ether(pkt6)), udp6);
  });

  test('TCP options are skipped by the data offset', () => {
    const opts = Buffer.from([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1, 3, 3, 7, 0, 0, 0]);
    const seg = tcp(C4, S4, 40000, 443, 'hello', { flags: 'SA', seq: 1, ack: 2, options: opts });
    const p = ipv4(C4, S4, 6, seg);
    expectPacket(decode(ether(p)), { version: 4, src: C4, dst: S4, protocol: 6, srcPort: 40000, dstPort: 443, flags: 0x12, seq: 1, ack: 2, payload: 'hello', ipLength: p.length });
  });

  test('Ethernet padding after a short packet is not payload', () => {
    const syn = ipv4(C4, S4, 6, tcp(C4, S4, 1, 2, '', { flags: 'S', seq: 7 }));
    const f = Buffer.concat([ether(syn), Buffer.alloc(6, 0x55)]);
    expect(f.length).toBe(60);
    const d = decode(f);
    expectPacket(d, { version: 4, src: C4, dst: S4, protocol: 6, srcPort: 1, dstPort: 2, flags: 0x02, seq: 7, payload: '', ipLength: 40 });

    const u = ipv6(C6, S6, 17, udp(C6, S6, 9, 10, 'ab'));
    const d6 = decode(Buffer.concat([ether(u), Buffer.alloc(20, 0x55)]));
    expectPacket(d6, { version: 6, src: C6, dst: S6, protocol: 17, srcPort: 9, dstPort: 10, payload: 'ab', ipLength: u.length });
  });

  test('UDP length shorter than the IP payload clips the payload', () => {
    const seg = udp(C4, S4, 1000, 2000, 'abcdef');
    seg.writeUInt16BE(8 + 3, 4);
    const p = ipv4(C4, S4, 17, seg);
    expectPacket(decode(ether(p)), { version: 4, src: C4, dst: S4, protocol: 17, srcPort: 1000, dstPort: 2000, payload: 'abc', ipLength: p.length });
  });

  test('a capture cut by the snap length clips the payload but keeps the wire ipLength', () => {
    const big = Buffer.alloc(1000, 0x61);
    const p = ipv4(C4, S4, 6, tcp(C4, S4, 5, 6, big, { flags: 'A', seq: 9, ack: 10 }));
    const f = ether(p);
    const d = decode(f, 1, { capLength: 100, origLength: f.length });
    expectPacket(d, { version: 4, src: C4, dst: S4, protocol: 6, srcPort: 5, dstPort: 6, flags: 0x10, seq: 9, ack: 10, payload: big.subarray(0, 100 - 54), ipLength: p.length });
  });

  test('non-IP ethertypes are notIp', () => {
    const arp = ether(Buffer.alloc(28), 0x0806);
    const d = decode(arp);
    expect(d.ok).toBe(false);
    expect(d.pkt.ipVersion).toBe(0);
    expect(d.stats.notIp).toBe(1);
  });

  test('802.3 with LLC/SNAP carrying IPv4', () => {
    const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    const payload = Buffer.concat([snap, pkt4]);
    expectPacket(decode(ether(payload, payload.length)), tcp4);
    // Plain 802.2 LLC (spanning tree) is not IP.
    const stp = Buffer.concat([Buffer.from([0x42, 0x42, 0x03]), Buffer.alloc(35)]);
    expect(decode(ether(stp, stp.length)).stats.notIp).toBe(1);
  });

  test('too short for the Ethernet header is truncated', () => {
    const d = decode(ether(pkt4).subarray(0, 13));
    expect(d.ok).toBe(false);
    expect(d.stats.truncated).toBe(1);
  });
});

describe('VLAN tags', () => {
  test('802.1Q', () => {
    expectPacket(decode(ether(pkt4, 0x0800, [42])), { ...tcp4, vlanId: 42 });
  });

  test('priority bits are not part of the id', () => {
    expectPacket(decode(etherTagged(pkt6, 0x86dd, [{ tpid: 0x8100, id: 4094, pcp: 7 }])), { ...udp6, vlanId: 4094 });
  });

  test('802.1ad QinQ keeps the outer id', () => {
    expectPacket(decode(ether(pkt4, 0x0800, [100, 200])), { ...tcp4, vlanId: 100 });
  });

  test('0x9100 outer tag and three stacked tags', () => {
    const f = etherTagged(pkt6, 0x86dd, [
      { tpid: 0x9100, id: 7 },
      { tpid: 0x88a8, id: 8 },
      { tpid: 0x8100, id: 9 },
    ]);
    expectPacket(decode(f), { ...udp6, vlanId: 7 });
  });

  test('a tag cut short is truncated', () => {
    const f = ether(pkt4, 0x0800, [42]).subarray(0, 16);
    expect(decode(f).stats.truncated).toBe(1);
  });
});

describe('PPPoE session', () => {
  test('IPv4 (PPP 0x0021)', () => {
    expectPacket(decode(ether(pppoe(pkt4), 0x8864)), tcp4);
  });

  test('IPv6 (PPP 0x0057) under a VLAN', () => {
    expectPacket(decode(ether(pppoe(pkt6), 0x8864, [300])), { ...udp6, vlanId: 300 });
  });

  test('PPP control protocols are notIp', () => {
    const lcp = pppoe(Buffer.alloc(10), 1, 0xc021);
    expect(decode(ether(lcp, 0x8864)).stats.notIp).toBe(1);
  });

  test('a bad version/type byte is malformed', () => {
    const s = pppoe(pkt4);
    s[0] = 0x21;
    expect(decode(ether(s, 0x8864)).stats.malformed).toBe(1);
  });
});

describe('MPLS', () => {
  test('one label, IPv4', () => {
    expectPacket(decode(ether(mpls(pkt4, [16]), 0x8847)), tcp4);
  });

  test('three labels, IPv6, multicast ethertype', () => {
    expectPacket(decode(ether(mpls(pkt6, [16, 17, 1048575]), 0x8848)), udp6);
  });

  test('Ethernet pseudowire with control word', () => {
    const inner = ether(pkt4, 0x0800, [55]);
    expectPacket(decode(ether(mpls(inner, [20, 21], true), 0x8847, [10])), { ...tcp4, vlanId: 10 });
    // Without an outer tag, the inner frame's tag is the outermost one seen.
    expectPacket(decode(ether(mpls(inner, [20], true), 0x8847)), { ...tcp4, vlanId: 55 });
  });

  test('a stack without a bottom label is truncated', () => {
    const stack = mpls(pkt4, [16]);
    stack[2] &= 0xfe; // clear bottom-of-stack: the "next label" is the IPv4 header
    const f = ether(stack.subarray(0, 4), 0x8847);
    expect(decode(f).stats.truncated).toBe(1);
  });
});

describe('Linux cooked captures', () => {
  test('SLL v1 (113) IPv4 and IPv6', () => {
    expectPacket(decode(sll(pkt4, 0x0800), 113), tcp4);
    expectPacket(decode(sll(pkt6, 0x86dd, 4), 113), udp6);
  });

  test('SLL v2 (276) IPv4 and IPv6', () => {
    expectPacket(decode(sll2(pkt4, 0x0800), 276), tcp4);
    expectPacket(decode(sll2(pkt6, 0x86dd, 7, 4), 276), udp6);
  });

  test('SLL with a VLAN tag left in the data', () => {
    const tagged = Buffer.concat([Buffer.from([0x00, 0x05, 0x08, 0x00]), pkt4]);
    expectPacket(decode(sll(tagged, 0x8100), 113), { ...tcp4, vlanId: 5 });
  });

  test('non-IP and short headers', () => {
    expect(decode(sll(Buffer.alloc(28), 0x0806), 113).stats.notIp).toBe(1);
    expect(decode(sll(pkt4, 0x0800).subarray(0, 15), 113).stats.truncated).toBe(1);
    expect(decode(sll2(pkt4, 0x0800).subarray(0, 19), 276).stats.truncated).toBe(1);
  });
});

describe('raw IP link types', () => {
  test.each([12, 14, 101])('DLT %d: IPv4 and IPv6 by version nibble', (lt) => {
    expectPacket(decode(pkt4, lt), tcp4);
    expectPacket(decode(pkt6, lt), udp6);
  });

  test('a raw frame that is not IP', () => {
    expect(decode(Buffer.from([0x10, 1, 2, 3]), 101).stats.notIp).toBe(1);
    expect(decode(Buffer.alloc(0), 101).stats.truncated).toBe(1);
  });

  test('LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)', () => {
    expectPacket(decode(pkt4, 228), tcp4);
    expectPacket(decode(pkt6, 229), udp6);
    // The link type says IPv4, the header says 6: malformed, not a guess.
    expect(decode(pkt6, 228).stats.malformed).toBe(1);
    expect(decode(pkt4, 229).stats.malformed).toBe(1);
  });
});

describe('loopback', () => {
  test.each([false, true])('BSD null (0), family 2 written %s', (be) => {
    expectPacket(decode(loopback(pkt4, 2, be), 0), tcp4);
  });

  test.each([
    [24, false],
    [28, false],
    [30, false],
    [24, true],
    [28, true],
    [30, true],
  ])('BSD null (0), IPv6 family %d big-endian %s', (fam, be) => {
    expectPacket(decode(loopback(pkt6, fam, be), 0), udp6);
  });

  test('OpenBSD loop (108) is network order', () => {
    expectPacket(decode(loopback(pkt4, 2, true), 108), tcp4);
    expectPacket(decode(loopback(pkt6, 24, true), 108), udp6);
  });

  test('other families and short headers', () => {
    expect(decode(loopback(pkt4, 7, false), 0).stats.notIp).toBe(1);
    expect(decode(Buffer.from([2, 0, 0]), 0).stats.truncated).toBe(1);
    expect(decode(Buffer.from([0, 0, 0]), 108).stats.truncated).toBe(1);
  });
});

describe('PPP and HDLC', () => {
  test('PPP (9) bare, with ff 03 and with protocol compression', () => {
    expectPacket(decode(ppp(pkt4, 0x21), 9), tcp4);
    expectPacket(decode(ppp(pkt6, 0x57, { hdlc: true }), 9), udp6);
    expectPacket(decode(ppp(pkt4, 0x21, { compressed: true }), 9), tcp4);
  });

  test('PPP in HDLC framing (50) and Cisco HDLC (50, 104)', () => {
    expectPacket(decode(ppp(pkt4, 0x21, { hdlc: true }), 50), tcp4);
    expectPacket(decode(ciscoHdlc(pkt6, 0x86dd, 0x8f), 50), udp6);
    expectPacket(decode(ciscoHdlc(pkt4, 0x0800), 104), tcp4);
  });

  test('LCP is notIp; short frames are truncated', () => {
    expect(decode(ppp(Buffer.alloc(8), 0xc021, { hdlc: true }), 9).stats.notIp).toBe(1);
    expect(decode(Buffer.from([0xff, 0x03, 0x00]), 9).stats.truncated).toBe(1);
    expect(decode(Buffer.from([0xff]), 50).stats.truncated).toBe(1);
    expect(decode(Buffer.from([0x0f, 0, 8]), 104).stats.truncated).toBe(1);
  });
});

test('an unknown link type is counted as unsupported', () => {
  const d = decode(ether(pkt4), 147);
  expect(d.ok).toBe(false);
  expect(d.stats.unsupportedLink).toBe(1);
});

test('one Packet is reused: fields from a previous frame do not leak', () => {
  const pkt = new Packet();
  expect(decodeFrame(frameOf(ether(pkt4, 0x0800, [9])), pkt)).toBe(true);
  expect(pkt.vlanId).toBe(9);
  const icmp = ip(C6, S6, 58, Buffer.from([128, 0, 0, 0, 0, 1, 0, 1]));
  expect(decodeFrame(frameOf(ether(icmp)), pkt)).toBe(true);
  expect([pkt.ipVersion, pkt.protocol, pkt.srcPort, pkt.dstPort, pkt.tcpFlags, pkt.seq, pkt.ack, pkt.vlanId]).toEqual([6, 58, 0, 0, 0, 0, 0, -1]);
  expect(decodeFrame(frameOf(ether(Buffer.alloc(28), 0x0806)), pkt)).toBe(false);
  expect(pkt.ipVersion).toBe(0);
});
