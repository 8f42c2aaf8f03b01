import { X509Certificate } from 'node:crypto';
import { parseServerCertificateNames } from '../../../../src/detect/protocols/tls/certificate';
import { NEED_MORE, NOT_TLS, WRONG_MESSAGE, isGrease, looksLikeTlsRecord, parseClientHello } from '../../../../src/detect/protocols/tls/tls';
import {
  certificateMessage,
  clientHello,
  clientHelloMessage,
  mutations,
  parseEmbedded,
  sameResult,
  serverHelloDoneMessage,
  serverHelloMessage,
  tlsRecords,
} from '../../../support/craft-protocols';

/*
 * Real first segments captured on loopback (tcpdump on lo, payload printed by tshark):
 * curl 7.88.1 / OpenSSL 3.0.19 to https://xmr-eu1.nanopool.org:14433 (517 bytes, padding extension),
 * Node 20 tls.connect with servername gulf.moneroocean.stream and ALPN h2,http/1.1,
 * and the first server flight of `openssl s_server -tls1_2` with a self-signed certificate
 * (CN=stratum.Example-Pool.org; SAN DNS stratum.example-pool.org, *.eu.example-pool.org,
 * IP 127.0.0.1, DNS xmr.example-pool.org): ServerHello, Certificate, ServerKeyExchange, ServerHelloDone.
 */
const CURL_HELLO = Buffer.from(
  [
    '1603010200010001fc0303bd5f8c4be53143dc5db8b53b2e8666d4d8565884913b0d23f2408216cc4c06bd2075af1aaf01cafb8f1a50c1136da5c5c1',
    '16ccb1f11044ffc4fe10ab90c04c0f59003e130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039',
    'c009c0130033009d009c003d003c0035002f00ff01000175000000190017000014786d722d6575312e6e616e6f706f6f6c2e6f7267000b0004030001',
    '02000a00160014001d0017001e00190018010001010102010301040010000e000c02683208687474702f312e31001600000017000000310000000d00',
    '2a0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b0009080304030303020301002d0002',
    '0101003300260024001d0020daec1c78e238d651e184f10d35c977ba6006593916f0c03e06214547c522b773001500a9000000000000000000000000',
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
    '00000000000000000000000000000000000000000000000000000000000000000000000000',
  ].join(''),
  'hex',
);

const NODE_HELLO = Buffer.from(
  [
    '160301018a01000186030314804f9e47c99a11f0130e52b6d41617664c00cea4c4a21771887d727d220e3a207f6c73444dd1bb974a7a98a82062cc36',
    'fc930cb16dbff3f758d841915a5f3d3a0076130213031301c02fc02bc030c02c009ec0270067c028006b00a3009fcca9cca8ccaac0afc0adc0a3c09f',
    'c05dc061c057c05300a2c0aec0acc0a2c09ec05cc060c056c052c024006ac0230040c00ac01400390038c009c01300330032009dc0a1c09dc051009c',
    'c0a0c09cc050003d003c0035002f00ff010000c70000001c001a00001767756c662e6d6f6e65726f6f6365616e2e73747265616d000b000403000102',
    '000a00160014001d0017001e0019001801000101010201030104002300000010000e000c02683208687474702f312e310016000000170000000d002a',
    '0028040305030603080708080809080a080b080408050806040105010601030303010302040205020602002b00050403040303002d00020101003300',
    '260024001d00200498b2a0758550f14782b515fd3d6cbe6f8b21ae3e0eac97d9bc3cd8fed46e16',
  ].join(''),
  'hex',
);

