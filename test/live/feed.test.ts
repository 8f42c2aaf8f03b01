import { StreamFeed, linkTypeOf, openFailure } from '../../src/capture/live';
import { PcapParser } from '../../src/capture/pcap';
import { writePcap } from '../../src/capture/writer';
import { describeDevices, prefixLength } from '../../src/cli/interfaces';
import { cleanupTemp, collector, readAll, sampleRecords, tempFile } from '../capture/collect';

afterAll(cleanupTemp);

describe('StreamFeed (the parent side of a capture process)', () => {
  const pcap = writePcap(sampleRecords(300), { linkType: 1, nanos: true, snapLength: 65535 });

  async function expected() {
    return (await readAll(tempFile(pcap, 'whole.pcap'))).frames.map((f) => ({ ...f, source: 'va', fileOffset: 0 }));
  }

  function feedIn(pieces: (rest: number, i: number) => number) {
    const c = collector();
    const feed = new StreamFeed(new PcapParser('va', c.sink, c.onWarning));
    let pos = 0;
    for (let i = 0; pos < pcap.length; i++) {
      const n = Math.max(1, Math.min(pcap.length - pos, pieces(pcap.length - pos, i)));
      // A fresh Buffer per read, as a socket gives them, so nothing may point into an old one.
      feed.push(Buffer.from(pcap.subarray(pos, pos + n)));
      pos += n;
    }
    expect(c.warnings).toEqual([]);
    expect(feed.pending).toBe(0);
    return c.frames.map((f) => ({ ...f, fileOffset: 0 }));
  }

  test('records split anywhere across reads arrive whole and in order', async () => {
    const want = await expected();
    expect(want).toHaveLength(300);
    expect(feedIn(() => 1)).toEqual(want);
    expect(feedIn(() => 17)).toEqual(want);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 5000) + 1;
    expect(feedIn(() => rand())).toEqual(want);
    expect(feedIn((rest) => rest)).toEqual(want);
  });

  test('a record larger than the starting buffer is held until complete', () => {
    const big = writePcap([{ tsNs: 1n, data: Buffer.alloc(60000, 7) }, { tsNs: 2n, data: Buffer.alloc(65535, 9) }], { linkType: 1, nanos: true });
    const c = collector();
    const feed = new StreamFeed(new PcapParser('va', c.sink, c.onWarning));
    for (let pos = 0; pos < big.length; pos += 1000) feed.push(Buffer.from(big.subarray(pos, pos + 1000)));
    expect(c.frames.map((f) => [f.data.length, f.data[100]])).toEqual([
      [60000, 7],
      [65535, 9],
    ]);
  });
});

describe('what cap reports, mapped', () => {
  test('link type names and DLT numbers become LINKTYPE values', () => {
    expect(linkTypeOf('ETHERNET')).toBe(1);
    expect(linkTypeOf('LINKTYPE_LINUX_SLL')).toBe(113);
    expect(linkTypeOf('RAW')).toBe(101);
    expect(linkTypeOf('NULL')).toBe(0);
    expect(linkTypeOf('IEEE802_11_RADIO')).toBe(127);
    expect(linkTypeOf('Unknown linktype 276')).toBe(276);
    expect(linkTypeOf('Unknown linktype 12')).toBe(101);
    expect(linkTypeOf('Unknown linktype 9')).toBe(9);
    expect(linkTypeOf('something else')).toBe(-1);
  });

  test("libpcap's open errors (as it words them) say what to do", () => {
    expect(openFailure('eth0', '', 'socket: Operation not permitted')).toMatchObject({ kind: 'permission', message: expect.stringContaining('needs root or the CAP_NET_RAW capability') });
    expect(openFailure('eth9', '', 'No such device exists')).toMatchObject({ kind: 'no-device', message: expect.stringContaining("'poolwatch interfaces' lists them") });
    expect(openFailure('va', '', 'That device is not up')).toMatchObject({ kind: 'down', message: expect.stringContaining('ip link set va up') });
    expect(openFailure('va', 'tcp port', "can't parse filter expression: syntax error")).toMatchObject({ kind: 'filter', message: expect.stringContaining('"tcp port"') });
    expect(openFailure('va', '', 'something odd')).toMatchObject({ kind: 'other' });
  });

  test('interface listing: netmasks as prefix lengths, loopback flag', () => {
    expect(prefixLength('255.255.255.0')).toBe(24);
    expect(prefixLength('255.0.0.0')).toBe(8);
    expect(prefixLength('ffff:ffff:ffff:ffff::')).toBe(64);
    expect(prefixLength('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(128);
    expect(prefixLength('255.0.255.0')).toBeNull();
    const list = describeDevices([
      { name: 'lo', addresses: [{ addr: '127.0.0.1', netmask: '255.0.0.0' }, { addr: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' }], flags: 'PCAP_IF_LOOPBACK' },
      { name: 'any', description: 'Pseudo-device that captures on all interfaces', addresses: [] },
    ]);
    expect(list[0]).toMatchObject({ name: 'lo', addresses: ['127.0.0.1/8', '::1/128'], loopback: true });
    expect(list[1]).toMatchObject({ name: 'any', addresses: [], loopback: false, state: null });
  });
});
