import { Packet, SYN } from '../../src/decode/packet';
import { RuledOut } from '../../src/flow/ruled-out';
import { endpointCheck, endpointHash } from '../../src/flow/table';

function packet(sport: number, flags = 0x10): Packet {
  const p = new Packet();
  p.ipVersion = 4;
  p.protocol = 6;
  p.src0 = 0x0a000001;
  p.dst0 = 0xc6336407;
  p.srcPort = sport;
  p.dstPort = 443;
  p.tcpFlags = flags;
  return p;
}

function reverse(p: Packet): Packet {
  const r = packet(p.dstPort, p.tcpFlags);
  r.src0 = p.dst0;
  r.dst0 = p.src0;
  r.srcPort = p.dstPort;
  r.dstPort = p.srcPort;
  return r;
}

describe('RuledOut', () => {
  test('remembers a flow in both directions and nothing else', () => {
    const r = new RuledOut(1024);
    const p = packet(40000);
    r.add(p, endpointHash(p));
    expect(r.has(p, endpointHash(p))).toBe(true);
    expect(r.has(reverse(p), endpointHash(reverse(p)))).toBe(true);
    const other = packet(40001);
    expect(r.has(other, endpointHash(other))).toBe(false);
  });

  test('a flow whose 30-bit hash collides is told apart by the check word', () => {
    const r = new RuledOut(1024);
    const p = packet(40000);
    r.add(p, 12345);
    const q = packet(40002);
    expect(r.has(q, 12345)).toBe(false);
  });

  test('a SYN is never filtered, and forget lets a reused tuple be inspected again', () => {
    const r = new RuledOut(1024);
    const p = packet(40000);
    r.add(p, endpointHash(p));
    const syn = packet(40000, SYN);
    expect(r.has(syn, endpointHash(syn))).toBe(false);
    r.forget(syn, endpointHash(syn));
    expect(r.has(p, endpointHash(p))).toBe(false);
  });

  test('eight flows sharing a bucket are all kept; a ninth pushes out the oldest, and forget leaves the rest', () => {
    const r = new RuledOut(1024);
    // 128 buckets here: hashes 5, 133, 261, ... all land in bucket 5.
    const flows = Array.from({ length: 9 }, (_, i) => ({ p: packet(30000 + i), hash: 5 + 128 * i }));
    for (const f of flows.slice(0, 8)) r.add(f.p, f.hash);
    expect(flows.slice(0, 8).every((f) => r.has(f.p, f.hash))).toBe(true);
    r.add(flows[8].p, flows[8].hash);
    expect(r.has(flows[0].p, flows[0].hash)).toBe(false);
    expect(flows.slice(1).every((f) => r.has(f.p, f.hash))).toBe(true);
    // Adding a flow already held changes nothing.
    r.add(flows[8].p, flows[8].hash);
    expect(flows.slice(1).every((f) => r.has(f.p, f.hash))).toBe(true);
    const syn = packet(30004, SYN);
    r.forget(syn, flows[4].hash);
    expect(r.has(flows[4].p, flows[4].hash)).toBe(false);
    expect(flows.filter((_, i) => i !== 0 && i !== 4).every((f) => r.has(f.p, f.hash))).toBe(true);
    expect(r.hasKey(flows[5].hash, endpointCheck(flows[5].p))).toBe(true);
  });
});
