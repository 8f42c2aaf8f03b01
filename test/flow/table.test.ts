import { Packet, TCP, UDP } from '../../src/decode/packet';
import { Evidence } from '../../src/detect/evidence';
import type { Flow } from '../../src/flow/flow';
import { FlowTable, endpointHash } from '../../src/flow/table';

function packet(src: number, dst: number, sport: number, dport: number, flags = 0x10, protocol = TCP): Packet {
  const p = new Packet();
  p.ipVersion = 4;
  p.src0 = src;
  p.dst0 = dst;
  p.srcPort = sport;
  p.dstPort = dport;
  p.protocol = protocol;
  p.tcpFlags = flags;
  return p;
}

const A = 0x0a010203;
const B = 0xc6336407 | 0;

/** Flows are recycled once ended, so what a test keeps of an ended flow is a copy taken at the end. */
function table(max = 100, idleMs = 60_000) {
  const ended: Flow[] = [];
  const t = new FlowTable({ maxFlows: max, idleTimeoutMs: idleMs, onEnd: (f) => ended.push({ ...f }) });
  return { t, ended };
}

describe('FlowTable', () => {
  test('both directions of a conversation hash alike and meet in one flow', () => {
    const { t } = table();
    const syn = packet(A, B, 49152, 3333, 0x02);
    const synAck = packet(B, A, 3333, 49152, 0x12);
    expect(endpointHash(syn)).toBe(endpointHash(synAck));
    const f = t.lookup(syn, endpointHash(syn));
    expect(t.created).toBe(true);
    expect(t.direction).toBe(0);
    expect(t.lookup(synAck, endpointHash(synAck))).toBe(f);
    expect(t.created).toBe(false);
    expect(t.direction).toBe(1);
    expect([f.a0, f.aPort, f.b0, f.bPort]).toEqual([A, 49152, B, 3333]);
  });

  test('without a SYN the side on the higher (ephemeral) port is taken as the opener', () => {
    const { t } = table();
    const fromPool = packet(B, A, 3333, 49152);
    const f = t.lookup(fromPool, endpointHash(fromPool));
    expect(t.direction).toBe(1);
    expect([f.a0, f.aPort]).toEqual([A, 49152]);
  });

  test('a SYN-ACK seen first makes its receiver the opener', () => {
    const { t } = table();
    const synAck = packet(B, A, 40000, 50000, 0x12);
    const f = t.lookup(synAck, endpointHash(synAck));
    expect([f.a0, f.aPort]).toEqual([A, 50000]);
  });

  test('different ports or protocols are different flows', () => {
    const { t } = table();
    const x = t.lookup(packet(A, B, 1, 2), endpointHash(packet(A, B, 1, 2)));
    const y = t.lookup(packet(A, B, 1, 3), endpointHash(packet(A, B, 1, 3)));
    const z = t.lookup(packet(A, B, 1, 2, 0, UDP), endpointHash(packet(A, B, 1, 2, 0, UDP)));
    expect(new Set([x, y, z]).size).toBe(3);
    expect(t.size).toBe(3);
  });

  test('the table is bounded: the least recently seen flow is ended to make room', () => {
    const { t, ended } = table(10);
    for (let port = 1000; port < 1025; port++) {
      const p = packet(A, B, port, 80);
      t.lookup(p, endpointHash(p));
    }
    expect(t.size).toBe(10);
    expect(ended.length).toBe(15);
    expect(ended[0].aPort).toBe(1000);
  });

  test('a flow idle longer than the timeout (capture time) ends and the tuple starts a new flow', () => {
    const { t, ended } = table(10, 1000);
    const p = packet(A, B, 5000, 80);
    t.now = 0;
    const f1 = t.lookup(p, endpointHash(p));
    t.now = 500;
    expect(t.lookup(p, endpointHash(p))).toBe(f1);
    t.now = 2000;
    const f2 = t.lookup(p, endpointHash(p));
    expect(t.created).toBe(true);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ aPort: 5000, firstMs: 0, lastMs: 0 });
    expect(f2.firstMs).toBe(2000);
  });

  test('a new SYN on a closed connection ends the old flow first', () => {
    const { t, ended } = table();
    const syn = packet(A, B, 6000, 443, 0x02);
    const fin = packet(A, B, 6000, 443, 0x11);
    const f = t.lookup(syn, endpointHash(syn));
    f.packets0 = 7;
    t.lookup(fin, endpointHash(fin));
    expect(ended.length).toBe(0);
    const again = t.lookup(syn, endpointHash(syn));
    expect(t.created).toBe(true);
    expect(ended.length).toBe(1);
    expect(again.packets0).toBe(0);
  });

  test('flows idle past the timeout are ended when new flows arrive, oldest first, and their objects reused', () => {
    const { t, ended } = table(100, 1000);
    for (let port = 1001; port <= 1003; port++) {
      t.now = port;
      const f = t.lookup(packet(A, B, port, 80), endpointHash(packet(A, B, port, 80)));
      f.lastMs = t.now;
    }
    t.now = 5000;
    const fresh = t.lookup(packet(A, B, 1009, 80), endpointHash(packet(A, B, 1009, 80)));
    expect(ended.map((f) => f.aPort)).toEqual([1001, 1002, 1003]);
    expect(t.size).toBe(1);
    expect(fresh.aPort).toBe(1009);
  });

  test('many flows in few buckets: every one is found again, and eviction unchains the right one', () => {
    const { t, ended } = table(50);
    const flows = new Map<number, Flow>();
    for (let port = 1001; port <= 1060; port++) {
      const p = packet(A, B, port, 80);
      // One hash for all: the chain walk and unlinking must still tell the flows apart.
      flows.set(port, t.lookup(p, 7));
    }
    expect(ended).toHaveLength(10);
    const gone = new Set(ended.map((f) => f.aPort));
    for (let port = 1001; port <= 1060; port++) {
      if (gone.has(port)) continue;
      const again = t.lookup(packet(A, B, port, 80), 7);
      expect(t.created).toBe(false);
      expect(again.aPort).toBe(port);
    }
  });

  test('the buckets grow with the flows held: every flow is found again, from either side, across the rehashes', () => {
    const { t, ended } = table(100_000);
    const made: Flow[] = [];
    // 20 000 flows take the buckets from 256 through eight doublings.
    for (let i = 0; i < 20_000; i++) {
      const p = packet(A + i, B, 1024 + i, 443);
      made.push(t.lookup(p, endpointHash(p)));
    }
    expect(ended).toHaveLength(0);
    expect(t.size).toBe(20_000);
    let lost = 0;
    for (let i = 0; i < 20_000; i++) {
      const back = packet(B, A + i, 443, 1024 + i);
      if (t.lookup(back, endpointHash(back)) !== made[i] || t.created || t.direction !== 1) lost++;
    }
    expect(lost).toBe(0);
  });

  test('a full table ends a flow without evidence before one with evidence, however old', () => {
    const { t, ended } = table(4);
    for (let port = 1001; port <= 1004; port++) {
      t.now = port;
      const f = t.lookup(packet(A, B, port, 80), endpointHash(packet(A, B, port, 80)));
      f.lastMs = port;
      if (port === 1001) f.evidence = new Evidence();
    }
    t.now = 2000;
    t.lookup(packet(A, B, 1005, 80), endpointHash(packet(A, B, 1005, 80)));
    expect(ended.map((f) => f.aPort)).toEqual([1002]);
  });

  test('expire ends idle flows on a clock of its own, without a packet arriving', () => {
    const { t, ended } = table(100, 1000);
    t.now = 10;
    t.lookup(packet(A, B, 1001, 80), endpointHash(packet(A, B, 1001, 80))).lastMs = 10;
    t.expire(500);
    expect(ended).toHaveLength(0);
    t.expire(5000);
    expect(ended.map((f) => f.aPort)).toEqual([1001]);
    expect(t.size).toBe(0);
  });

  test('a SYN with another initial sequence number starts a new flow even without a FIN seen', () => {
    const { t, ended } = table();
    const syn = packet(A, B, 6001, 443, 0x02);
    syn.seq = 100;
    const f = t.lookup(syn, endpointHash(syn));
    f.isn0 = 100;
    t.lookup(syn, endpointHash(syn));
    expect(t.created).toBe(false);
    const again = packet(A, B, 6001, 443, 0x02);
    again.seq = 999;
    t.lookup(again, endpointHash(again));
    expect(t.created).toBe(true);
    expect(ended).toHaveLength(1);
  });

  test('endAll ends every flow once', () => {
    const { t, ended } = table();
    for (let port = 1; port <= 5; port++) t.lookup(packet(A, B, port, 80), endpointHash(packet(A, B, port, 80)));
    t.endAll();
    expect(ended.length).toBe(5);
    expect(t.size).toBe(0);
  });

  test('after endAll the table starts afresh: no ended flow is found again, and slots are reused', () => {
    const { t, ended } = table(1000);
    const first = packet(A, B, 1000, 80);
    const held = new Set([t.lookup(first, endpointHash(first))]);
    for (let port = 1001; port <= 1200; port++) held.add(t.lookup(packet(A, B, port, 80), endpointHash(packet(A, B, port, 80))));
    t.endAll();
    expect(ended).toHaveLength(201);
    const again = t.lookup(first, endpointHash(first));
    expect(t.created).toBe(true);
    expect(t.size).toBe(1);
    // An ended flow's object, recycled in place: nothing was allocated for it.
    expect(held.has(again)).toBe(true);
    expect(again.aPort).toBe(1000);
    for (let port = 1001; port <= 1200; port++) {
      t.lookup(packet(A, B, port, 80), endpointHash(packet(A, B, port, 80)));
      expect(t.created).toBe(true);
    }
    expect(t.size).toBe(201);
    t.endAll();
    expect(ended).toHaveLength(402);
  });
});