const OPENSSL_TLS12_SERVER_FLIGHT = Buffer.from(
  [
    '160303005d0200005903038fd5a0fe27e0cf9f5a20094a5e46668f0a751ff82d8654c31e50126b6ee49694205e3c1390c99f7fcd3ea731af7e34f3a0',
    'ff2b2e00fc357c79dc44ec9fb48b398dc02c000011ff01000100000b0004030001020017000016030302440b00024000023d00023a30820236308201',
    'dda003020102021411421c1c144cc5b3276256b510e90c57aa24bd4f300a06082a8648ce3d0403023044310b30090603550406130255533112301006',
    '0355040a0c095465737420506f6f6c3121301f06035504030c187374726174756d2e4578616d706c652d506f6f6c2e6f7267301e170d323631313239',
    '3133313431375a170d3336313132363133313431375a3044310b300906035504061302555331123010060355040a0c095465737420506f6f6c312130',
    '1f06035504030c187374726174756d2e4578616d706c652d506f6f6c2e6f72673059301306072a8648ce3d020106082a8648ce3d0301070342000480',
    '257f38fe49251d01ff2072e1f47aba09e57af436ff9da7bc5c5e5daefc26f016f4e838cc7b70ec8a569d51f9f5929fbb6cc76c9a436dc0ab8f10f7ed',
    '633794a381ac3081a9301d0603551d0e041604147fdad2cd39f868c405c7e3aa3df5273b49938808301f0603551d230418301680147fdad2cd39f868',
    'c405c7e3aa3df5273b49938808300f0603551d130101ff040530030101ff30560603551d11044f304d82187374726174756d2e6578616d706c652d70',
    '6f6f6c2e6f726782152a2e65752e6578616d706c652d706f6f6c2e6f726787047f0000018214786d722e6578616d706c652d706f6f6c2e6f7267300a',
    '06082a8648ce3d040302034700304402200714c0541426a2387960e862f310fc1ceab6539cb07c3241577cb8aa866ba818022057020972a6ab01dacd',
    '98f1bdf3ced4138650e5a57a9c2043cd677312555c08bd16030300740c00007003001d2093828bb5a09f7949ea19d0b5678b1f9e2e8d1deed238c9cd',
    '1e02baef71bebd0404030048304602210086b34bbb19f48dff8e4c4cbe7002aeeab3434b1a0b002c2d09c58cedd2c10925022100bc4458c5c035a658',
    'c0ecfb6d36a8f55465a6166e0d47e10cc167dea944d0474716030300040e000000',
  ].join(''),
  'hex',
);

const whole = (b: Buffer) => parseClientHello(b, 0, b.length);
const handshakeOf = (records: Buffer): Buffer => {
  // Strips record headers (the helpers below only build single-type record runs).
  const parts: Buffer[] = [];
  for (let p = 0; p < records.length; ) {
    const len = records.readUInt16BE(p + 3);
    parts.push(records.subarray(p + 5, p + 5 + len));
    p += 5 + len;
  }
  return Buffer.concat(parts);
};

describe('parseClientHello on real client hellos', () => {
  it('reads SNI, ALPN and the TLS 1.3 offer from curl/OpenSSL', () => {
    expect(whole(CURL_HELLO)).toEqual({ sni: 'xmr-eu1.nanopool.org', alpn: ['h2', 'http/1.1'], version: 0x0304 });
  });

  it('reads SNI, ALPN and the TLS 1.3 offer from Node', () => {
    expect(whole(NODE_HELLO)).toEqual({ sni: 'gulf.moneroocean.stream', alpn: ['h2', 'http/1.1'], version: 0x0304 });
  });

  it('says NEED_MORE for every prefix (a hello split at any byte across TCP segments)', () => {
    for (const hello of [CURL_HELLO, NODE_HELLO]) {
      for (let k = 0; k < hello.length; k++) {
        if (parseClientHello(hello, 0, k) !== NEED_MORE) throw new Error(`prefix ${k} of ${hello.length} not NEED_MORE`);
      }
    }
  });

  it('gives the same answer when the hello is cut into two TLS records at any point', () => {
    const hs = handshakeOf(CURL_HELLO);
    const expected = whole(CURL_HELLO);
    for (let i = 1; i < hs.length; i++) {
      const two = Buffer.concat([tlsRecords(hs.subarray(0, i)), tlsRecords(hs.subarray(i))]);
      if (!sameResult(whole(two), expected)) throw new Error(`split at ${i}`);
      // Every prefix of the two-record form is still NEED_MORE.
      if (i % 37 === 0) for (let k = 0; k < two.length; k += 13) expect(parseClientHello(two, 0, k)).toBe(NEED_MORE);
    }
  });

  it('reads the hello when it is followed by other bytes in the buffer', () => {
    const more = Buffer.concat([CURL_HELLO, Buffer.from([0x14, 3, 3, 0, 1, 1])]);
    expect(whole(more)).toEqual(whole(CURL_HELLO));
  });
});

