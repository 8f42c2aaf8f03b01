import { DomainTies } from '../../src/detect/domain-ties';
import { loadSignatures } from '../../src/detect/signatures';
import { decodeFrame } from '../../src/decode/decode';
import { Packet } from '../../src/decode/packet';
import { DetectionEngine } from '../../src/detect/engine';
import type { Evidence } from '../../src/detect/evidence';
import type { DetectedFlow as Flow, FlowInspector } from '../../src/detect/inspector';
import { FlowTable, endpointHash } from '../../src/flow/table';
import { Conversation, udpFrame, type Timed } from '../support/craft';
import { analyze, floodAnswer, frameOf } from './hostile';

const pool = loadSignatures().matchPoolDomain('xmr-eu1.nanopool.org')!;
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);

describe('DomainTies', () => {
  test('ties an answer\'s address to the pool domain for the answer\'s TTL, at least a minute', () => {
    const ties = new DomainTies();
    ties.tie('198.51.100.7', 'xmr-eu1.nanopool.org', pool, 30, T0);
    expect(ties.tieOf('198.51.100.7', T0 + 59_000)?.domain).toBe('xmr-eu1.nanopool.org');
    expect(ties.tieOf('198.51.100.7', T0 + 61_000)).toBeUndefined();
    expect(ties.tieOf('198.51.100.8', T0)).toBeUndefined();
  });

  test('a tie is judged by the asking frame\'s time: a frame dated far ahead does not untie the address for later frames within the TTL (fuzzer: dns-tie-time-jump)', () => {
    const ties = new DomainTies();
    ties.tie('198.51.100.7', 'xmr-eu1.nanopool.org', pool, 300, T0);
    expect(ties.tieOf('198.51.100.7', T0 + 4_300_000)).toBeUndefined();
    expect(ties.tieOf('198.51.100.7', T0 + 6_000)?.domain).toBe('xmr-eu1.nanopool.org');
    expect(ties.size).toBe(1);
  });

  test('mayHold rules out by number only addresses no answer ever tied', () => {
    const ties = new DomainTies();
    const word = (0xc6 << 24 | 0x33 << 16 | 0x64 << 8 | 0x07) >>> 0; // 198.51.100.7
    expect(ties.mayHold(4, word)).toBe(false);
    ties.tie('198.51.100.7', 'xmr-eu1.nanopool.org', pool, 30, T0);
    expect(ties.mayHold(4, word)).toBe(true);
    // Packets carry the word as an unsigned or a signed 32-bit number; both are the address.
    expect(ties.mayHold(4, word | 0)).toBe(true);
    expect(ties.mayHold(4, word + 1)).toBe(false);
    // An expired tie may still be held by number: the exact lookup decides.
    expect(ties.tieOf('198.51.100.7', T0 + 3_600_000)).toBeUndefined();
    expect(ties.mayHold(4, word)).toBe(true);
    // IPv6 is not kept by number: any IPv6 tie sends every IPv6 flow to the exact lookup.
    expect(ties.mayHold(6, 0x20010db8)).toBe(false);
    ties.tie('2001:db8::7', 'xmr-eu1.nanopool.org', pool, 30, T0);
    ties.tie('::ffff:198.51.100.9', 'xmr-eu1.nanopool.org', pool, 30, T0);
    expect(ties.mayHold(6, 0x20010db8)).toBe(true);
    expect(ties.mayHold(4, (word + 2) >>> 0)).toBe(false);
  });
});

