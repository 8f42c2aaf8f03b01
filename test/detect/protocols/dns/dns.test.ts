import { Address6 } from 'ip-address';
import { addressesByName, dnsOverTcpMessages, ipv6Text, mayNameSuffix, nameSuffixHash, parseDns } from '../../../../src/detect/protocols/dns/dns';
import { IntSet } from '../../../../src/detect/int-set';
import { ipBytes } from '../../../support/craft';
import { dnsMessage, dnsTcp, mutations, parseEmbedded, rng, sameResult } from '../../../support/craft-protocols';

const all = (b: Buffer) => parseDns(b, 0, b.length);

/**
 * A real referral from a root server for "com" (NS records, then AAAA glue),
 * as printed at inginious.org/course/cnp3/pkt-dns-example; the printed dump
 * stops 13 bytes into the last glue record. Names are compressed in chains:
 * the glue names point into NS rdata, which points at "gtld-servers.net".
 */
const REAL_ROOT_REFERRAL = Buffer.from(
  [
    '4ec9810000010000000d000903636f6d0000020001c00c000200010002a300001401630c67746c642d73657276657273',
    '036e657400c00c000200010002a30000040161c023c00c000200010002a30000040164c023c00c000200010002a30000',
    '040165c023c00c000200010002a30000040169c023c00c000200010002a3000004016bc023c00c000200010002a30000',
    '040167c023c00c000200010002a30000040162c023c00c000200010002a3000004016ac023c00c000200010002a30000',
    '040166c023c00c000200010002a3000004016cc023c00c000200010002a3000004016dc023c00c000200010002a30000',
    '040168c023c0e1001c00010002a300001020010501b1f900000000000000000030c0d1001c00010002a3000010200105',
    '00d93700000000000000000030c081001c00010002a3000010200105030d2d00000000000000000030c0b1001c000100',
    '02a30000102001050270940000000000000000',
  ].join(''),
  'hex',
);

