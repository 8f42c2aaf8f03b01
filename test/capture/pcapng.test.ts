import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { CaptureFormatError, type CaptureWarning } from '../../src/capture/frame';
import { readCapture } from '../../src/capture/read';
import { loadSignatures } from '../../src/detect/signatures';
import type { Finding } from '../../src/report/finding';
import { Conversation } from '../support/craft';
import { PCAPNG_MAX_BLOCK } from '../../src/capture/pcapng';
import { type PcapngSection, type Record, tsresolUnits, writePcapng } from '../../src/capture/writer';
import { cleanupTemp, readAll, sampleRecords, tempFile, usTime } from './collect';

afterAll(cleanupTemp);

interface BlockAt {
  offset: number;
  type: number;
  length: number;
  le: boolean;
}

/** Walks a well-formed pcapng buffer (independently of the reader) to find where blocks start. */
function blocks(buf: Buffer): BlockAt[] {
  const out: BlockAt[] = [];
  let le = true;
  for (let o = 0; o < buf.length; ) {
    if (buf.readUInt32LE(o) === 0x0a0d0d0a) le = buf.readUInt32LE(o + 8) === 0x1a2b3c4d;
    const type = le ? buf.readUInt32LE(o) : buf.readUInt32BE(o);
    const length = le ? buf.readUInt32LE(o + 4) : buf.readUInt32BE(o + 4);
    out.push({ offset: o, type, length, le });
    o += length;
  }
  return out;
}

function setU32(buf: Buffer, b: BlockAt, at: number, v: number): void {
  if (b.le) buf.writeUInt32LE(v >>> 0, b.offset + at);
  else buf.writeUInt32BE(v >>> 0, b.offset + at);
}

/** Time a reader should report for a record written with an if_tsresol byte (units truncated, then ns floored). */
function expectedNs(tsNs: bigint, tsresol = 6): bigint {
  const u = tsresolUnits(tsresol);
  const ts = (tsNs * u) / 1_000_000_000n;
  return (ts / u) * 1_000_000_000n + ((ts % u) * 1_000_000_000n) / u;
}

/** An IDB body by hand, for options the writer has no field for (if_tsoffset). */
function idbBody(linkType: number, snapLength: number, tsOffset: bigint, le: boolean): Buffer {
  const b = Buffer.alloc(8 + 12 + 4);
  if (le) {
    b.writeUInt16LE(linkType, 0);
    b.writeUInt32LE(snapLength, 4);
    b.writeUInt16LE(14, 8);
    b.writeUInt16LE(8, 10);
    b.writeBigInt64LE(tsOffset, 12);
  } else {
    b.writeUInt16BE(linkType, 0);
    b.writeUInt32BE(snapLength, 4);
    b.writeUInt16BE(14, 8);
    b.writeUInt16BE(8, 10);
    b.writeBigInt64BE(tsOffset, 12);
  }
  return b; // trailing 4 zero bytes are opt_endofopt
}