describe('parseClientHello on built hellos', () => {
  it('skips GREASE in versions and reads a Chrome-like hello', () => {
    const h = clientHello({ sni: 'Pool.Example.ORG.', alpn: ['h2'], grease: true, tls13: true });
    expect(whole(h)).toEqual({ sni: 'pool.example.org', alpn: ['h2'], version: 0x0304 });
  });

  it('reads a TLS 1.2-only hello without SNI or ALPN (XMRig 6.16 sends no SNI)', () => {
    expect(whole(clientHello({}))).toEqual({ sni: null, alpn: [], version: 0x0303 });
  });

  it('reads a padded hello and a hello too big for one record', () => {
    const padded = clientHello({ sni: 'a.example', padTo: 512 });
    expect(padded.length).toBe(5 + 512);
    expect(whole(padded)).toEqual({ sni: 'a.example', alpn: [], version: 0x0303 });
    const big = clientHelloMessage({ sni: 'pq.example', tls13: true, keyShareBytes: 20000 });
    const recs = tlsRecords(big);
    expect(recs[5 + 16384 + 0]).toBe(22); // really two records
    expect(whole(recs)).toEqual({ sni: 'pq.example', alpn: [], version: 0x0304 });
    expect(parseClientHello(recs, 0, recs.length - 1)).toBe(NEED_MORE);
  });

  it('reads a post-quantum sized hello (about 1.8 KB) that spans two TCP segments', () => {
    // One key_share blob the size of Chrome's two shares: X25519MLKEM768 (1216) plus X25519 (32).
    const h = clientHello({ sni: 'pool.example', tls13: true, grease: true, keyShareBytes: 1216 + 32 + 4 });
    expect(h.length).toBeGreaterThan(1460);
    expect(parseClientHello(h, 0, 1460)).toBe(NEED_MORE);
    expect(whole(h)).toEqual({ sni: 'pool.example', alpn: [], version: 0x0304 });
  });

  it('escapes control bytes in an odd server name', () => {
    const h = clientHello({ sni: 'a\u0000b\\c' });
    expect((whole(h) as { sni: string }).sni).toBe('a\\000b\\092c');
  });

  it('rejects non-TLS streams at the first byte', () => {
    for (const s of ['GET / HTTP/1.1\r\n', '{"id":1,"method":"mining.subscribe","params":[]}\n', 'SSH-2.0-OpenSSH_9.6\r\n']) {
      expect(parseClientHello(Buffer.from(s), 0, 1)).toBe(NOT_TLS);
      expect(parseClientHello(Buffer.from(s), 0, s.length)).toBe(NOT_TLS);
    }
    // Handshake type byte right, version wrong.
    expect(parseClientHello(Buffer.from([0x16, 0x02]), 0, 2)).toBe(NOT_TLS);
    expect(parseClientHello(Buffer.from([0x16, 0x03, 0x09]), 0, 3)).toBe(NOT_TLS);
    // Record of length zero.
    expect(parseClientHello(Buffer.from([0x16, 3, 1, 0, 0, 1]), 0, 6)).toBe(NOT_TLS);
    expect(parseClientHello(Buffer.alloc(0), 0, 0)).toBe(NEED_MORE);
  });

  it('rejects a malformed hello once it is complete', () => {
    const msg = clientHelloMessage({ sni: 'a.example' });
    const badSid = Buffer.from(msg);
    badSid[4 + 2 + 32] = 33; // session id longer than 32
    expect(whole(tlsRecords(badSid))).toBe(NOT_TLS);
    // Find the extensions block: after version+random, session id, suites, compression.
    let p = 4 + 34;
    p += 1 + msg[p];
    p += 2 + msg.readUInt16BE(p);
    p += 1 + msg[p];
    expect(msg.readUInt16BE(p)).toBe(msg.length - p - 2);
    const badExt = Buffer.from(msg);
    badExt.writeUInt16BE(0xfff0, p + 4); // first extension claims more bytes than the block holds
    expect(whole(tlsRecords(badExt))).toBe(NOT_TLS);
    const badList = Buffer.from(msg);
    badList.writeUInt16BE(msg.length - p, p); // extension block longer than the message
    expect(whole(tlsRecords(badList))).toBe(NOT_TLS);
  });

  it('rejects a hello whose records stop before it is complete', () => {
    const msg = clientHelloMessage({ sni: 'a.example' });
    const cut = Buffer.concat([tlsRecords(msg.subarray(0, 40)), Buffer.from([0x17, 3, 3, 0, 2, 0, 0])]);
    expect(whole(cut)).toBe(NOT_TLS);
  });

  it('says WRONG_MESSAGE for a handshake that starts with another message', () => {
    expect(whole(tlsRecords(serverHelloMessage(), 16384, 22, 0x0303))).toBe(WRONG_MESSAGE);
    expect(whole(OPENSSL_TLS12_SERVER_FLIGHT)).toBe(WRONG_MESSAGE);
  });
});