describe('parseDns', () => {
  it('reads a real root-server referral', () => {
    const m = all(REAL_ROOT_REFERRAL)!;
    expect(m).not.toBeNull();
    expect(m.id).toBe(0x4ec9);
    expect(m.response).toBe(true);
    expect(m.rcode).toBe(0);
    expect(m.questions).toEqual([{ name: 'com', type: 2 }]);
    // Authority and additional records are not answers.
    expect(m.answers).toEqual([]);
  });

  it('follows the compression chains of the real referral when its glue is counted as answers', () => {
    const b = Buffer.from(REAL_ROOT_REFERRAL);
    b.writeUInt16BE(22, 6); // ancount: 13 NS + 9 AAAA
    b.writeUInt16BE(0, 8);
    b.writeUInt16BE(0, 10);
    // The fourth glue record is cut off by the end of the dump and is dropped.
    expect(all(b)!.answers).toEqual([
      { name: 'm.gtld-servers.net', type: 28, ttl: 172800, data: '2001:501:b1f9::30' },
      { name: 'l.gtld-servers.net', type: 28, ttl: 172800, data: '2001:500:d937::30' },
      { name: 'k.gtld-servers.net', type: 28, ttl: 172800, data: '2001:503:d2d::30' },
    ]);
  });

  it('reads a query', () => {
    const q = dnsMessage({ id: 7, questions: [{ name: 'XMR-EU1.Nanopool.org.', type: 1 }], edns: true });
    const m = all(q)!;
    expect(m.response).toBe(false);
    expect(m.id).toBe(7);
    expect(m.questions).toEqual([{ name: 'xmr-eu1.nanopool.org', type: 1 }]);
    expect(m.answers).toEqual([]);
  });

  it('reads compressed A and AAAA answers with TTLs and canonical IPv6 text', () => {
    const r = dnsMessage({
      response: true,
      flags: 0x0180,
      questions: [{ name: 'pool.supportxmr.com', type: 28 }],
      answers: [
        { name: 'pool.supportxmr.com', type: 1, ttl: 60, data: '94.130.12.27' },
        { name: 'pool.supportxmr.com', type: 28, ttl: 120, data: '2a01:4f8:0:0:0:0:0:1' },
        { name: 'pool.supportxmr.com', type: 28, ttl: 30, data: '2001:db8:0:0:1:0:0:1' },
      ],
      edns: true,
    });
    // Compression really happened: the answer names are 2-byte pointers.
    expect(r.includes(Buffer.from([0xc0, 0x0c]))).toBe(true);
    const m = all(r)!;
    expect(m.answers).toEqual([
      { name: 'pool.supportxmr.com', type: 1, ttl: 60, data: '94.130.12.27' },
      { name: 'pool.supportxmr.com', type: 28, ttl: 120, data: '2a01:4f8::1' },
      { name: 'pool.supportxmr.com', type: 28, ttl: 30, data: '2001:db8::1:0:0:1' },
    ]);
  });

  it('gives the same result with and without name compression', () => {
    const spec = {
      response: true,
      questions: [{ name: 'a.b.example.org' }],
      answers: [
        { name: 'a.b.example.org', type: 5, ttl: 10, data: 'c.b.example.org' },
        { name: 'c.b.example.org', type: 1, ttl: 20, data: '10.0.0.1' },
      ],
    };
    const c = dnsMessage(spec);
    const u = dnsMessage({ ...spec, compress: false });
    expect(c.length).toBeLessThan(u.length);
    expect(all(c)).toEqual(all(u));
  });

  it('escapes odd label bytes so they cannot forge extra labels', () => {
    const b = dnsMessage({ questions: [{ name: 'x' }] });
    // Replace the one-byte label "x" with a label holding "a.b" and a space and a NUL.
    const label = Buffer.from([6, 0x61, 0x2e, 0x62, 0x20, 0x00, 0x5c]);
    const q = Buffer.concat([b.subarray(0, 12), label, Buffer.from([0, 0, 1, 0, 1])]);
    expect(all(q)!.questions[0].name).toBe('a\\.b\\032\\000\\\\');
  });

  it('rejects pointer loops and forward pointers', () => {
    const head = dnsMessage({ response: true, questions: [{ name: 'a' }] }).subarray(0, 12);
    head.writeUInt16BE(1, 4);
    // Question name is a pointer to itself (offset 12).
    const self = Buffer.concat([head, Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(all(self)).toBeNull();
    // Label "a" then pointer back to offset 12: a loop through a label.
    const loop = Buffer.concat([head, Buffer.from([1, 0x61, 0xc0, 12, 0, 1, 0, 1])]);
    expect(all(loop)).toBeNull();
    // Pointer forward to a valid name further on.
    const fwd = Buffer.concat([head, Buffer.from([0xc0, 18, 0, 1, 0, 1, 1, 0x61, 0])]);
    expect(all(fwd)).toBeNull();
  });

  it('follows a backward pointer chain', () => {
    const m = dnsMessage({
      response: true,
      questions: [{ name: 'example.org' }],
      answers: [
        { name: 'www.example.org', type: 5, data: 'cdn.www.example.org' },
        { name: 'cdn.www.example.org', type: 1, data: '1.2.3.4' },
      ],
    });
    const d = all(m)!;
    expect(d.answers.map((a) => a.name)).toEqual(['www.example.org', 'cdn.www.example.org']);
    expect(d.answers[0].data).toBe('cdn.www.example.org');
  });

  it('rejects names longer than 255 bytes on the wire', () => {
    const long = Array(5).fill('a'.repeat(63)).join('.');
    expect(all(dnsMessage({ questions: [{ name: long }] }))).toBeNull();
    const ok = Array(3).fill('a'.repeat(63)).join('.') + '.' + 'b'.repeat(61);
    expect(all(dnsMessage({ questions: [{ name: ok }] }))!.questions[0].name).toBe(ok);
  });

  it('keeps complete answers of a truncated response and rejects a truncated question', () => {
    const r = dnsMessage({
      response: true,
      questions: [{ name: 'pool.example' }],
      answers: [
        { name: 'pool.example', type: 1, data: '10.1.1.1' },
        { name: 'pool.example', type: 1, data: '10.1.1.2' },
      ],
    });
    expect(all(r)!.answers.length).toBe(2);
    expect(parseDns(r, 0, r.length - 1)!.answers.map((a) => a.data)).toEqual(['10.1.1.1']);
    expect(parseDns(r, 0, 20)).toBeNull();
    expect(parseDns(r, 0, 11)).toBeNull();
  });

  it('rejects implausible headers', () => {
    expect(all(Buffer.alloc(12))).toBeNull(); // a query without a question
    const q = dnsMessage({ questions: [{ name: 'a.b' }] });
    const many = Buffer.from(q);
    many.writeUInt16BE(500, 4);
    expect(all(many)).toBeNull();
    const badOpcode = Buffer.from(q);
    badOpcode[2] |= 0x78; // opcode 15
    expect(all(badOpcode)).toBeNull();
    expect(all(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBeNull();
  });

  it('reads a message in the middle of a larger buffer without looking outside it', () => {
    const r = dnsMessage({ response: true, questions: [{ name: 'a.example' }], answers: [{ name: 'a.example', type: 1, data: '10.0.0.9' }] });
    const [x, y] = parseEmbedded(r, parseDns);
    expect(x).toEqual(all(r));
    expect(y).toEqual(all(r));
  });

  it('treats a TTL with the top bit set as zero (RFC 2181)', () => {
    const r = dnsMessage({ response: true, questions: [{ name: 'a.example' }], answers: [{ name: 'a.example', type: 1, ttl: 0x80000001, data: '10.0.0.9' }] });
    expect(all(r)!.answers[0].ttl).toBe(0);
  });

  it('ignores A records in authority and additional sections and mDNS cache-flush class is IN', () => {
    const r = dnsMessage({
      response: true,
      questions: [{ name: 'a.example' }],
      answers: [{ name: 'a.example', type: 1, cls: 0x8001, data: '10.0.0.1' }],
      additional: [{ name: 'a.example', type: 1, data: '10.6.6.6' }],
      edns: true,
    });
    expect(all(r)!.answers.map((a) => a.data)).toEqual(['10.0.0.1']);
  });
});

describe('ipv6Text (RFC 5952)', () => {
  const t = (s: string) => ipv6Text(ipBytes(s), 0);
  it('compresses the longest zero run, the first on a tie, never a single group', () => {
    expect(t('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(t('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(t('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(t('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(t('0:0:0:0:0:0:0:0')).toBe('::');
    expect(t('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(t('fe80:0:0:0:0:0:0:0')).toBe('fe80::');
    expect(t('2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF')).toBe('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff');
    expect(t('::ffff:c000:201')).toBe('::ffff:c000:201');
  });

  it('writes every address exactly as the flow table does (ip-address correctForm)', () => {
    const r = rng(0x6);
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.alloc(16);
      // Mostly zero groups, so that runs of every length and position occur.
      for (let w = 0; w < 8; w++) if (r() < 0.4) b.writeUInt16BE(Math.floor(r() * 0x10000), w * 2);
      if (i % 10 === 0) b.writeUInt16BE(0xffff, 10);
      expect(ipv6Text(b, 0)).toBe(Address6.fromByteArray([...b]).correctForm());
    }
  });
});

describe('addressesByName', () => {
  it('ties addresses behind a CNAME chain to the question name, with the smallest TTL', () => {
    const r = dnsMessage({
      response: true,
      questions: [{ name: 'XMR.Pool.Example.' }],
      answers: [
        { name: 'xmr.pool.example', type: 5, ttl: 300, data: 'xmr.pool.example.cdn.net' },
        { name: 'xmr.pool.example.cdn.net', type: 5, ttl: 60, data: 'edge7.cdn.net' },
        { name: 'edge7.cdn.net', type: 1, ttl: 20, data: '203.0.113.7' },
        { name: 'edge7.cdn.net', type: 1, ttl: 600, data: '203.0.113.8' },
        { name: 'edge7.cdn.net', type: 28, ttl: 600, data: '2001:db8::7' },
        { name: 'unrelated.example', type: 1, ttl: 600, data: '198.51.100.1' },
      ],
    });
    expect(addressesByName(all(r)!)).toEqual([
      { name: 'xmr.pool.example', address: '203.0.113.7', ttl: 20, chain: ['xmr.pool.example.cdn.net', 'edge7.cdn.net'] },
      { name: 'xmr.pool.example', address: '203.0.113.8', ttl: 60, chain: ['xmr.pool.example.cdn.net', 'edge7.cdn.net'] },
      { name: 'xmr.pool.example', address: '2001:db8::7', ttl: 60, chain: ['xmr.pool.example.cdn.net', 'edge7.cdn.net'] },
    ]);
  });

  it('returns direct answers with an empty chain', () => {
    const r = dnsMessage({ response: true, questions: [{ name: 'a.example' }], answers: [{ name: 'a.example', type: 1, ttl: 5, data: '10.0.0.1' }] });
    expect(addressesByName(all(r)!)).toEqual([{ name: 'a.example', address: '10.0.0.1', ttl: 5, chain: [] }]);
  });

  it('stops on a CNAME loop', () => {
    const r = dnsMessage({
      response: true,
      questions: [{ name: 'a.example' }],
      answers: [
        { name: 'a.example', type: 5, data: 'b.example' },
        { name: 'b.example', type: 5, data: 'a.example' },
        { name: 'b.example', type: 1, data: '10.0.0.2' },
      ],
    });
    expect(addressesByName(all(r)!)).toEqual([{ name: 'a.example', address: '10.0.0.2', ttl: 300, chain: ['b.example'] }]);
  });

  it('bounds a long chain', () => {
    const answers = [];
    for (let i = 0; i < 40; i++) answers.push({ name: `n${i}.example`, type: 5, data: `n${i + 1}.example` });
    answers.push({ name: 'n40.example', type: 1, data: '10.0.0.3' });
    const r = dnsMessage({ response: true, questions: [{ name: 'n0.example' }], answers });
    expect(addressesByName(all(r)!)).toEqual([]);
  });

  it('gives nothing for a query or an error response', () => {
    const spec = { questions: [{ name: 'a.example' }], answers: [{ name: 'a.example', type: 1, data: '10.0.0.1' }] };
    expect(addressesByName(all(dnsMessage({ ...spec, response: false }))!)).toEqual([]);
    expect(addressesByName(all(dnsMessage({ ...spec, response: true, rcode: 3 }))!)).toEqual([]);
  });
});

describe('dnsOverTcpMessages', () => {
  it('splits framed messages and leaves out an incomplete one', () => {
    const a = dnsMessage({ id: 1, questions: [{ name: 'a.example' }] });
    const b = dnsMessage({ id: 2, response: true, questions: [{ name: 'a.example' }], answers: [{ name: 'a.example', type: 1, data: '10.0.0.1' }] });
    const stream = dnsTcp(a, b);
    const parts = dnsOverTcpMessages(stream, 0, stream.length);
    expect(parts).toEqual([
      { start: 2, end: 2 + a.length },
      { start: 4 + a.length, end: stream.length },
    ]);
    expect(parts.map((p) => parseDns(stream, p.start, p.end)!.id)).toEqual([1, 2]);
    expect(dnsOverTcpMessages(stream, 0, stream.length - 1)).toEqual([{ start: 2, end: 2 + a.length }]);
    expect(dnsOverTcpMessages(stream, 0, 1)).toEqual([]);
    expect(dnsOverTcpMessages(Buffer.from([0, 0, 0, 5]), 0, 4)).toEqual([]);
  });
});

describe('robustness', () => {
  const bases = [
    REAL_ROOT_REFERRAL,
    dnsMessage({ questions: [{ name: 'xmr.pool.example' }], edns: true }),
    dnsMessage({
      response: true,
      questions: [{ name: 'a.pool.example' }],
      answers: [
        { name: 'a.pool.example', type: 5, data: 'b.cdn.example' },
        { name: 'b.cdn.example', type: 1, data: '10.0.0.1' },
        { name: 'b.cdn.example', type: 28, data: '2001:db8::1' },
      ],
      edns: true,
    }),
  ];
  it('never throws and never reads outside its range on 10000 mutated or random inputs', () => {
    let parsed = 0;
    let differ = 0;
    for (const input of mutations(0xd45, bases, 10000)) {
      const [x, y] = parseEmbedded(input, parseDns);
      if (!sameResult(x, y)) differ++;
      if (x !== null) {
        parsed++;
        addressesByName(x);
      }
      const [s1, s2] = parseEmbedded(input, dnsOverTcpMessages);
      if (!sameResult(s1, s2)) differ++;
    }
    expect(differ).toBe(0);
    // The mutations must exercise the accepting paths too, not only rejection.
    expect(parsed).toBeGreaterThan(1000);
  });

  it('handles start/end outside the buffer', () => {
    const b = bases[2];
    expect(parseDns(b, -5, b.length)).toBeNull();
    expect(parseDns(b, 0, b.length + 10)).toBeNull();
    expect(parseDns(b, 10, 5)).toBeNull();
    expect(dnsOverTcpMessages(b, 0, b.length + 10)).toEqual([]);
  });
});

describe('mayNameSuffix', () => {
  const wanted = new IntSet([nameSuffixHash('nanopool.org'), nameSuffixHash('supportxmr.com')]);
  const msg = (b: Buffer) => mayNameSuffix(b, 0, b.length, wanted);

  test('a question for a host under a listed suffix, in any case, may name it', () => {
    expect(msg(dnsMessage({ id: 1, questions: [{ name: 'XMR-EU1.NanoPool.org', type: 1 }] }))).toBe(true);
    expect(msg(dnsMessage({ id: 1, questions: [{ name: 'pool.supportxmr.com', type: 28 }] }))).toBe(true);
  });

  test('ordinary names and look-alikes are ruled out without parsing', () => {
    expect(msg(dnsMessage({ id: 1, questions: [{ name: 'www.example.org', type: 1 }] }))).toBe(false);
    expect(msg(dnsMessage({ id: 1, questions: [{ name: 'notnanopool.org', type: 1 }] }))).toBe(false);
    expect(msg(Buffer.from('not dns at all'))).toBe(false);
  });

  test('a CNAME answer pointing at a pool host counts, even when the question does not', () => {
    const b = dnsMessage({
      id: 2,
      response: true,
      questions: [{ name: 'alias.example.net', type: 1 }],
      answers: [
        { name: 'alias.example.net', type: 5, ttl: 60, data: 'gulf.nanopool.org' },
        { name: 'gulf.nanopool.org', type: 1, ttl: 60, data: '198.51.100.9' },
      ],
    });
    expect(msg(b)).toBe(true);
  });

  test('over 2000 generated queries it answers exactly whether a listed suffix is asked', () => {
    const r = rng(7);
    for (let i = 0; i < 2000; i++) {
      const pool = r() < 0.5;
      const name = pool ? `h${i}.nanopool.org` : `h${i}.example.com`;
      const b = dnsMessage({ id: i, questions: [{ name, type: 1 }] });
      expect(msg(b)).toBe(pool);
    }
  });
});
