import { ether, ipv4, ipv6, tcp, udp } from '../support/craft';
import { erspan1, erspan2, erspan3, gre, mpls, vxlan } from '../support/craft-links';
import { MAX_TUNNEL_DEPTH } from '../../src/decode/decode';
import { decode, expectPacket, payloadOf } from './util';

// Outer: the mirror session between a switch and the collector.
const SW = '172.16.0.1';
const COL = '172.16.0.2';
const SW6 = '2001:db8:aaaa::1';
const COL6 = '2001:db8:aaaa::2';
// Inner: the mirrored traffic.
const H = '10.0.0.42';
const P = '45.76.100.20';
const H6 = '2001:db8:1::42';
const P6 = '2a01:4f8::3333';

const job = '{"method":"mining.notify","params":["1"]}';
const inner4 = ipv4(P, H, 6, tcp(P, H, 3333, 49152, job, { flags: 'PA', seq: 0x9abcdef0, ack: 0x1111 }));
const inner6 = ipv6(H6, P6, 17, udp(H6, P6, 50000, 3333, 'stratum'));
const want4 = { version: 4 as const, src: P, dst: H, protocol: 6, srcPort: 3333, dstPort: 49152, flags: 0x18, seq: 0x9abcdef0, ack: 0x1111, payload: job, ipLength: inner4.length, tunnelDepth: 1 };
const want6 = { version: 6 as const, src: H6, dst: P6, protocol: 17, srcPort: 50000, dstPort: 3333, payload: 'stratum', ipLength: inner6.length, tunnelDepth: 1 };

const over4 = (proto: number, payload: Buffer) => ether(ipv4(SW, COL, proto, payload));
const over6 = (proto: number, payload: Buffer) => ether(ipv6(SW6, COL6, proto, payload));

describe('GRE', () => {
  test('IPv4 in GRE', () => {
    const d = decode(over4(47, gre(inner4, 0x0800)));
    expectPacket(d, want4);
    expect(d.stats.tunnels).toBe(1);
  });

  test('optional checksum, key and sequence fields', () => {
    expectPacket(decode(over4(47, gre(inner6, 0x86dd, { checksum: true, key: 0xabcdef, seq: 99 }))), want6);
    expectPacket(decode(over4(47, gre(inner4, 0x0800, { key: 1 }))), want4);
    expectPacket(decode(over6(47, gre(inner4, 0x0800, { seq: 1 }))), want4);
  });

  test('transparent Ethernet bridging (0x6558) with a VLAN inside', () => {
    const f = ether(inner4, 0x0800, [77]);
    expectPacket(decode(over4(47, gre(f, 0x6558, { key: 5 }))), { ...want4, vlanId: 77 });
  });

  test('the outer VLAN wins over one inside the tunnel', () => {
    const f = ether(inner4, 0x0800, [77]);
    const outer = ether(ipv4(SW, COL, 47, gre(f, 0x6558)), 0x0800, [12]);
    expectPacket(decode(outer), { ...want4, vlanId: 12 });
  });

  test('GRE it does not follow leaves the outer packet', () => {
    const pptp = gre(Buffer.from([0xff, 0x03, 0x00, 0x21]), 0x880b, { version: 1, key: 0x00100001 });
    const outer = ipv4(SW, COL, 47, pptp);
    const d = decode(ether(outer));
    expectPacket(d, { version: 4, src: SW, dst: COL, protocol: 47, payload: pptp, ipLength: outer.length });
    expect(d.stats.tunnels).toBe(0);
    const arp = gre(Buffer.alloc(28), 0x0806);
    expectPacket(decode(over4(47, arp)), { version: 4, src: SW, dst: COL, protocol: 47, payload: arp, ipLength: 20 + arp.length });
    const routed = gre(inner4, 0x0800);
    routed[0] |= 0x40;
    expectPacket(decode(over4(47, routed)), { version: 4, src: SW, dst: COL, protocol: 47, payload: routed, ipLength: 20 + routed.length });
  });

  test('MPLS over GRE', () => {
    expectPacket(decode(over4(47, gre(mpls(inner4, [100]), 0x8847))), want4);
  });

  test('a truncated inner packet fails instead of reporting half of it', () => {
    const f = over4(47, gre(inner4, 0x0800, { key: 1 }));
    const d = decode(f.subarray(0, 14 + 20 + 8 + 30));
    expect(d.ok).toBe(false);
    expect(d.stats.truncated).toBe(1);
    expect(decode(f.subarray(0, 14 + 20 + 6)).stats.truncated).toBe(1);
  });

  test('a later fragment of the outer packet is not peeled', () => {
    const outer = ipv4(SW, COL, 47, Buffer.alloc(40, 3), { fragmentOffset: 1480 });
    expectPacket(decode(ether(outer)), { version: 4, src: SW, dst: COL, protocol: 47, laterFragment: true, payload: Buffer.alloc(40, 3), ipLength: outer.length });
  });

  test('nor is the first fragment of the outer packet: its inner packet is only part there', () => {
    const outer = ipv4(SW, COL, 47, gre(inner4, 0x0800), { moreFragments: true });
    expectPacket(decode(ether(outer)), { version: 4, src: SW, dst: COL, protocol: 47, fragment: true, payload: gre(inner4, 0x0800), ipLength: outer.length });
  });
});

