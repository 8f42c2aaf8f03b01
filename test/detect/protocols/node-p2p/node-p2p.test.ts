import { BITCOIN_FAMILY, identifyNode, looksLikeRlpxAuth, nodeProtocol } from '../../../../src/detect/protocols/node-p2p/node-p2p';
import { bitcoinMessage, levinMessage, mutations, parseEmbedded } from '../../../support/craft-protocols';

/* The "version" message hexdump from the Bitcoin wiki's Protocol documentation (Satoshi 0.7.2, protocol 60002). */
const WIKI_VERSION = Buffer.from(
  [
    'f9beb4d976657273696f6e0000000000',
    '64000000358d493262ea000001000000',
    '0000000011b2d0500000000001000000',
    '0000000000000000000000000000ffff',
    '00000000000000000000000000000000',
    '0000000000000000ffff000000000000',
    '3b2eb35d8ce617650f2f5361746f7368',
    '693a302e372e322fc03e0300',
  ].join(''),
  'hex',
);

const proto = (b: Buffer) => nodeProtocol(b, 0, b.length);

describe('Bitcoin-family P2P', () => {
  it('recognises the wiki version message, and the builder reproduces its header checksum', () => {
    expect(identifyNode(WIKI_VERSION, 0, WIKI_VERSION.length)).toEqual({ protocol: 'bitcoin-p2p', network: 'bitcoin-mainnet', command: 'version' });
    expect(bitcoinMessage('f9beb4d9', 'version', WIKI_VERSION.subarray(24)).equals(WIKI_VERSION)).toBe(true);
  });

  it('needs only magic and command (16 bytes)', () => {
    expect(nodeProtocol(WIKI_VERSION, 0, 16)).toBe('bitcoin-p2p');
    expect(nodeProtocol(WIKI_VERSION, 0, 15)).toBeNull();
  });

  it('knows every network in the table', () => {
    for (const m of BITCOIN_FAMILY) {
      const b = bitcoinMessage(m.magic, 'verack', Buffer.alloc(0));
      expect(identifyNode(b, 0, b.length)).toEqual({ protocol: m.protocol, network: m.network, command: 'verack' });
    }
    const lite = bitcoinMessage('fbc0b6db', 'sendcmpct', Buffer.alloc(9));
    expect(proto(lite)).toBe('litecoin-p2p');
    expect(proto(bitcoinMessage('c0c0c0c0', 'ping', Buffer.alloc(8)))).toBe('dogecoin-p2p');
  });

  it('rejects a wrong magic, a bad command, and an absurd length', () => {
    expect(proto(bitcoinMessage('f9beb4d8', 'version', Buffer.alloc(4)))).toBeNull();
    const spaceCmd = Buffer.from(WIKI_VERSION);
    spaceCmd[6] = 0x20;
    expect(proto(spaceCmd)).toBeNull();
    const afterNul = Buffer.from(WIKI_VERSION);
    afterNul[14] = 0x41; // a byte after the NUL padding started
    expect(proto(afterNul)).toBeNull();
    const empty = Buffer.from(WIKI_VERSION);
    empty.fill(0, 4, 16);
    expect(proto(empty)).toBeNull();
    const huge = Buffer.from(WIKI_VERSION);
    huge.writeUInt32LE(0x02000001, 16);
    expect(proto(huge)).toBeNull();
  });

  it('finds a message in the middle of a buffer', () => {
    const b = Buffer.concat([Buffer.from('junk'), WIKI_VERSION]);
    expect(nodeProtocol(b, 4, b.length)).toBe('bitcoin-p2p');
    expect(nodeProtocol(b, 0, b.length)).toBeNull();
  });
});

describe('Levin (Monero P2P)', () => {
  it('recognises a handshake request header', () => {
    const b = levinMessage(1001, Buffer.alloc(40, 1));
    expect(b.subarray(0, 8).toString('hex')).toBe('0121010101010101');
    expect(identifyNode(b, 0, b.length)).toEqual({ protocol: 'monero-p2p', network: 'levin', command: '1001' });
  });

  it('accepts the bare signature, and checks the rest of the header when present', () => {
    const b = levinMessage(2002, Buffer.alloc(10), false, 1);
    expect(identifyNode(b, 0, 8)).toEqual({ protocol: 'monero-p2p', network: 'levin', command: null });
    expect(nodeProtocol(b, 0, 7)).toBeNull();
    const badVersion = Buffer.from(b);
    badVersion.writeUInt32LE(2, 29);
    expect(proto(badVersion)).toBeNull();
    const hugeBody = Buffer.from(b);
    hugeBody.writeUInt32LE(1, 12); // body size >= 2^32
    expect(proto(hugeBody)).toBeNull();
    const wrongSig = Buffer.from(b);
    wrongSig[1] = 0x22;
    expect(proto(wrongSig)).toBeNull();
  });
});

describe('Ethereum RLPx', () => {
  const auth = (size: number, first = 0x04) => {
    const b = Buffer.alloc(2 + size, 0x77);
    b.writeUInt16BE(size, 0);
    b[2] = first;
    return b;
  };
  it('recognises an EIP-8 auth first flight by its exact size prefix and key marker', () => {
    expect(proto(auth(410))).toBe('ethereum-p2p');
    expect(looksLikeRlpxAuth(auth(410), 0, 412)).toBe(true);
  });
  it('rejects it when the sizes do not match or the marker is wrong', () => {
    expect(nodeProtocol(auth(410), 0, 300)).toBeNull();
    expect(proto(Buffer.concat([auth(410), Buffer.alloc(3)]))).toBeNull();
    expect(proto(auth(410, 0x03))).toBeNull();
    expect(proto(auth(100))).toBeNull();
  });
});

describe('not node traffic', () => {
  it('returns null for mining and web streams', () => {
    for (const s of ['{"id":1,"method":"mining.subscribe","params":[]}\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03']) {
      expect(proto(Buffer.from(s, 'latin1'))).toBeNull();
    }
    expect(proto(Buffer.alloc(0))).toBeNull();
  });
});

describe('robustness', () => {
  const bases = [WIKI_VERSION, levinMessage(1001, Buffer.alloc(20)), bitcoinMessage('0b110907', 'getheaders', Buffer.alloc(40))];
  it('never throws and never reads outside its range on 10000 mutated or random inputs', () => {
    let differ = 0;
    let found = 0;
    for (const input of mutations(0x9e7, bases, 10000)) {
      const [a, b] = parseEmbedded(input, identifyNode);
      if (JSON.stringify(a) !== JSON.stringify(b)) differ++;
      if (a !== null) found++;
    }
    expect(differ).toBe(0);
    expect(found).toBeGreaterThan(1000);
  });

  it('handles start/end outside the buffer', () => {
    expect(nodeProtocol(WIKI_VERSION, -1, 20)).toBeNull();
    expect(nodeProtocol(WIKI_VERSION, 0, WIKI_VERSION.length + 1)).toBeNull();
    expect(nodeProtocol(WIKI_VERSION, 30, 2)).toBeNull();
    expect(looksLikeRlpxAuth(WIKI_VERSION, 0, WIKI_VERSION.length + 5)).toBe(false);
  });
});