describe('pcapng', () => {
  for (const bigEndian of [false, true]) {
    test(`${bigEndian ? 'big' : 'little'}-endian Enhanced Packet Blocks`, async () => {
      const records = sampleRecords(40);
      const bytes = writePcapng([{ interfaces: [{ linkType: 1 }], records, bigEndian }]);
      const file = tempFile(bytes);
      const got = await readAll(file);
      expect(got.warnings).toEqual([]);
      expect(got.frames).toHaveLength(40);
      const epbs = blocks(bytes).filter((b) => b.type === 6);
      got.frames.forEach((f, i) => {
        expect(f.data.equals(records[i].data)).toBe(true);
        expect(f.origLength).toBe(records[i].data.length);
        expect(f.linkType).toBe(1);
        expect(f.tsNs).toBe(usTime(records[i].tsNs));
        expect(f.fileOffset).toBe(epbs[i].offset);
        expect(f.source).toBe(file);
      });
      expect(got.result).toEqual({ packets: 40, bytes: records.reduce((s, r) => s + r.data.length, 0) });
    });
  }

  test('several sections with different byte orders; interface ids restart per section', async () => {
    const r = sampleRecords(9);
    const sections: PcapngSection[] = [
      { interfaces: [{ linkType: 1 }, { linkType: 101 }], records: [r[0], { ...r[1], interfaceId: 1 }, r[2]] },
      { bigEndian: true, interfaces: [{ linkType: 113, tsresol: 9 }], records: [r[3], r[4]] },
      { interfaces: [{ linkType: 228, tsresol: 3 }], records: [r[5], r[6]] },
      { bigEndian: true, interfaces: [{ linkType: 1 }, { linkType: 101 }], records: [{ ...r[7], interfaceId: 1 }, r[8]] },
    ];
    const got = await readAll(tempFile(writePcapng(sections)));
    expect(got.warnings).toEqual([]);
    expect(got.frames.map((f) => f.linkType)).toEqual([1, 101, 1, 113, 113, 228, 228, 101, 1]);
    const resol = [6, 6, 6, 9, 9, 3, 3, 6, 6];
    got.frames.forEach((f, i) => {
      expect(f.data.equals(r[i].data)).toBe(true);
      expect(f.tsNs).toBe(expectedNs(r[i].tsNs, resol[i]));
    });
  });

  test('per-interface if_tsresol: powers of ten and of two', async () => {
    const resolutions = [6, 9, 3, 0, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 32] // 2^-33 and finer overflow 64 bits for present-day times;
    const interfaces = resolutions.map((tsresol, i) => ({ linkType: 1 + i, tsresol }));
    const base = sampleRecords(resolutions.length * 3);
    const records: Record[] = base.map((rec, i) => ({ ...rec, interfaceId: i % resolutions.length }));
    const got = await readAll(tempFile(writePcapng([{ interfaces, records }])));
    expect(got.warnings).toEqual([]);
    expect(got.frames).toHaveLength(records.length);
    got.frames.forEach((f, i) => {
      const ifId = i % resolutions.length;
      expect(f.linkType).toBe(1 + ifId);
      expect(f.tsNs).toBe(expectedNs(records[i].tsNs, resolutions[ifId]));
    });
    // Sanity on the expectation itself: 2^-20 s units are not whole microseconds.
    expect(expectedNs(1_000_000_000_123_456_789n, 0x80 | 20) % 1000n).not.toBe(0n);
  });

  test('if_tsoffset is added to the interface timestamps', async () => {
    const r = sampleRecords(3);
    for (const bigEndian of [false, true]) {
      const bytes = writePcapng([
        {
          bigEndian,
          interfaces: [{ linkType: 1 }],
          extraBlocks: [
            { type: 1, body: idbBody(105, 0, 3600n, !bigEndian) },
            { type: 1, body: idbBody(1, 0, -7n, !bigEndian) },
          ],
          records: [r[0], { ...r[1], interfaceId: 1 }, { ...r[2], interfaceId: 2 }],
        },
      ]);
      const got = await readAll(tempFile(bytes));
      expect(got.frames.map((f) => [f.linkType, f.tsNs])).toEqual([
        [1, usTime(r[0].tsNs)],
        [105, usTime(r[1].tsNs) + 3600n * 1_000_000_000n],
        [1, usTime(r[2].tsNs) - 7n * 1_000_000_000n],
      ]);
    }
  });

  test('Simple Packet Blocks use the first interface and its snap length', async () => {
    const long = Buffer.alloc(100, 0xab);
    const short = Buffer.alloc(30, 0xcd);
    const odd = Buffer.alloc(61, 0xef); // padded to 64 in the block: padding is not data
    for (const bigEndian of [false, true]) {
      const bytes = writePcapng([
        { bigEndian, simple: true, interfaces: [{ linkType: 101, snapLength: 64 }], records: [long, short, odd].map((data) => ({ tsNs: 0n, data })) },
        { bigEndian, simple: true, interfaces: [{ linkType: 1 }], records: [{ tsNs: 0n, data: odd }] },
      ]);
      const got = await readAll(tempFile(bytes));
      expect(got.warnings).toEqual([]);
      expect(got.frames.map((f) => [f.linkType, f.data.length, f.origLength])).toEqual([
        [101, 64, 100],
        [101, 30, 30],
        [101, 61, 61],
        [1, 61, 61],
      ]);
      expect(got.frames[0].data.equals(long.subarray(0, 64))).toBe(true);
    }
  });

  test('obsolete Packet Blocks (type 2) with several interfaces', async () => {
    const r = sampleRecords(4);
    for (const bigEndian of [false, true]) {
      const bytes = writePcapng([
        {
          bigEndian,
          obsolete: true,
          interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 9 }],
          records: r.map((rec, i) => ({ ...rec, interfaceId: i % 2 })),
        },
      ]);
      expect(blocks(bytes).filter((b) => b.type === 2)).toHaveLength(4);
      const got = await readAll(tempFile(bytes));
      expect(got.warnings).toEqual([]);
      expect(got.frames.map((f) => f.linkType)).toEqual([1, 101, 1, 101]);
      got.frames.forEach((f, i) => {
        expect(f.data.equals(r[i].data)).toBe(true);
        expect(f.tsNs).toBe(expectedNs(r[i].tsNs, i % 2 ? 9 : 6));
      });
    }
  });

  test('unknown and non-packet blocks are skipped by their length', async () => {
    const r = sampleRecords(2);
    const bytes = writePcapng([
      {
        interfaces: [{ linkType: 1, name: 'eth0' }],
        extraBlocks: [
          { type: 4, body: Buffer.alloc(20, 1) }, // name resolution
          { type: 5, body: Buffer.alloc(16, 2) }, // interface statistics
          { type: 0x40000bad, body: Buffer.alloc(37, 3) }, // custom
          { type: 0x12345678, body: Buffer.alloc(0) },
        ],
        records: r,
      },
    ]);
    const got = await readAll(tempFile(bytes));
    expect(got.warnings).toEqual([]);
    expect(got.frames.map((f) => f.data.equals(r[got.frames.indexOf(f)].data))).toEqual([true, true]);
  });

  test('blocks split across chunk boundaries read the same at every chunk size', async () => {
    const r = sampleRecords(60);
    const file = tempFile(
      writePcapng([
        { interfaces: [{ linkType: 1 }, { linkType: 101, tsresol: 0x80 | 20 }], records: r.slice(0, 30).map((x, i) => ({ ...x, interfaceId: i % 2 })), extraBlocks: [{ type: 0x99, body: Buffer.alloc(500) }] },
        { bigEndian: true, interfaces: [{ linkType: 113, snapLength: 40 }], simple: true, records: r.slice(30, 45) },
        { bigEndian: true, obsolete: true, interfaces: [{ linkType: 1 }], records: r.slice(45) },
      ]),
    );
    const reference = await readAll(file);
    expect(reference.warnings).toEqual([]);
    expect(reference.frames).toHaveLength(60);
    for (const chunkSize of [16, 28, 29, 64, 255, 1000, 5000]) {
      const got = await readAll(file, { chunkSize });
      expect(got.warnings).toEqual([]);
      expect(got.frames).toEqual(reference.frames);
    }
  });
});