describe('ERSPAN', () => {
  const mirrored = ether(inner4, 0x0800, [30]);
  test('type I (GRE 0x88be without sequence)', () => {
    expectPacket(decode(over4(47, erspan1(mirrored))), { ...want4, vlanId: 30 });
  });

  test('type II', () => {
    expectPacket(decode(over4(47, erspan2(mirrored, 5, 0, 1234))), { ...want4, vlanId: 30 });
    expectPacket(decode(over6(47, erspan2(ether(inner6), 5))), want6);
  });

  test('type III with and without the platform subheader', () => {
    expectPacket(decode(over4(47, erspan3(mirrored))), { ...want4, vlanId: 30 });
    expectPacket(decode(over4(47, erspan3(mirrored, { platform: true }))), { ...want4, vlanId: 30 });
    expectPacket(decode(over4(47, erspan3(ether(inner6), { platform: true, session: 1023 }))), want6);
  });

  test('type III carrying a bare IP packet (frame type 2)', () => {
    expectPacket(decode(over4(47, erspan3(inner6, { frameType: 2 }))), want6);
  });

  test('ERSPAN header cut short is truncated', () => {
    const f = over4(47, erspan3(mirrored, { platform: true }));
    expect(decode(f.subarray(0, 14 + 20 + 8 + 11)).stats.truncated).toBe(1);
    expect(decode(f.subarray(0, 14 + 20 + 8 + 19)).stats.truncated).toBe(1);
    const f2 = over4(47, erspan2(mirrored));
    expect(decode(f2.subarray(0, 14 + 20 + 8 + 7)).stats.truncated).toBe(1);
  });
});

describe('VXLAN', () => {
  test('over IPv4 and IPv6', () => {
    const v = vxlan(ether(inner4), 5000);
    expectPacket(decode(over4(17, udp(SW, COL, 54321, 4789, v))), want4);
    const v6 = vxlan(ether(inner6, 0x86dd, [3]));
    expectPacket(decode(over6(17, udp(SW6, COL6, 1, 4789, v6))), { ...want6, vlanId: 3 });
  });

  test('without the I flag it is plain UDP', () => {
    const v = vxlan(ether(inner4));
    v[0] = 0;
    const outer = ipv4(SW, COL, 17, udp(SW, COL, 54321, 4789, v));
    const d = decode(ether(outer));
    expectPacket(d, { version: 4, src: SW, dst: COL, protocol: 17, srcPort: 54321, dstPort: 4789, payload: v, ipLength: outer.length });
  });

  test('outer ports do not leak into an inner packet without ports', () => {
    const icmp = ipv4(H, P, 1, Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]));
    const d = decode(over4(17, udp(SW, COL, 54321, 4789, vxlan(ether(icmp)))));
    expectPacket(d, { version: 4, src: H, dst: P, protocol: 1, payload: Buffer.from([8, 0, 0, 0, 0, 1, 0, 1]), ipLength: icmp.length, tunnelDepth: 1 });
  });

  test('inner frame that is not IP is notIp', () => {
    const d = decode(over4(17, udp(SW, COL, 1, 4789, vxlan(ether(Buffer.alloc(28), 0x0806)))));
    expect(d.ok).toBe(false);
    expect(d.stats.notIp).toBe(1);
  });
});

describe('IP in IP', () => {
  test('IPv4 in IPv4 (4) and IPv6 in IPv4 (6in4, 41)', () => {
    expectPacket(decode(over4(4, inner4)), want4);
    expectPacket(decode(over4(41, inner6)), want6);
  });

  test('IPv6 in IPv6 (41) and IPv4 in IPv6 (4)', () => {
    expectPacket(decode(over6(41, inner6)), want6);
    const d = decode(over6(4, inner4));
    expectPacket(d, want4); // words 1..3 of the IPv6 outer addresses are cleared
  });

  test('inner version that does not match the protocol number is malformed', () => {
    expect(decode(over4(4, inner6)).stats.malformed).toBe(1);
  });
});

describe('nesting', () => {
  test('VXLAN inside ERSPAN inside IPv4-in-IPv6', () => {
    const vx = ipv4(SW, COL, 17, udp(SW, COL, 3, 4789, vxlan(ether(inner4, 0x0800, [901]))));
    const er = ipv4('192.0.2.1', '192.0.2.2', 47, erspan3(ether(vx)));
    const outer = ipv6(SW6, COL6, 4, er);
    const d = decode(ether(outer));
    expectPacket(d, { ...want4, tunnelDepth: 3, vlanId: 901 });
    expect(d.stats.tunnels).toBe(1);
  });

  test(`nesting deeper than ${MAX_TUNNEL_DEPTH} stops and reports the packet reached`, () => {
    let p = inner4;
    for (let i = 0; i < MAX_TUNNEL_DEPTH + 3; i++) p = ipv4(SW, COL, 4, p);
    const d = decode(ether(p));
    expect(d.ok).toBe(true);
    expect(d.pkt.tunnelDepth).toBe(MAX_TUNNEL_DEPTH);
    expect(d.pkt.protocol).toBe(4);
    expect(d.pkt.srcPort).toBe(0);
    // The packet reached is IP-in-IP whose payload is the rest of the nest.
    expect(payloadOf(d.pkt).length).toBe(inner4.length + 2 * 20);
  });
});
