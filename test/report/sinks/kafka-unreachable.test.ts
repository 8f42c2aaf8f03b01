/**
 * The Kafka sink when no broker answers: a port with nothing listening, and a
 * TCP listener that accepts and never says a word (a hung broker, a firewall
 * that black-holes). Capture must never wait: publish returns at once, close
 * is bounded by its timeout, nothing lingers to hold the process open, and
 * every record that could not be sent is counted and logged in one line.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { KafkaSink, checkTopic, parseBrokers, refused } from '../../../src/report/sinks/kafka';
import { findingMessage } from '../../../src/report/sinks/message';
import { closeSinks } from '../../../src/report/sinks/options';
import { freeTcpPort } from '../../servers/process';
import { makeFindings } from './findings';
import { memoryLog } from './log';

const findings = makeFindings(100);

async function blackHole(): Promise<{ server: Server; port: number; held: Socket[]; accepted: () => number }> {
  const held: Socket[] = [];
  let accepted = 0;
  const server = createServer((s) => {
    accepted++;
    // Reads and drops the request bytes, never answers.
    s.on('data', () => undefined);
    held.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port, held, accepted: () => accepted };
}

/** Publishes every finding and measures it; returns the slowest single call and the event loop's worst lag meanwhile. */
async function publishAll(sink: KafkaSink): Promise<{ total: number; median: number }> {
  const each: number[] = [];
  const t0 = process.hrtime.bigint();
  for (const f of findings) {
    const t = process.hrtime.bigint();
    sink.publish(findingMessage(f, 'finding'));
    each.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  each.sort((a, b) => a - b);
  return { total: Number(process.hrtime.bigint() - t0) / 1e6, median: each[each.length >> 1] };
}

async function loopLag(ms: number): Promise<number> {
  let worst = 0;
  let last = Date.now();
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      const now = Date.now();
      worst = Math.max(worst, now - last - 20);
      last = now;
    }, 20);
    setTimeout(() => {
      clearInterval(t);
      resolve();
    }, ms);
  });
  return worst;
}