describe('pcapng bad input', () => {
  const r = sampleRecords(5);
  const good = (): Buffer => writePcapng([{ interfaces: [{ linkType: 1 }], records: r }]);
  const third = (buf: Buffer): BlockAt => blocks(buf).filter((b) => b.type === 6)[2];

  async function expectStopAtThird(bytes: Buffer, at: number, pattern: RegExp): Promise<void> {
    for (const chunkSize of [undefined, 64]) {
      const file = tempFile(bytes);
      const got = await readAll(file, { chunkSize });
      expect(got.frames).toHaveLength(2);
      expect(got.warnings).toHaveLength(1);
      expect(got.warnings[0]).toEqual({ file, offset: at, message: expect.stringMatching(pattern) });
    }
  }

  test.each([
    ['zero', 0],
    ['below 12', 8],
    ['not a multiple of 4', 70],
    ['over the maximum', PCAPNG_MAX_BLOCK + 4],
    ['all ones', 0xffffffff],
  ])('block length %s ends the file with a warning', async (_name, length) => {
    const bytes = good();
    const b = third(bytes);
    setU32(bytes, b, 4, length);
    await expectStopAtThird(bytes, b.offset, /block length/);
  });

  test('a block length pointing past the real end (looping or mismatched trailer) is caught', async () => {
    const bytes = good();
    const b = third(bytes);
    setU32(bytes, b, 4, b.length + 4);
    await expectStopAtThird(bytes, b.offset, /trailing length/);
    const bytes2 = good();
    setU32(bytes2, b, b.length - 4, b.length - 4);
    await expectStopAtThird(bytes2, b.offset, /trailing length/);
  });

  test('captured length beyond the block, unknown interface', async () => {
    const bytes = good();
    const b = third(bytes);
    setU32(bytes, b, 20, b.length);
    await expectStopAtThird(bytes, b.offset, /exceeds block length/);
    const bytes2 = good();
    setU32(bytes2, b, 8, 3);
    await expectStopAtThird(bytes2, b.offset, /interface 3/);
  });

  test('truncated last block: earlier frames delivered, warning at the block offset', async () => {
    const bytes = good();
    const last = blocks(bytes).pop() as BlockAt;
    for (const cut of [last.offset + 5, last.offset + 20, bytes.length - 1]) {
      const file = tempFile(bytes.subarray(0, cut));
      const got = await readAll(file);
      expect(got.frames).toHaveLength(4);
      expect(got.warnings).toEqual([{ file, offset: last.offset, message: expect.stringMatching(/truncated/) }]);
    }
  });

  test('a later section header with a bad byte-order magic stops the file', async () => {
    const bytes = writePcapng([
      { interfaces: [{ linkType: 1 }], records: r.slice(0, 2) },
      { interfaces: [{ linkType: 1 }], records: r.slice(2) },
    ]);
    const shb = blocks(bytes).filter((b) => b.type === 0x0a0d0d0a)[1];
    bytes.writeUInt32LE(0xdeadbeef, shb.offset + 8);
    const file = tempFile(bytes);
    const got = await readAll(file);
    expect(got.frames).toHaveLength(2);
    expect(got.warnings).toEqual([{ file, offset: shb.offset, message: expect.stringMatching(/byte-order/) }]);
  });

  test('broken first section header is not a capture: CaptureFormatError', async () => {
    const badBom = good();
    badBom.writeUInt32LE(0x11223344, 8);
    await expect(readAll(tempFile(badBom))).rejects.toBeInstanceOf(CaptureFormatError);
    const badLength = good();
    badLength.writeUInt32LE(0, 4);
    await expect(readAll(tempFile(badLength))).rejects.toThrow(/invalid block length/);
    const badVersion = good();
    badVersion.writeUInt16LE(2, 12);
    await expect(readAll(tempFile(badVersion))).rejects.toThrow(/unsupported pcapng version 2/);
  });

  test('truncated section header throws CaptureFormatError', async () => {
    const shbLength = blocks(good())[0].length;
    for (const cut of [4, 11, 20, shbLength - 1]) {
      await expect(readAll(tempFile(good().subarray(0, cut)))).rejects.toThrow(/truncated file header/);
    }
  });

  test('a packet block before any interface stops the file', async () => {
    const bytes = writePcapng([{ interfaces: [], simple: true, records: r.slice(0, 1) }]);
    const got = await readAll(tempFile(bytes));
    expect(got.frames).toEqual([]);
    expect(got.warnings[0].message).toMatch(/without interfaces/);
  });
});

