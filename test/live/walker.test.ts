import { batchLastMs, BlockWalker } from '../../src/capture/afpacket/walker';
import { ringGeometry } from '../../src/capture/afpacket/ring-size';
import { mergeFindings } from '../../src/live/engine';
import type { Finding } from '../../src/report/finding';
import { collector } from '../capture/collect';
import { ether, ip, tcp, udp } from '../support/craft';
import { ringBlock } from './blocks';

const frameA = ether(ip('10.0.0.1', '10.0.0.2', 6, tcp('10.0.0.1', '10.0.0.2', 40000, 3333, '{"id":1}\n', { flags: 'PA' })));
const frameB = ether(ip('10.0.0.2', '10.0.0.1', 17, udp('10.0.0.2', '10.0.0.1', 53, 5353, Buffer.alloc(100, 7))));

function walk(blocks: Buffer[], linkType = 1) {
  const c = collector();
  const w = new BlockWalker('va', c.sink, c.onWarning, linkType);
  const buf = Buffer.concat(blocks);
  expect(w.parse(buf, 0, buf.length, 0)).toBe(buf.length);
  return { c, w };
}

describe('BlockWalker (TPACKET_V3 blocks as the addon copies them)', () => {
  test('every packet of every block, in order, with kernel nanosecond timestamps and wire length', () => {
    const { c, w } = walk([
      ringBlock([
        { data: frameA, sec: 1_800_000_000, nsec: 123_456_789 },
        { data: frameB.subarray(0, 60), wireLength: frameB.length, sec: 1_800_000_000, nsec: 999_999_999 },
      ]),
      ringBlock([{ data: frameB, sec: 1_800_000_001, nsec: 5 }], 2),
    ]);
    expect(c.warnings).toEqual([]);
    expect(c.frames.map((f) => [f.tsNs, f.data.length, f.origLength, f.linkType, f.source])).toEqual([
      [1_800_000_000_123_456_789n, frameA.length, frameA.length, 1, 'va'],
      // Cut by the snap length: captured bytes and wire length differ.
      [1_800_000_000_999_999_999n, 60, frameB.length, 1, 'va'],
      [1_800_000_001_000_000_005n, frameB.length, frameB.length, 1, 'va'],
    ]);
    expect(c.frames[0].data.equals(frameA)).toBe(true);
    expect(c.frames[2].data.equals(frameB)).toBe(true);
    expect([w.packets, w.wireBytes]).toEqual([3, frameA.length + 2 * frameB.length]);
    // One Frame object, pointing into the copied block: nothing allocated per packet.
    expect(c.frameObjects.size).toBe(1);
    expect(c.dataBuffers.size).toBe(1);
  });

  test('a VLAN tag the kernel took off (TP_STATUS_VLAN_VALID) is put back where it was', () => {
    const tagged = ether(ip('10.0.0.1', '10.0.0.2', 6, tcp('10.0.0.1', '10.0.0.2', 1, 2, 'x')), 0x0800, [42]);
    const untagged = Buffer.concat([tagged.subarray(0, 12), tagged.subarray(16)]);
    const qinq = ether(ip('10.0.0.1', '10.0.0.2', 6, tcp('10.0.0.1', '10.0.0.2', 1, 2, 'y')), 0x0800, [7, 42]);
    const outerOff = Buffer.concat([qinq.subarray(0, 12), qinq.subarray(16)]);
    const { c } = walk([
      ringBlock([
        { data: untagged, sec: 1, nsec: 0, vlan: { tci: 42 } },
        { data: outerOff, sec: 2, nsec: 0, vlan: { tci: 7, tpid: 0x88a8 } },
        { data: frameA, sec: 3, nsec: 0 },
      ]),
    ]);
    expect(c.frames[0].data.toString('hex')).toBe(tagged.toString('hex'));
    expect(c.frames[0].origLength).toBe(tagged.length);
    expect(c.frames[1].data.toString('hex')).toBe(qinq.toString('hex'));
    expect(c.frames[2].data.equals(frameA)).toBe(true);
  });

  test('cooked sockets get a Linux SLL header from the sockaddr_ll; loopback packets seen leaving are skipped', () => {
    const packet = ip('10.0.0.1', '10.0.0.2', 17, udp('10.0.0.1', '10.0.0.2', 5, 53, 'q'));
    const addr = Buffer.from([2, 0, 0, 0, 0, 0x0a]);
    const { c } = walk(
      [
        ringBlock([
          { data: packet, sec: 1, nsec: 0, mac: 100, pkttype: 0, hatype: 1, protocol: 0x0800, addr },
          { data: packet, sec: 2, nsec: 0, mac: 100, pkttype: 4, hatype: 772, protocol: 0x0800, addr },
          { data: packet, sec: 3, nsec: 0, mac: 100, pkttype: 4, hatype: 1, protocol: 0x0800, addr },
        ]),
      ],
      113,
    );
    const sll = (pkttype: number) => {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(pkttype, 0);
      h.writeUInt16BE(1, 2);
      h.writeUInt16BE(6, 4);
      addr.copy(h, 6);
      h.writeUInt16BE(0x0800, 14);
      return Buffer.concat([h, packet]).toString('hex');
    };
    expect(c.frames.map((f) => [f.linkType, Number(f.tsNs / 1_000_000_000n), f.data.toString('hex'), f.origLength])).toEqual([
      [113, 1, sll(0), packet.length + 16],
      [113, 3, sll(4), packet.length + 16],
    ]);
  });

  test('a block longer than what was copied is reported with its offset, not walked past', () => {
    const block = ringBlock([{ data: frameA, sec: 1, nsec: 0 }]);
    const c = collector();
    const w = new BlockWalker('va', c.sink, c.onWarning, 1);
    w.parse(block, 0, block.length - 10, 4096);
    expect(c.frames).toEqual([]);
    expect(c.warnings).toEqual([{ file: 'va', offset: 4096, message: `capture block of ${block.length} bytes does not fit the ${block.length - 10} copied` }]);
  });

  test('batchLastMs is the newest ts_last_pkt of the blocks', () => {
    const blocks = Buffer.concat([ringBlock([{ data: frameA, sec: 100, nsec: 500_000_000 }]), ringBlock([{ data: frameA, sec: 99, nsec: 0 }])]);
    expect(batchLastMs(blocks, blocks.length)).toBe(100_500);
  });
});

