/**
 * `poolwatch live` with sinks and metrics, as a user runs it: in a throw-away
 * network namespace (test/live/netns.ts) the bundled XMRig sample is replayed
 * into a veth; live sends its records to a real rsyslog through a Unix socket
 * (a file path, reachable from inside the namespace), serves /metrics on the
 * namespace's loopback (scraped from inside it with curl), and a Kafka broker
 * that is not there makes the summary and the exit status say so.
 */
import { join } from 'node:path';
import { packageRoot } from '../../../src/paths';
import { VethNs, labAvailable, logLines, missing, replay, sleep, startCli, streamLines } from '../../live/netns';
import { waitFor } from '../../servers/process';
import { Rsyslog } from '../../servers/rsyslog';

const SAMPLE = join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap');
const avail = labAvailable();
const rsyslogMissing = avail.ok ? Rsyslog.unavailable() : 'not tried';
const maybe = avail.ok && rsyslogMissing === null ? describe : describe.skip;

/** The exposition as `curl` inside the namespace gets it. */
function scrape(ns: VethNs, port: number): string {
  return ns.exec(['curl', '-sS', '--max-time', '5', `http://127.0.0.1:${port}/metrics`]);
}

maybe(`poolwatch live with sinks${avail.ok ? '' : ` (skipped: ${avail.why})`}`, () => {
  const rsyslog = new Rsyslog();
  beforeAll(async () => {
    expect(missing(['tcpreplay', 'curl'])).toEqual([]);
    await rsyslog.start();
  }, 30_000);
  afterAll(async () => {
    await rsyslog.stop();
  });

  test('new and final records reach rsyslog, /metrics shows the packets and the finding, the summary counts the sink', async () => {
    const ns = new VethNs().up();
    try {
      ns.exec(['ip', 'link', 'set', 'lo', 'up']);
      const port = 9464;
      const run = startCli(ns.name, ['live', '-i', 'va', '--stats-interval', '0.25', '--update-interval', '0', '--syslog', `unix://${rsyslog.socket}`, '--syslog-app-name', 'pw-livecli', '--metrics-listen', `127.0.0.1:${port}`]);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      const sent = replay(ns, 'vb', SAMPLE);
      expect(sent).toBeGreaterThan(0);
      const text = await waitFor('metrics with every packet and the finding', 15_000, async () => {
        const t = scrape(ns, port);
        await sleep(100);
        return new RegExp(`^poolwatch_packets_total ${sent}$`, 'm').test(t) && /^poolwatch_findings\{confidence="high"\} 1$/m.test(t) ? t : undefined;
      });
      expect(text).toMatch(new RegExp(`^poolwatch_interface_received_packets_total\\{interface="va"\\} ${sent}$`, 'm'));
      expect(text).toMatch(/^poolwatch_interface_kernel_dropped_packets_total\{interface="va"\} 0$/m);
      expect(text).toMatch(/^poolwatch_sink_sent_total\{sink="syslog:unix:\/\/.*"\} [1-9]\d*$/m);
      const exit = await run.stop('SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      const { records, summary } = streamLines(run.stdout());
      const finals = records.filter((r) => r.event === 'final');
      expect(finals).toHaveLength(1);
      expect(summary!.sinks).toEqual([{ name: `syslog:unix://${rsyslog.socket}`, sent: records.length, failed: 0 }]);
      const got = await waitFor('every streamed record in rsyslog', 10_000, () => {
        const m = rsyslog.messages().filter((x) => x.app === 'pw-livecli');
        return m.length >= records.length ? m : undefined;
      });
      // The same records, in the same order, as the stream on stdout.
      expect(got.map((m) => JSON.parse(m.msg) as unknown)).toEqual(records);
      expect(got.map((m) => m.msgid)).toEqual(records.map((r) => r.event));
      expect(logLines(run.stderr()).filter((l) => (l.level as number) >= 40)).toEqual([]);
    } finally {
      ns.del();
    }
  }, 90_000);

  test('a Kafka broker that is not there: capture goes on, exit 1, the summary and one log line count what was lost', async () => {
    const ns = new VethNs().up();
    try {
      ns.exec(['ip', 'link', 'set', 'lo', 'up']);
      const run = startCli(ns.name, ['live', '-i', 'va', '--stats-interval', '0.25', '--update-interval', '0', '--kafka-brokers', '127.0.0.1:9092', '--sink-timeout', '1']);
      await run.waitFor(/"msg":"capturing"/, 15_000);
      const sent = replay(ns, 'vb', SAMPLE);
      // pino writes the fields before msg: a stats line that counted every packet replayed.
      await run.waitFor(new RegExp(`"packets":${sent},.*"msg":"capture stats"`), 10_000);
      const exit = await run.stop('SIGTERM');
      expect(exit).toEqual({ code: 1, signal: null });
      const { records, summary } = streamLines(run.stdout());
      expect(summary).toMatchObject({ packets: sent, sinks: [{ name: 'kafka:poolwatch', sent: 0, failed: records.length }] });
      const lost = logLines(run.stderr()).filter((l) => /could not be sent/.test(String(l.msg)));
      expect(lost).toHaveLength(1);
      expect(lost[0].msg).toMatch(new RegExp(`^kafka:poolwatch: ${records.length} record\\(s\\) could not be sent \\(0 sent\\)`));
    } finally {
      ns.del();
    }
  }, 90_000);
});