describe('pcapng timestamps that are no date (issue 13)', () => {
  const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

  /** A mining session's records (a login the analyzer flags), as Records for the writer. */
  function miningRecords(): Record[] {
    const c = new Conversation({ client: '10.13.2.5', server: '203.0.113.33', clientPort: 50001, serverPort: 7777 }).handshake();
    c.client(`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"${WALLET}","pass":"x","agent":"XMRig/6.16.0"}}\n`);
    c.close();
    return c.frames.map((f) => ({ tsNs: f.tsNs, data: f.data }));
  }

  /** Sets the 64-bit timestamp of the n-th EPB (0-based) to hi:lo. */
  function setEpbTime(buf: Buffer, n: number, hi: number, lo: number): BlockAt {
    const b = blocks(buf).filter((x) => x.type === 6)[n];
    setU32(buf, b, 12, hi);
    setU32(buf, b, 16, lo);
    return b;
  }

  async function scan(file: string): Promise<{ findings: Finding[]; warnings: CaptureWarning[] }> {
    const warnings: CaptureWarning[] = [];
    const analyzer = new Analyzer(loadSignatures(), { ...DEFAULT_ANALYZER_OPTIONS });
    await readCapture(file, analyzer, (w) => warnings.push(w));
    const findings = analyzer.finish();
    // What the writers do with each finding's times.
    for (const f of findings) expect(new Date(f.firstSeen).toISOString()).toBe(f.firstSeen);
    return { findings, warnings };
  }

  test('EPB timestamp 2^64 - 1: one warning at its offset, the previous packet\'s time, every frame read', async () => {
    const records = sampleRecords(6);
    const bytes = writePcapng([{ interfaces: [{ linkType: 1 }], records }]);
    const b2 = setEpbTime(bytes, 2, 0xffffffff, 0xffffffff);
    const b4 = setEpbTime(bytes, 4, 0xffffffff, 0xfffffff0);
    const file = tempFile(bytes);
    const got = await readAll(file);
    expect(got.frames).toHaveLength(6);
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings[0].file).toBe(file);
    expect(got.warnings[0].offset).toBe(b2.offset);
    expect(got.warnings[0].message).toMatch(/timestamp is no date/);
    expect(b4.offset).toBeGreaterThan(b2.offset);
    expect(got.frames.map((f) => f.tsNs)).toEqual([0, 1, 1, 3, 3, 5].map((i) => usTime(records[i].tsNs)));
  });

  test('if_tsoffset -2^63 and 2^63 - 1, if_tsresol 0 on microsecond values: flagged, never a crash, findings kept', async () => {
    const records = miningRecords();
    const cases: Array<[string, Buffer]> = [];
    for (const off of [-(2n ** 63n), 2n ** 63n - 1n]) {
      const body = idbBody(1, 0, off, true);
      const b = writePcapng([{ interfaces: [], extraBlocks: [{ type: 1, body }], records }]);
      cases.push([`offset ${off}`, b]);
    }
    const res0 = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 6 }], records }]);
    const idb = blocks(res0).find((x) => x.type === 1) as BlockAt;
    // The if_tsresol option's value byte: code 9, length 1, then the byte.
    const at = res0.indexOf(Buffer.from([9, 0, 1, 0, 6]), idb.offset);
    expect(at).toBeGreaterThan(idb.offset);
    res0[at + 4] = 0;
    cases.push(['if_tsresol 0', res0]);
    for (const [name, bytes] of cases) {
      const file = tempFile(bytes);
      const { findings, warnings } = await scan(file);
      expect([name, warnings.length]).toEqual([name, 1]);
      expect(warnings[0].file).toBe(file);
      expect(warnings[0].message).toMatch(/timestamp is no date/);
      expect(findings.map((f) => f.login)).toEqual([WALLET]);
      // Every packet was given the previous time, and the first had none before it: the epoch.
      expect(findings[0].firstSeen).toBe('1970-01-01T00:00:00.000Z');
    }
  });

  test('if_tsresol finer than 2^-64 s: one warning naming the interface block, read as microseconds', async () => {
    for (const [tsresol, warned] of [
      [19, false],
      [0x80 | 64, false],
      [20, true],
      [0x7f, true],
      [0x80 | 65, true],
      [0xff, true],
    ] as Array<[number, boolean]>) {
      const records = sampleRecords(3);
      const bytes = writePcapng([{ interfaces: [{ linkType: 1, tsresol: 6 }], records }]);
      const idb = blocks(bytes).find((x) => x.type === 1) as BlockAt;
      bytes[bytes.indexOf(Buffer.from([9, 0, 1, 0, 6]), idb.offset) + 4] = tsresol;
      const file = tempFile(bytes);
      const got = await readAll(file);
      expect(got.frames).toHaveLength(3);
      if (!warned) {
        expect([tsresol, got.warnings]).toEqual([tsresol, []]);
        continue;
      }
      expect([tsresol, got.warnings.length]).toEqual([tsresol, 1]);
      expect(got.warnings[0]).toMatchObject({ file, offset: idb.offset });
      expect(got.warnings[0].message).toMatch(/if_tsresol .* out of range/);
      expect(got.frames.map((f) => f.tsNs)).toEqual(records.map((r) => usTime(r.tsNs)));
    }
  });
});