describe('DomainTies under a flood of answers (issue 13)', () => {
  const addr = (w: number): string => `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}`;
  const wordOf = (i: number): number => (0x0a000000 + i) >>> 0;

  test('small caps: the filter never holds more than its cap, and every tie the cache holds is still found by number', () => {
    const ties = new DomainTies(4, 8);
    for (let i = 0; i < 1000; i++) {
      ties.tie(addr(wordOf(i)), 'xmr-eu1.nanopool.org', pool, 300, T0 + i);
      expect(ties.filterSize).toBeLessThanOrEqual(8);
      expect(ties.size).toBeLessThanOrEqual(4);
      // The most recent ties (all the cache holds) pass the filter and are found.
      for (let k = Math.max(0, i - 3); k <= i; k++) {
        expect(ties.mayHold(4, wordOf(k))).toBe(true);
        expect(ties.tieOf(addr(wordOf(k)), T0 + i)?.domain).toBe('xmr-eu1.nanopool.org');
      }
    }
    // Long evicted from the cache, and so from the filter after its rebuilds.
    expect(ties.mayHold(4, wordOf(0))).toBe(false);
  });

  test('the filter must be at least twice the cache, whatever is asked', () => {
    const ties = new DomainTies(4, 1);
    for (let i = 0; i < 100; i++) ties.tie(addr(wordOf(i)), 'xmr-eu1.nanopool.org', pool, 300, T0);
    expect(ties.filterSize).toBeLessThanOrEqual(8);
    for (let k = 96; k < 100; k++) expect(ties.mayHold(4, wordOf(k))).toBe(true);
  });
});

describe('a flood of pool answers through the detection engine', () => {
  test('300 000 answers giving pool names distinct addresses: ties bounded, and a tie made after them still flags its connection', () => {
    const sigs = loadSignatures();
    const flagged: Flow[] = [];
    const engine = new DetectionEngine(sigs, { inspectBytes: 8192 }, { flagged: (f) => flagged.push(f), lookup: () => undefined });
    const p = new Packet();
    const feed = (t: Timed, ms: number): void => {
      expect(decodeFrame(frameOf(t), p)).toBe(true);
      engine.dnsDatagram(p, ms);
    };
    for (let m = 0; m < 1172; m++) {
      feed(udpFrame('192.0.2.53', '10.13.1.5', 53, 40000 + m, floodAnswer(`pool-${m % 7}.nanopool.org`, 0x0b000000 + m * 256, 256, m), T0 + m), T0 + m);
    }
    expect(engine.ties.size).toBe(65536);
    expect(engine.ties.filterSize).toBeGreaterThan(0);
    expect(engine.ties.filterSize).toBeLessThanOrEqual(4 * 65536);
    feed(udpFrame('192.0.2.53', '10.13.1.5', 53, 39999, floodAnswer('xmr-eu1.nanopool.org', 0xc6336477, 1, 7), T0 + 5000), T0 + 5000);
    // The miner's SYN to the address the last answer gave.
    const c = new Conversation({ client: '10.13.1.5', server: '198.51.100.119', clientPort: 51000, serverPort: 14444, startMs: T0 + 6000 }).handshake();
    expect(decodeFrame(frameOf(c.frames[0]), p)).toBe(true);
    const table = new FlowTable<FlowInspector, Evidence>({ maxFlows: 16, idleTimeoutMs: 600_000, onEnd: () => undefined });
    const flow = table.lookup(p, endpointHash(p));
    engine.flowStarted(flow, T0 + 6000);
    expect(flagged).toEqual([flow]);
    expect(flow.evidence?.domain).toBe('xmr-eu1.nanopool.org');
  });

  test('through the analyzer: the connection after a flood is a finding', () => {
    const frames: Timed[] = [];
    for (let m = 0; m < 300; m++) frames.push(udpFrame('192.0.2.53', '10.13.1.5', 53, 40000 + m, floodAnswer('pool-1.nanopool.org', 0x0b000000 + m * 256, 256, m), T0 + m));
    frames.push(udpFrame('192.0.2.53', '10.13.1.5', 53, 39999, floodAnswer('xmr-eu1.nanopool.org', 0xc6336477, 1, 7), T0 + 5000));
    const c = new Conversation({ client: '10.13.1.5', server: '198.51.100.119', clientPort: 51000, serverPort: 14444, startMs: T0 + 6000 }).handshake();
    const tied = analyze([c], {}, frames).filter((f) => f.pool === '198.51.100.119');
    expect(tied.map((f) => [f.domain, f.confidence])).toEqual([['xmr-eu1.nanopool.org', 'medium']]);
  });
});
