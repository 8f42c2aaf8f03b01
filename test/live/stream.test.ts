import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import type { CaptureWarning } from '../../src/capture/frame';
import { StreamFeed } from '../../src/capture/live';
import { PcapParser } from '../../src/capture/pcap';
import { writePcap } from '../../src/capture/writer';
import { loadSignatures } from '../../src/detect/signatures';
import type { Finding, Summary } from '../../src/report/finding';
import { FindingStream, LineWriter, findingKey, type WriteFailure } from '../../src/report/stream';
import { miningSession, webSession } from '../../pcaps/generate';
import { toRecords } from '../support/craft';

const tmp = mkdtempSync(join(tmpdir(), 'pw-live-stream-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function lines(file: string): Array<{ [k: string]: unknown }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { [k: string]: unknown });
}

function summaryOf(findings: Finding[]): Summary {
  return { type: 'summary', files: 0, packets: 0, bytes: 0, seconds: 0, flows: 0, findings: findings.length, warnings: [], skipped: [] };
}

/** The analyzer fed as live feeds it (a pcap stream through StreamFeed), its findings streamed to `file`. */
function streamCapture(file: string): { analyzer: Analyzer; stream: FindingStream; out: LineWriter; feed: (bytes: Buffer) => void } {
  const out = LineWriter.open(file);
  const stream = new FindingStream(out);
  const analyzer = new Analyzer(loadSignatures([]), { ...DEFAULT_ANALYZER_OPTIONS, onFinding: (f) => stream.found(f) });
  const warnings: CaptureWarning[] = [];
  const feed = new StreamFeed(new PcapParser('test', analyzer, (w) => warnings.push(w)));
  return {
    analyzer,
    stream,
    out,
    feed: (bytes) => {
      feed.push(bytes);
      expect(warnings).toEqual([]);
    },
  };
}

describe('FindingStream', () => {
  test('a finding is written when made, again only when it changes, and in full at the end', () => {
    const file = join(tmp, 'events.jsonl');
    const { analyzer, stream, out, feed } = streamCapture(file);
    const pcap = writePcap(toRecords([...webSession(), ...miningSession()]), { linkType: 1, nanos: true });
    // Record by record, as packets arrive live: each line must be on disk before the next packet.
    let written = 0;
    let pos = 24;
    feed(pcap.subarray(0, 24));
    while (pos < pcap.length) {
      const len = 16 + pcap.readUInt32LE(pos + 8);
      feed(pcap.subarray(pos, pos + len));
      pos += len;
      const now = existsSync(file) ? lines(file).length : 0;
      expect(now).toBe(out.linesWritten);
      written = now;
    }
    expect(written).toBeGreaterThan(1);
    const live = lines(file);
    expect(live[0]).toMatchObject({ type: 'finding', event: 'new', host: '10.1.2.3', pool: '198.51.100.7', poolPort: 3333, protocol: 'cryptonote' });
    expect(live.slice(1).every((l) => l.event === 'update' && l.host === '10.1.2.3')).toBe(true);
    // Never the same state twice in a row, and the evidence only grows.
    for (let i = 1; i < live.length; i++) {
      const { event: _a, ...prev } = live[i - 1];
      const { event: _b, ...cur } = live[i];
      expect(cur).not.toEqual(prev);
      expect(cur.packets as number).toBeGreaterThanOrEqual(prev.packets as number);
    }
    expect(live[live.length - 1]).toMatchObject({ confidence: 'high', login: expect.stringMatching(/^44AFF/), agent: expect.stringMatching(/^XMRig\/6\.16\.0/) });

    // The packets after the last evidence (shares, ACKs) grew the counters: a refresh says so once...
    const before = out.linesWritten;
    stream.refresh(analyzer.report.findings());
    expect(out.linesWritten).toBe(before + 1);
    const grown = lines(file)[before];
    expect(grown).toMatchObject({ event: 'update', host: '10.1.2.3' });
    expect(grown.packets as number).toBeGreaterThan(live[live.length - 1].packets as number);
    // ...and with nothing new, a second refresh writes nothing.
    stream.refresh(analyzer.report.findings());
    expect(out.linesWritten).toBe(before + 1);

    const findings = analyzer.finish();
    expect(stream.final(findings, summaryOf(findings))).toBe(true);
    expect(out.close()).toBe(true);
    const all = lines(file);
    const finals = all.filter((l) => l.event === 'final');
    expect(finals).toHaveLength(findings.length);
    expect(finals.map(({ event: _e, ...f }) => f)).toEqual(JSON.parse(JSON.stringify(findings)));
    expect(all[all.length - 1]).toMatchObject({ type: 'summary', findings: findings.length });
  });

  test('refresh writes an update for a finding whose counters grew without new evidence, and new for one not yet seen', () => {
    const file = join(tmp, 'refresh.jsonl');
    const out = LineWriter.open(file);
    const stream = new FindingStream(out);
    const f = { type: 'finding', host: '10.0.0.1', pool: '192.0.2.9', poolPort: 3333, protocol: 'stratum-v1', packets: 10, lastSeen: 'a' } as unknown as Finding;
    const dns = { type: 'finding', host: '10.0.0.1', pool: null, poolPort: null, domain: 'pool.example', protocol: 'dns' } as unknown as Finding;
    expect(stream.found(f)).toBe('new');
    expect(stream.found({ ...f })).toBeNull();
    stream.refresh([{ ...f, packets: 12, lastSeen: 'b' }, dns]);
    expect(findingKey(dns)).not.toBe(findingKey(f));
    out.close();
    expect(lines(file).map((l) => [l.event, l.protocol, l.packets ?? null])).toEqual([
      ['new', 'stratum-v1', 10],
      ['update', 'stratum-v1', 12],
      ['new', 'dns', null],
    ]);
  });
});

describe('LineWriter', () => {
  test('appends: a restart keeps the lines already in the file', () => {
    const file = join(tmp, 'append.jsonl');
    const a = LineWriter.open(file);
    a.write('{"n":1}\n');
    a.close();
    const b = LineWriter.open(file);
    b.write('{"n":2}\n');
    b.close();
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  test('reopen (SIGHUP after logrotate) goes on in a new file of the same name', () => {
    const file = join(tmp, 'rotate.jsonl');
    const w = LineWriter.open(file);
    w.write('{"n":1}\n');
    renameSync(file, `${file}.1`);
    w.write('{"n":2}\n');
    w.reopen();
    w.write('{"n":3}\n');
    expect(w.close()).toBe(true);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"n":3}\n');
  });

  test('a full device is reported, counted and makes close() fail, never silently dropped', () => {
    const failures: WriteFailure[] = [];
    const w = LineWriter.open('/dev/full', (f) => failures.push(f));
    expect(w.write('{"type":"finding"}\n')).toBe(false);
    expect(w.write('{"type":"finding"}\n')).toBe(false);
    expect(failures.map((f) => f.code)).toEqual(['ENOSPC', 'ENOSPC']);
    expect(w.linesFailed).toBe(2);
    expect(w.linesWritten).toBe(0);
    expect(w.firstFailure?.code).toBe('ENOSPC');
    expect(w.close()).toBe(false);
  });
});