describe('looksLikeTlsRecord', () => {
  it('accepts record headers of every content type and rejects text', () => {
    expect(looksLikeTlsRecord(CURL_HELLO, 0, CURL_HELLO.length)).toBe(true);
    expect(looksLikeTlsRecord(Buffer.from([0x17, 3, 3, 0x01, 0x00]), 0, 5)).toBe(true);
    expect(looksLikeTlsRecord(Buffer.from([0x15, 3, 3, 0, 2]), 0, 5)).toBe(true);
    expect(looksLikeTlsRecord(Buffer.from([0x17, 3, 3, 0x60, 0x00]), 0, 5)).toBe(false); // longer than any record
    expect(looksLikeTlsRecord(Buffer.from([0x17, 3, 3, 0, 0]), 0, 5)).toBe(false);
    expect(looksLikeTlsRecord(Buffer.from('GET / HTTP/1.1'), 0, 14)).toBe(false);
    expect(looksLikeTlsRecord(CURL_HELLO, 0, 4)).toBe(false);
  });
});

describe('isGrease', () => {
  it('matches exactly the 16 RFC 8701 values', () => {
    let n = 0;
    for (let v = 0; v < 0x10000; v++) if (isGrease(v)) n++;
    expect(n).toBe(16);
    expect(isGrease(0x0a0a) && isGrease(0xfafa) && !isGrease(0x0a1a) && !isGrease(0x1301)).toBe(true);
  });
});