describe('Kafka sink with no broker answering', () => {
  test('nothing listening on the port: publish returns at once, close gives up in time, all counted and logged once', async () => {
    const port = await freeTcpPort();
    const { log, lines } = memoryLog();
    const sink = new KafkaSink({ brokers: [`127.0.0.1:${port}`], topic: 'findings', log, connectionTimeoutMs: 500 });
    const p = await publishAll(sink);
    expect(p.total).toBeLessThan(1000);
    expect(p.median).toBeLessThan(1);
    expect(sink.stats()).toMatchObject({ sent: 0, backlog: findings.length, failed: 0 });
    const t0 = Date.now();
    const [stats] = await closeSinks([sink], 1500, log);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(stats).toMatchObject({ name: 'kafka:findings', sent: 0, backlog: 0, failed: findings.length });
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].msg).toMatch(new RegExp(`^kafka:findings: ${findings.length} record\\(s\\) could not be sent \\(0 sent\\); last error: .*(ECONNREFUSED|Connection error)`));
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg).join('\n')).toMatch(/cannot send to 127\.0\.0\.1:\d+/);
  }, 20_000);

  test('a listener that accepts and never answers: the event loop stays free, close is bounded, all counted', async () => {
    const hole = await blackHole();
    try {
      const { log, lines } = memoryLog();
      const sink = new KafkaSink({ brokers: [`127.0.0.1:${hole.port}`], topic: 'findings', log, requestTimeoutMs: 30_000 });
      const p = await publishAll(sink);
      expect(p.total).toBeLessThan(1000);
      // The client is connected and waiting (30 s) for an answer that never comes; capture's loop must not notice.
      // The bound leaves room for a loaded machine, and is still far below what a blocking wait would show.
      expect(await loopLag(1000)).toBeLessThan(1000);
      expect(hole.accepted()).toBeGreaterThan(0);
      expect(sink.stats()).toMatchObject({ sent: 0, backlog: findings.length });
      const t0 = Date.now();
      const [stats] = await closeSinks([sink], 1000, log);
      expect(Date.now() - t0).toBeLessThan(3500);
      expect(stats).toMatchObject({ sent: 0, backlog: 0, failed: findings.length });
      expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    } finally {
      for (const s of hole.held) s.destroy();
      await new Promise<void>((r) => hole.server.close(() => r()));
    }
  }, 20_000);

  test('a process that published to a black-holed broker exits soon after close: nothing lingers', async () => {
    const hole = await blackHole();
    try {
      const script = `
        const { KafkaSink } = require(${JSON.stringify(join(__dirname, '../../../src/report/sinks/kafka.js'))});
        const log = { debug() {}, info() {}, warn() {}, error() {} };
        const sink = new KafkaSink({ brokers: ['127.0.0.1:${hole.port}'], topic: 't', log, requestTimeoutMs: 60000 });
        for (let i = 0; i < 50; i++) sink.publish({ key: 'h' + i, value: '{}', event: 'finding', confidence: 'high', fields: {} });
        sink.close(1000).then((s) => process.stdout.write(JSON.stringify(s)));
      `;
      const t0 = Date.now();
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
      const took = Date.now() - t0;
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ sent: 0, failed: 50 });
      // Well under the 60 s request timeout kafkajs was given: the exit does not wait for it.
      expect(took).toBeLessThan(8000);
    } finally {
      for (const s of hole.held) s.destroy();
      await new Promise<void>((r) => hole.server.close(() => r()));
    }
  }, 40_000);

  test('a full backlog refuses new records, counts them, and warns once', async () => {
    const port = await freeTcpPort();
    const { log, lines } = memoryLog();
    const sink = new KafkaSink({ brokers: [`127.0.0.1:${port}`], topic: 'findings', log, backlog: 10, connectionTimeoutMs: 300 });
    await publishAll(sink);
    expect(sink.stats()).toMatchObject({ backlog: 10, failed: findings.length - 10 });
    expect(lines.filter((l) => /backlog of 10 records is full/.test(l.msg))).toHaveLength(1);
    const stats = await sink.close(300);
    expect(stats).toMatchObject({ sent: 0, backlog: 0, failed: findings.length });
  }, 20_000);

  test('broker lists and topic names: one-line errors naming the option', () => {
    expect(parseBrokers('a:9092, 127.0.0.1:1,[::1]:9093')).toEqual(['a:9092', '127.0.0.1:1', '[::1]:9093']);
    for (const bad of ['', ',', 'host', 'host:0', 'host:65536', 'a b:1', 'h:1,nope']) expect(() => parseBrokers(bad)).toThrow(/^--kafka-brokers/);
    expect(checkTopic('pool_watch.findings-1')).toBe('pool_watch.findings-1');
    for (const bad of ['', '.', '..', 'a/b', 'x'.repeat(250), 'sp ace']) expect(() => checkTopic(bad)).toThrow(/^--kafka-topic/);
  });

  test('which broker answers are refused for good: kafkajs\'s own errors, wrapped as its retriers wrap them', () => {
    // kafkajs's internals, not its public API: the classes its producer throws.
    const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };
    const errors = require('kafkajs/src/errors') as Record<string, new (e: unknown, o?: object) => Error>;
    const tooLarge = createErrorFromCode(10);
    expect(refused(tooLarge)).toBe(true);
    expect(refused(new errors.KafkaJSNonRetriableError(tooLarge, { cause: tooLarge }))).toBe(true);
    expect(refused(createErrorFromCode(29))).toBe(true); // TOPIC_AUTHORIZATION_FAILED
    // A leader moving, a broker away, retries running out: sent again later, never dropped.
    expect(refused(createErrorFromCode(6))).toBe(false);
    const away = new errors.KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
    expect(refused(away)).toBe(false);
    expect(refused(new errors.KafkaJSNumberOfRetriesExceeded(away, { retryCount: 2, retryTime: 100, cause: away }))).toBe(false);
    expect(refused(new Error('plain'))).toBe(false);
  });
});