test('ring geometry: blocks hold the largest snapped packet and at least two fit the buffer', () => {
  expect(ringGeometry(256 * 1024 * 1024, 65535)).toEqual({ blockSize: 256 * 1024, blockCount: 1024 });
  expect(ringGeometry(256 * 1024, 65535)).toEqual({ blockSize: 128 * 1024, blockCount: 2 });
  expect(ringGeometry(1024 * 1024, 200)).toEqual({ blockSize: 128 * 1024, blockCount: 8 });
  for (const [bytes, snap] of [[1 << 20, 9000], [64 << 20, 65535], [4096, 68]]) {
    const g = ringGeometry(bytes, snap);
    expect(g.blockSize).toBeGreaterThan(snap + 128);
    expect(g.blockSize & (g.blockSize - 1)).toBe(0);
    expect(g.blockCount).toBeGreaterThanOrEqual(2);
  }
});

test('partial findings of one pair from two threads merge into one line', () => {
  // Only the fields the merge reads: the report format grows fields the stream passes through as they are.
  const base = {
    type: 'finding', host: '10.0.0.1', pool: '10.0.0.2', poolPort: 3333, protocol: 'tcp', confidence: 'medium', domain: null, poolName: null,
    firstSeen: '2026-01-01T00:00:02.000Z', lastSeen: '2026-01-01T00:00:05.000Z', flows: 1, packets: 10, bytes: 1000, bytesToPool: 600, bytesFromPool: 400,
    login: null, worker: null, agent: null, minerSoftware: null, algorithms: ['rx/0'], coin: null, difficulty: null, jobs: 1, sharesSubmitted: 2,
    sharesAccepted: 2, sharesRejected: 0, hashrate: null, evidence: ['a'], connections: [{ srcPort: 2, communityId: 'x', firstSeen: '2026-01-01T00:00:02.000Z', lastSeen: '2026-01-01T00:00:05.000Z', packets: 10, bytes: 1000 }], connectionsOmitted: 0,
  } as Finding;
  const other: Finding = {
    ...base, protocol: 'cryptonote', confidence: 'high', firstSeen: '2026-01-01T00:00:01.000Z', lastSeen: '2026-01-01T00:00:03.000Z', login: 'wallet', algorithms: ['rx/0', 'cn/r'],
    evidence: ['a', 'b'], connections: [{ srcPort: 1, communityId: 'y', firstSeen: '2026-01-01T00:00:01.000Z', lastSeen: '2026-01-01T00:00:03.000Z', packets: 4, bytes: 10 }],
  };
  expect(mergeFindings([base])).toBe(base);
  const m = mergeFindings([base, other]);
  expect(m).toMatchObject({ protocol: 'cryptonote', confidence: 'high', firstSeen: '2026-01-01T00:00:01.000Z', lastSeen: '2026-01-01T00:00:05.000Z', flows: 2, packets: 20, login: 'wallet', jobs: 2, sharesAccepted: 4, algorithms: ['rx/0', 'cn/r'], evidence: ['a', 'b'] });
  expect(m.connections!.map((c) => c.srcPort)).toEqual([1, 2]);
  expect(base.flows).toBe(1);
});
