/**
 * The syslog sink against a real rsyslogd (test/servers/rsyslog.ts): every
 * finding sent over UDP, TCP and a Unix socket arrives, parsed by rsyslog as
 * the RFC 5424 fields meant, with the JSON body intact; a receiver that is
 * away, or that accepts and never reads, never holds up `publish`, and what
 * could not be sent is counted and logged.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { findingMessage } from '../../../src/report/sinks/message';
import { closeSinks } from '../../../src/report/sinks/options';
import { SyslogSink, parseSyslogTarget } from '../../../src/report/sinks/syslog';
import type { Finding } from '../../../src/report/finding';
import { freeTcpPort, waitFor } from '../../servers/process';
import { Rsyslog, type Received } from '../../servers/rsyslog';
import { makeFindings } from './findings';
import { memoryLog } from './log';

const skip = Rsyslog.unavailable();
const maybe = skip === null ? describe : describe.skip;

maybe('syslog sink against a real rsyslog', () => {
  const rsyslog = new Rsyslog();
  let findings: Finding[];

  beforeAll(async () => {
    findings = makeFindings(150);
    await rsyslog.start();
  }, 30_000);
  afterAll(async () => {
    await rsyslog.stop();
  });

  const byInput = (input: string): Received[] => rsyslog.messages().filter((m) => m.input === input);

  async function sendAll(url: string, input: string, event: 'finding' | 'new'): Promise<void> {
    const { log } = memoryLog();
    const sink = new SyslogSink(parseSyslogTarget(url), { log, facility: 20, appName: 'pw-test', hostname: 'sensor-7' });
    const t0 = process.hrtime.bigint();
    for (const f of findings) sink.publish(findingMessage(f, event));
    // publish only queues: 150 records take far less than the time one round trip to a receiver could.
    expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(1000);
    const stats = await sink.close(10_000);
    expect(stats).toMatchObject({ sent: findings.length, failed: 0, backlog: 0 });
    const got = await waitFor(`${findings.length} messages from ${input}`, 10_000, () => {
      const m = byInput(input);
      return m.length >= findings.length ? m : undefined;
    });
    expect(got).toHaveLength(findings.length);
    const want = new Map(findings.map((f) => [f.host, event === 'finding' ? f : { ...f, event }]));
    for (const m of got) {
      expect(m).toMatchObject({ app: 'pw-test', hostname: 'sensor-7', procid: String(process.pid), msgid: event });
      expect(Number(m.pri)).toBe(20 * 8 + { high: 4, medium: 5, low: 6 }[JSON.parse(m.msg).confidence as 'high']);
      expect(m.raw).toMatch(/^[\x20-\x7e]+$/);
      const body = JSON.parse(m.msg) as Finding;
      expect(body).toEqual(want.get(body.host));
      expect(m.sd).toContain(`[poolwatch@32473 host="${body.host}" pool="198.51.100.7" poolPort="3333"`);
      want.delete(body.host);
    }
    expect(want.size).toBe(0);
  }

  test('UDP: every finding arrives intact, RFC 5424 fields as rsyslog parsed them', async () => {
    await sendAll(`udp://127.0.0.1:${rsyslog.udpPort}`, 'imudp', 'finding');
  }, 30_000);

  test('TCP with octet counting: every finding arrives intact', async () => {
    await sendAll(`tcp://127.0.0.1:${rsyslog.tcpPort}`, 'imtcp', 'new');
  }, 30_000);

  test('Unix stream socket (imptcp path=): every finding arrives intact', async () => {
    await sendAll(`unix://${rsyslog.socket}`, 'imptcp', 'finding');
  }, 30_000);

  test('records published while the receiver is away wait, and are delivered once it listens', async () => {
    const port = await freeTcpPort();
    const { log, text } = memoryLog();
    const sink = new SyslogSink(parseSyslogTarget(`tcp://127.0.0.1:${port}`), { log, appName: 'pw-late' });
    for (const f of findings.slice(0, 20)) sink.publish(findingMessage(f, 'update'));
    await new Promise((r) => setTimeout(r, 400));
    expect(sink.stats()).toMatchObject({ sent: 0, backlog: 20, failed: 0 });
    expect(text('warn')).toMatch(/cannot send: connect ECONNREFUSED/);
    const late = new Rsyslog();
    try {
      await late.start(port);
      expect(await sink.flush(15_000)).toBe(true);
      const stats = await sink.close(2_000);
      expect(stats).toMatchObject({ sent: 20, failed: 0 });
      const got = await waitFor('20 late messages', 10_000, () => {
        const m = late.messages().filter((x) => x.app === 'pw-late');
        return m.length >= 20 ? m : undefined;
      });
      expect(got.map((m) => (JSON.parse(m.msg) as Finding).host).sort()).toEqual(findings.slice(0, 20).map((f) => f.host).sort());
      expect(text('info')).toMatch(/connected again, sending 20 waiting record/);
    } finally {
      await late.stop();
    }
  }, 45_000);
});

describe('syslog sink without a working receiver', () => {
  const findings = makeFindings(30);

  test('nothing listening: publish returns at once, close is bounded, every record is counted as failed and logged with the count', async () => {
    const port = await freeTcpPort();
    const { log, lines } = memoryLog();
    const sink = new SyslogSink(parseSyslogTarget(`tcp://127.0.0.1:${port}`), { log });
    for (const f of findings) sink.publish(findingMessage(f, 'finding'));
    const t0 = Date.now();
    const [stats] = await closeSinks([sink], 600, log);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(stats).toMatchObject({ sent: 0, failed: findings.length, backlog: 0 });
    const err = lines.filter((l) => l.level === 'error');
    expect(err).toHaveLength(1);
    expect(err[0].msg).toBe(`syslog:tcp://127.0.0.1:${port}: ${findings.length} record(s) could not be sent (0 sent); last error: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  test('a receiver that accepts and never reads: the backlog stays at its cap, publish never waits, the overflow is counted', async () => {
    const held: Socket[] = [];
    const server: Server = createServer((s) => {
      s.pause();
      held.push(s);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const { log, text } = memoryLog();
      const sink = new SyslogSink(parseSyslogTarget(`tcp://127.0.0.1:${port}`), { log, backlog: 500 });
      const big = findingMessage(findings[0], 'finding');
      big.value = JSON.stringify({ pad: 'x'.repeat(16_000) });
      // 3000 records of 16 kB, 48 MB: far more than the loopback socket buffers take, so most must wait or be refused.
      const t0 = process.hrtime.bigint();
      const each: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const t = process.hrtime.bigint();
        sink.publish(big);
        each.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (i % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      const total = Number(process.hrtime.bigint() - t0) / 1e6;
      each.sort((a, b) => a - b);
      // The median, not the worst: on a shared machine the process can be descheduled inside any one call.
      expect(each[Math.floor(each.length / 2)]).toBeLessThan(1);
      expect(total).toBeLessThan(3_000);
      const mid = sink.stats();
      expect(mid.backlog).toBeLessThanOrEqual(500 + 200);
      expect(mid.failed).toBeGreaterThan(2000);
      expect(text('warn')).toMatch(/backlog of 500 records is full/);
      const t1 = Date.now();
      const end = await sink.close(500);
      expect(Date.now() - t1).toBeLessThan(2_000);
      expect(end.sent + end.failed).toBe(3000);
      expect(end.backlog).toBe(0);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test('a message too large for one UDP datagram is refused and counted, not cut', async () => {
    const { log } = memoryLog();
    const sink = new SyslogSink(parseSyslogTarget('udp://127.0.0.1:9'), { log });
    const m = findingMessage(findings[0], 'finding');
    m.value = JSON.stringify({ pad: 'y'.repeat(70_000) });
    sink.publish(m);
    const stats = await sink.close(200);
    expect(stats.failed).toBe(1);
    expect(stats.sent).toBe(0);
    expect(stats.lastError).toMatch(/larger than a UDP datagram/);
  });
});
