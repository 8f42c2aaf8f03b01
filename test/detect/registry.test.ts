import { Dispatch } from '../../src/detect/dispatch';
import { RECORDS, lineDialects, methodDialectWords, protocolInfo, type StreamEntry } from '../../src/detect/registry';
import { loadSignatures } from '../../src/detect/signatures';

/** The record whose stream entry this is. */
function names(entries: readonly StreamEntry[]): string[] {
  return entries.map((e) => RECORDS.find((r) => r.stream === e)?.name ?? '?');
}

const dispatch = new Dispatch(RECORDS);

function start(text: string | number[], port = 3333): string[] {
  const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text);
  return names(dispatch.choose(50000, port, true, b, 0, b.length));
}

describe('registry', () => {
  test('one record a name, each either a stream classifier or a line dialect', () => {
    const seen = new Set<string>();
    for (const r of RECORDS) {
      expect(seen.has(r.name)).toBe(false);
      seen.add(r.name);
      expect((r.stream !== undefined) !== (r.dialect !== undefined)).toBe(true);
    }
  });

  test('line dialects in order: the specific EthereumStratum shapes before the generic mining.* handling', () => {
    const order = RECORDS.filter((r) => r.dialect !== undefined).map((r) => r.name);
    expect(order).toEqual(['ethereum-stratum', 'stratum-v1', 'eth-proxy', 'beam', 'grin', 'cryptonote']);
    expect(lineDialects()).toHaveLength(order.length);
  });

  test('every dialect word methods.txt uses is a record that reads its names from there', () => {
    const words = methodDialectWords();
    const sig = loadSignatures();
    for (const w of ['stratum-v1', 'ethereum-stratum', 'eth-proxy', 'cryptonote', 'grin', 'beam', 'getwork']) expect(words).toContain(w);
    expect(sig.methodNames('stratum-v1', 'client').size).toBeGreaterThan(5);
    expect(sig.methodNames('getwork', 'client').has('getblocktemplate')).toBe(true);
  });

  test('the report asks what a protocol word means', () => {
    expect(protocolInfo('cryptonote')).toEqual({
      carriesMiningContent: true,
      difficulty: { kind: 'fixed', hashesPerUnit: 1, family: 'CryptoNote target (difficulty = hashes per share)' },
    });
    expect(protocolInfo('stratum-v1')?.difficulty?.kind).toBe('by-algorithm');
    expect(protocolInfo('grin')?.difficulty?.kind).toBe('none');
    expect(protocolInfo('tls')).toEqual({ carriesMiningContent: false, difficulty: null });
    expect(protocolInfo('http-connect')).toBeUndefined();
    const content = RECORDS.filter((r) => r.carriesMiningContent).map((r) => r.name).sort();
    expect(content).toEqual(['beam', 'cryptonote', 'eth-proxy', 'ethereum-stratum', 'getwork', 'grin', 'stratum-v1', 'stratum-v2']);
  });
});

describe('dispatch from the records', () => {
  test('a stream start is given the classifiers its first byte calls for', () => {
    expect(start([0x16, 3, 1, 0, 5])).toEqual(['tls']);
    expect(start('{"id":1}')).toEqual(['json-rpc-lines']);
    expect(start(' \r\n')).toEqual(['json-rpc-lines']);
    expect(start('eyJpZCI6MX0=')).toEqual(['json-rpc-lines']);
    expect(start('GET / HTTP/1.1\r\n')).toEqual(['http']);
    expect(start('POST / HTTP/1.1\r\n')).toEqual(['getwork', 'http']);
    expect(start('GET / HTTP/1.1\r\nX-Mining-Extensions: midstate\r\n')).toEqual(['getwork', 'http']);
    expect(start([0xf9, 0xbe, 0xb4, 0xd9])).toEqual(['node-p2p', 'stratum-v2']);
    expect(start([0x00, 0x00, 0x00])).toEqual(['node-p2p', 'stratum-v2']);
  });

  test('a flow on port 53 gets DNS alone, whatever its bytes; a stream picked up later gets those that resync', () => {
    expect(start('{"id":1}', 53)).toEqual(['dns']);
    const b = Buffer.from('{"id":1}');
    expect(names(dispatch.choose(53, 40000, false, b, 0, b.length))).toEqual(['dns']);
    expect(names(dispatch.choose(40000, 3333, false, b, 0, b.length))).toEqual(['json-rpc-lines', 'getwork', 'node-p2p']);
    expect(names(dispatch.tunnel)).toEqual(['json-rpc-lines', 'tls']);
  });

  test('only the segment is looked at, not the chunk behind it', () => {
    const b = Buffer.from('GET / HTTP/1.1\r\n\r\nX-Mining-Extensions: x');
    expect(names(dispatch.choose(50000, 80, true, b, 0, 18))).toEqual(['http']);
  });
});
