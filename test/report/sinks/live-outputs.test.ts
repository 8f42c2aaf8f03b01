/**
 * LiveOutputs, the four calls live makes: new and update records reach a real
 * rsyslog as they happen and every finding again as `final` at finish; the
 * metrics listener serves what observe gave it, with findings by confidence
 * from what was found; a bad option or a busy port is one line and null.
 */
import { createServer } from 'node:net';
import type { Finding } from '../../../src/report/finding';
import { LiveOutputs } from '../../../src/report/sinks/live';
import { sinkArgs } from '../../../src/report/sinks/options';
import { freeTcpPort, waitFor } from '../../servers/process';
import { Rsyslog } from '../../servers/rsyslog';
import { makeFindings } from './findings';
import { memoryLog } from './log';

const sample = {
  packets: 5000,
  bytes: 3_000_000,
  flows: 7,
  interfaces: [{ device: 'eth9', received: 5000, dropped: 2, ifDropped: null, queueDropped: 0, state: 'up' }],
};

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

const skip = Rsyslog.unavailable();
(skip === null ? describe : describe.skip)('LiveOutputs with a real rsyslog', () => {
  const rsyslog = new Rsyslog();
  beforeAll(async () => {
    await rsyslog.start();
  }, 30_000);
  afterAll(async () => {
    await rsyslog.stop();
  });

  test('new, update and final records in order per host; metrics from observe; listener shut at finish', async () => {
    const findings = makeFindings(5);
    const { log } = memoryLog();
    const metricsPort = await freeTcpPort();
    const out = await LiveOutputs.open(
      { sinks: sinkArgs({ syslog: [`unix://${rsyslog.socket}`], syslogAppName: 'pw-live', sinkFormat: 'eve' }), metricsListen: `127.0.0.1:${metricsPort}` },
      ['eth9'],
      log,
    );
    for (const f of findings) out.found(f, 'new');
    const grown: Finding = { ...findings[0], sharesSubmitted: findings[0].sharesSubmitted + 1 };
    out.found(grown, 'update');
    out.found(grown, null);
    out.observe(sample);
    const text = await metricsText(metricsPort);
    expect(text).toMatch(/^poolwatch_packets_total 5000$/m);
    expect(text).toMatch(/^poolwatch_interface_kernel_dropped_packets_total\{interface="eth9"\} 2$/m);
    expect(text).toMatch(/^poolwatch_interface_up\{interface="eth9"\} 1$/m);
    expect(text).toMatch(/^poolwatch_flows 7$/m);
    expect(text).toMatch(/^poolwatch_findings\{confidence="high"\} 4$/m);
    expect(text).toMatch(/^poolwatch_findings\{confidence="medium"\} 1$/m);
    expect(text).toMatch(/^poolwatch_sink_backlog\{sink="syslog:unix:\/\/.*"\} \d+$/m);
    const done = await out.finish(findings);
    expect(done).toEqual({ sinks: [{ name: `syslog:unix://${rsyslog.socket}`, sent: 11, failed: 0 }], failed: false });
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
    const got = await waitFor('11 records', 10_000, () => {
      const m = rsyslog.messages().filter((x) => x.app === 'pw-live');
      return m.length >= 11 ? m : undefined;
    });
    const first = got.filter((m) => (JSON.parse(m.msg) as { src_ip: string }).src_ip === findings[0].host);
    expect(first.map((m) => m.msgid)).toEqual(['new', 'update', 'final']);
    for (const m of got) {
      const eve = JSON.parse(m.msg) as { in_iface: string; event_type: string; metadata: { flowvars: { key: string; value: string }[] } };
      expect(eve.in_iface).toBe('eth9');
      expect(eve.event_type).toBe('alert');
      expect(eve.metadata.flowvars.find((v) => v.key === 'event')?.value).toBe(m.msgid);
    }
  }, 60_000);
});

describe('LiveOutputs start', () => {
  test('nothing asked for: no sinks, no listener, finish is a no-op', async () => {
    const { log } = memoryLog();
    const out = await LiveOutputs.open({}, ['eth0'], log);
    expect(out.sinks).toEqual([]);
    expect(out.metrics).toBeNull();
    out.found(makeFindings(1)[0], 'new');
    out.observe(sample);
    expect(await out.finish([])).toEqual({ sinks: [], failed: false });
  });

  test('a busy --metrics-listen port or a bad sink option: one line on stderr, null', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    const written: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const { log } = memoryLog();
      expect(await LiveOutputs.start({ metricsListen: `127.0.0.1:${port}` }, ['eth0'], log)).toBeNull();
      expect(await LiveOutputs.start({ sinks: sinkArgs({ syslog: ['tcp://nope'] }) }, ['eth0'], log)).not.toBeNull();
      expect(await LiveOutputs.start({ sinks: sinkArgs({ syslog: ['smtp://x'] }) }, ['eth0'], log)).toBeNull();
    } finally {
      process.stderr.write = orig;
      await new Promise<void>((r) => busy.close(() => r()));
    }
    expect(written).toEqual([`poolwatch: --metrics-listen 127.0.0.1:${port}: address already in use\n`, expect.stringMatching(/^poolwatch: --syslog "smtp:\/\/x": unknown scheme .*\n$/)]);
  });
});
