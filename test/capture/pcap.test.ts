import { CaptureFormatError } from '../../src/capture/frame';
import { PCAP_MAX_CAPLEN } from '../../src/capture/pcap';
import { writePcap } from '../../src/capture/writer';
import { cleanupTemp, readAll, sampleRecords, tempFile, usTime } from './collect';

afterAll(cleanupTemp);

describe('classic pcap', () => {
  const records = sampleRecords(50);

  for (const bigEndian of [false, true]) {
    for (const nanos of [false, true]) {
      test(`${bigEndian ? 'big' : 'little'}-endian, ${nanos ? 'nanosecond' : 'microsecond'} timestamps`, async () => {
        const file = tempFile(writePcap(records, { linkType: 1, bigEndian, nanos }));
        const got = await readAll(file);
        expect(got.warnings).toEqual([]);
        expect(got.frames).toHaveLength(records.length);
        let offset = 24;
        got.frames.forEach((f, i) => {
          expect(f.data.equals(records[i].data)).toBe(true);
          expect(f.origLength).toBe(records[i].data.length);
          expect(f.linkType).toBe(1);
          expect(f.tsNs).toBe(nanos ? records[i].tsNs : usTime(records[i].tsNs));
          expect(f.source).toBe(file);
          expect(f.fileOffset).toBe(offset);
          offset += 16 + records[i].data.length;
        });
        expect(got.result).toEqual({ packets: records.length, bytes: records.reduce((s, r) => s + r.data.length, 0) });
      });
    }
  }

  test('link type, snap-truncated records and other 2.x versions', async () => {
    const recs = [
      { tsNs: 1_000_000_000n, data: Buffer.from('0123456789'), origLength: 1500 },
      { tsNs: 2_000_000_000n, data: Buffer.alloc(0), origLength: 60 },
    ];
    const file = tempFile(writePcap(recs, { linkType: 101, versionMinor: 2, snapLength: 10 }));
    const got = await readAll(file);
    expect(got.frames.map((f) => [f.data.toString(), f.origLength, f.linkType])).toEqual([
      ['0123456789', 1500, 101],
      ['', 60, 101],
    ]);
  });

  test('FCS bits in the link-type field are not part of the link type', async () => {
    const bytes = writePcap(sampleRecords(1), { linkType: 1 });
    bytes.writeUInt32LE((1 | (1 << 26) | (4 << 28)) >>> 0, 20);
    const got = await readAll(tempFile(bytes));
    expect(got.frames[0].linkType).toBe(1);
  });

  test('Kuznetzov-patched pcap (24-byte record headers)', async () => {
    const header = writePcap([], { linkType: 1 });
    header.writeUInt32LE(0xa1b2cd34, 0);
    const rec = Buffer.alloc(24 + 4);
    rec.writeUInt32LE(7, 0);
    rec.writeUInt32LE(8, 4);
    rec.writeUInt32LE(4, 8);
    rec.writeUInt32LE(64, 12);
    rec.write('abcd', 24);
    const got = await readAll(tempFile(Buffer.concat([header, rec, rec])));
    expect(got.warnings).toEqual([]);
    expect(got.frames.map((f) => [f.data.toString(), f.origLength, f.tsNs])).toEqual([
      ['abcd', 64, 7_000_008_000n],
      ['abcd', 64, 7_000_008_000n],
    ]);
  });

  test('a major version other than 2 is not accepted', async () => {
    const bytes = writePcap(sampleRecords(1), { linkType: 1 });
    bytes.writeUInt16LE(3, 4);
    await expect(readAll(tempFile(bytes))).rejects.toThrow(/unsupported pcap version 3/);
  });

  test('truncated file header throws CaptureFormatError', async () => {
    const bytes = writePcap([], { linkType: 1 }).subarray(0, 20);
    const file = tempFile(bytes);
    await expect(readAll(file)).rejects.toBeInstanceOf(CaptureFormatError);
    await expect(readAll(file)).rejects.toThrow(/truncated file header/);
  });

  test('header only: no frames, no warnings', async () => {
    const got = await readAll(tempFile(writePcap([], { linkType: 1 })));
    expect(got.frames).toEqual([]);
    expect(got.warnings).toEqual([]);
  });

  test('truncated record: earlier frames delivered, warning at the record offset', async () => {
    const recs = sampleRecords(5);
    const full = writePcap(recs, { linkType: 1 });
    const lastAt = full.length - 16 - recs[4].data.length;
    for (const cut of [full.length - 1, lastAt + 10, lastAt + 16]) {
      const file = tempFile(full.subarray(0, cut));
      const got = await readAll(file);
      expect(got.frames).toHaveLength(4);
      expect(got.warnings).toHaveLength(1);
      expect(got.warnings[0].file).toBe(file);
      expect(got.warnings[0].offset).toBe(lastAt);
      expect(got.warnings[0].message).toMatch(/truncated/);
    }
  });

  test('absurd caplen ends the file with a warning instead of buffering it', async () => {
    const recs = sampleRecords(3);
    const bytes = writePcap(recs, { linkType: 1 });
    const third = 24 + 16 + recs[0].data.length + 16 + recs[1].data.length;
    for (const caplen of [PCAP_MAX_CAPLEN + 1, 0xffffffff]) {
      bytes.writeUInt32LE(caplen >>> 0, third + 8);
      const got = await readAll(tempFile(bytes), { chunkSize: 64 });
      expect(got.frames).toHaveLength(2);
      expect(got.warnings).toEqual([{ file: expect.any(String), offset: third, message: expect.stringMatching(/exceeds/) }]);
    }
  });

  test('the largest sane caplen is still read', async () => {
    const big = { tsNs: 5n, data: Buffer.alloc(PCAP_MAX_CAPLEN, 7) };
    const got = await readAll(tempFile(writePcap([big, big], { linkType: 1 })), { chunkSize: 4096 });
    expect(got.warnings).toEqual([]);
    expect(got.frames.map((f) => f.data.length)).toEqual([PCAP_MAX_CAPLEN, PCAP_MAX_CAPLEN]);
  });

  test('frames are one reused object pointing into the chunk buffer', async () => {
    const got = await readAll(tempFile(writePcap(sampleRecords(200), { linkType: 1 })), { chunkSize: 1 << 20 });
    expect(got.frames).toHaveLength(200);
    expect(got.frameObjects.size).toBe(1);
    expect(got.dataBuffers.size).toBe(1);
    expect([...got.dataBuffers][0].length).toBe(1 << 20);
  });

  test('records split across chunk boundaries read the same at every chunk size', async () => {
    const recs = sampleRecords(120);
    for (const bigEndian of [false, true]) {
      const file = tempFile(writePcap(recs, { linkType: 1, bigEndian, nanos: true }));
      const reference = await readAll(file);
      expect(reference.frames).toHaveLength(120);
      for (const chunkSize of [16, 17, 23, 64, 100, 333, 1000, 4096]) {
        const got = await readAll(file, { chunkSize });
        expect(got.warnings).toEqual([]);
        expect(got.frames).toEqual(reference.frames);
        expect(got.result).toEqual(reference.result);
      }
    }
  });
});

describe('classic pcap timestamps at their extremes (issue 13)', () => {
  // 32-bit seconds and fraction cannot leave what a Date holds (unlike pcapng's 64-bit counts):
  // the largest values still give a time the report can write, and every frame is read.
  test('seconds and fraction all ones, in both resolutions: frames read, times valid dates', async () => {
    for (const nanos of [false, true]) {
      const records = sampleRecords(4);
      const bytes = writePcap(records, { linkType: 1, nanos });
      for (let i = 0, at = 24; i < records.length; at += 16 + records[i].data.length, i++) {
        bytes.writeUInt32LE(0xffffffff, at);
        bytes.writeUInt32LE(i % 2 === 0 ? 0xffffffff : 0, at + 4);
      }
      const got = await readAll(tempFile(bytes));
      expect(got.warnings).toEqual([]);
      expect(got.frames).toHaveLength(4);
      for (const f of got.frames) {
        const ms = Number(f.tsNs / 1_000_000n);
        expect(new Date(ms).toISOString()).toMatch(/^2106-02-07T/);
      }
    }
  });
});
