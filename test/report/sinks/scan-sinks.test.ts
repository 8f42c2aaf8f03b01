/**
 * `poolwatch scan` with sinks, run as a user runs it: the bundled sample's
 * finding reaches a real rsyslog over every transport, in JSON or EVE; a Kafka
 * broker that is not there makes the summary and the exit status say so; bad
 * sink options are one-line usage errors.
 */
import { join } from 'node:path';
import { packageRoot } from '../../../src/paths';
import { parseJsonl, runCli } from '../../support/cli';
import { freeTcpPort, waitFor } from '../../servers/process';
import { Rsyslog } from '../../servers/rsyslog';

const SAMPLES = join(packageRoot(), 'pcaps', 'samples');

const skip = Rsyslog.unavailable();
(skip === null ? describe : describe.skip)('scan to a real rsyslog', () => {
  const rsyslog = new Rsyslog();
  beforeAll(async () => {
    await rsyslog.start();
  }, 30_000);
  afterAll(async () => {
    await rsyslog.stop();
  });

  test('the sample\'s finding arrives over UDP, TCP and the Unix socket, as in the report; the summary counts each sink', async () => {
    const r = runCli(['scan', SAMPLES, '-f', 'jsonl', '--syslog', `udp://127.0.0.1:${rsyslog.udpPort}`, '--syslog', `tcp://127.0.0.1:${rsyslog.tcpPort}`, '--syslog', `unix://${rsyslog.socket}`, '--syslog-app-name', 'pw-scan', '--syslog-facility', 'local3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = parseJsonl(r.stdout);
    expect(report.findings).toHaveLength(1);
    expect(report.summary.sinks).toEqual([
      { name: `syslog:udp://127.0.0.1:${rsyslog.udpPort}`, sent: 1, failed: 0 },
      { name: `syslog:tcp://127.0.0.1:${rsyslog.tcpPort}`, sent: 1, failed: 0 },
      { name: `syslog:unix://${rsyslog.socket}`, sent: 1, failed: 0 },
    ]);
    const got = await waitFor('3 messages', 10_000, () => {
      const m = rsyslog.messages().filter((x) => x.app === 'pw-scan');
      return m.length >= 3 ? m : undefined;
    });
    expect(got.map((m) => m.input).sort()).toEqual(['imptcp', 'imtcp', 'imudp']);
    for (const m of got) {
      expect(JSON.parse(m.msg)).toEqual(report.findings[0]);
      expect(m.msgid).toBe('finding');
      expect(Number(m.pri) >> 3).toBe(19);
    }
  }, 60_000);

  test('--sink-format eve sends the EVE alert', async () => {
    const r = runCli(['scan', SAMPLES, '-f', 'jsonl', '--syslog', `tcp://127.0.0.1:${rsyslog.tcpPort}`, '--syslog-app-name', 'pw-eve', '--sink-format', 'eve']);
    expect(r.status).toBe(0);
    const finding = parseJsonl(r.stdout).findings[0];
    const got = await waitFor('1 EVE message', 10_000, () => {
      const m = rsyslog.messages().filter((x) => x.app === 'pw-eve');
      return m.length >= 1 ? m : undefined;
    });
    const eve = JSON.parse(got[0].msg) as { event_type: string; src_ip: string; dest_ip: string; dest_port: number; alert: { signature_id: number } };
    expect(eve).toMatchObject({ event_type: 'alert', src_ip: finding.host, dest_ip: finding.pool, dest_port: finding.poolPort });
    expect(eve.alert.signature_id).toBeGreaterThan(1717000);
  }, 60_000);
});

describe('scan with a sink that cannot deliver', () => {
  test('Kafka with nothing listening: the report is still written, the summary and exit 1 say what was lost, one log line with the count', async () => {
    const port = await freeTcpPort();
    const r = runCli(['scan', SAMPLES, '-f', 'jsonl', '--kafka-brokers', `127.0.0.1:${port}`, '--kafka-topic', 'findings', '--sink-timeout', '1']);
    expect(r.status).toBe(1);
    const report = parseJsonl(r.stdout);
    expect(report.findings).toHaveLength(1);
    expect(report.summary.sinks).toEqual([{ name: 'kafka:findings', sent: 0, failed: 1 }]);
    const errors = r.stderr.split('\n').filter((l) => l.includes('could not be sent'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('kafka:findings: 1 record(s) could not be sent (0 sent)');
    // A CI gate's --exit-code still wins: something was flagged.
    const gated = runCli(['scan', SAMPLES, '-f', 'jsonl', '--kafka-brokers', `127.0.0.1:${port}`, '--sink-timeout', '0.5', '--exit-code', '3']);
    expect(gated.status).toBe(3);
  }, 60_000);

  test('bad sink options are one-line usage errors naming the option, before any scan', () => {
    const cases: [string[], RegExp][] = [
      [['--syslog', 'ftp://x'], /^poolwatch: --syslog "ftp:\/\/x": unknown scheme/],
      [['--kafka-brokers', 'nohostport'], /^poolwatch: --kafka-brokers: "nohostport" is not host:port/],
      [['--kafka-brokers', 'a:1', '--kafka-topic', 'a/b'], /^poolwatch: --kafka-topic: "a\/b" is not a Kafka topic name/],
      [['--syslog', 'udp://127.0.0.1:1', '--syslog-facility', 'kernel9'], /^poolwatch: --syslog-facility "kernel9"/],
      [['--syslog', 'udp://127.0.0.1:1', '--sink-backlog', '0'], /^poolwatch: --sink-backlog must be/],
    ];
    for (const [opts, want] of cases) {
      const r = runCli(['scan', SAMPLES, '-f', 'jsonl', ...opts]);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(want);
    }
  }, 60_000);
});