describe('parseServerCertificateNames', () => {
  const expected = ['stratum.example-pool.org', '*.eu.example-pool.org', 'xmr.example-pool.org'];

  it('reads subject CN and DNS SANs from a real OpenSSL TLS 1.2 server flight', () => {
    expect(parseServerCertificateNames(OPENSSL_TLS12_SERVER_FLIGHT, 0, OPENSSL_TLS12_SERVER_FLIGHT.length)).toEqual(expected);
  });

  it('agrees with node:crypto X509Certificate on the same certificate', () => {
    // ServerHello record first, then the Certificate message: 3-byte list length, 3-byte cert length, DER.
    const hs = handshakeOf(OPENSSL_TLS12_SERVER_FLIGHT);
    const shLen = hs.readUIntBE(1, 3);
    const cert = hs.subarray(4 + shLen);
    expect(cert[0]).toBe(11);
    const der = cert.subarray(10, 10 + cert.readUIntBE(7, 3));
    const x = new X509Certificate(der);
    const sans = x.subjectAltName!.split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
    const cn = /CN=(.*)/.exec(x.subject)![1].toLowerCase();
    expect(new Set(expected)).toEqual(new Set([cn, ...sans]));
  });

  it('says NEED_MORE for every prefix of the flight before the certificate is complete', () => {
    const f = OPENSSL_TLS12_SERVER_FLIGHT;
    const answers = new Set<string>();
    let firstComplete = -1;
    for (let k = 0; k <= f.length; k++) {
      const r = parseServerCertificateNames(f, 0, k);
      if (r !== NEED_MORE && firstComplete < 0) firstComplete = k;
      if (firstComplete >= 0) answers.add(JSON.stringify(r));
    }
    expect([...answers]).toEqual([JSON.stringify(expected)]);
    expect(firstComplete).toBeGreaterThan(100);
    expect(firstComplete).toBeLessThan(f.length);
  });

  it('reads a certificate carried across several records', () => {
    const hs = handshakeOf(OPENSSL_TLS12_SERVER_FLIGHT);
    const recs = tlsRecords(hs, 100, 22, 0x0303);
    expect(parseServerCertificateNames(recs, 0, recs.length)).toEqual(expected);
  });

  it('returns [] for TLS 1.3 (certificate encrypted) and for a flight without a certificate', () => {
    const t13 = Buffer.concat([tlsRecords(serverHelloMessage(true), 16384, 22, 0x0303), Buffer.from([0x14, 3, 3, 0, 1, 1, 0x17, 3, 3, 0, 3, 1, 2, 3])]);
    expect(parseServerCertificateNames(t13, 0, t13.length)).toEqual([]);
    const anon = tlsRecords(Buffer.concat([serverHelloMessage(), serverHelloDoneMessage()]), 16384, 22, 0x0303);
    expect(parseServerCertificateNames(anon, 0, anon.length)).toEqual([]);
    const resumed = Buffer.concat([tlsRecords(serverHelloMessage(), 16384, 22, 0x0303), Buffer.from([0x14, 3, 3, 0, 1, 1])]);
    expect(parseServerCertificateNames(resumed, 0, resumed.length)).toEqual([]);
  });

  it('returns [] for a certificate that is not DER and rejects non-TLS and client streams', () => {
    const junk = tlsRecords(Buffer.concat([serverHelloMessage(), certificateMessage(Buffer.from('not a certificate'))]), 16384, 22, 0x0303);
    expect(parseServerCertificateNames(junk, 0, junk.length)).toEqual([]);
    expect(parseServerCertificateNames(Buffer.from('HTTP/1.1 200 OK\r\n'), 0, 17)).toBe(NOT_TLS);
    expect(parseServerCertificateNames(CURL_HELLO, 0, CURL_HELLO.length)).toBe(WRONG_MESSAGE);
  });
});

describe('robustness', () => {
  const bases = [
    CURL_HELLO,
    NODE_HELLO,
    OPENSSL_TLS12_SERVER_FLIGHT,
    clientHello({ sni: 'a.example', alpn: ['h2', 'x'], grease: true, tls13: true }),
    Buffer.concat([tlsRecords(handshakeOf(NODE_HELLO).subarray(0, 50)), tlsRecords(handshakeOf(NODE_HELLO).subarray(50))]),
    tlsRecords(handshakeOf(OPENSSL_TLS12_SERVER_FLIGHT), 200, 22, 0x0303),
  ];

  it('never throws and never reads outside its range on 10000 mutated or random inputs', () => {
    let differ = 0;
    let hellos = 0;
    let certs = 0;
    for (const input of mutations(0x7e5, bases, 10000)) {
      const [a, b] = parseEmbedded(input, parseClientHello);
      if (!sameResult(a, b)) differ++;
      if (typeof a === 'object') hellos++;
      const [c, d] = parseEmbedded(input, parseServerCertificateNames);
      if (!sameResult(c, d)) differ++;
      if (Array.isArray(c) && c.length > 0) certs++;
      const [e, f] = parseEmbedded(input, looksLikeTlsRecord);
      if (e !== f) differ++;
    }
    expect(differ).toBe(0);
    expect(hellos).toBeGreaterThan(500);
    expect(certs).toBeGreaterThan(100);
  });

  it('handles start/end outside the buffer', () => {
    expect(parseClientHello(CURL_HELLO, -1, 10)).toBe(NOT_TLS);
    expect(parseClientHello(CURL_HELLO, 0, CURL_HELLO.length + 1)).toBe(NOT_TLS);
    expect(parseServerCertificateNames(CURL_HELLO, 5, 2)).toBe(NOT_TLS);
    expect(looksLikeTlsRecord(CURL_HELLO, -3, 10)).toBe(false);
  });
});
