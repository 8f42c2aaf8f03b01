/**
 * The Kafka sink against a real Apache Kafka broker (test/servers/kafka.ts),
 * started once for this file: a consumer reads back every finding, keyed by
 * host, one host's records in order in one partition; the broker stopped by
 * SIGTERM mid-run and restarted on the same log dir loses nothing that was
 * acknowledged, records published while it was down are sent once it is back,
 * and what could not be sent by close is counted and logged.
 */
import type { Finding } from '../../../src/report/finding';
import { KafkaSink } from '../../../src/report/sinks/kafka';
import { findingMessage } from '../../../src/report/sinks/message';
import { closeSinks } from '../../../src/report/sinks/options';
import { KafkaBroker } from '../../servers/kafka';
import { parseJsonl, runCliAsync } from './cli-async';
import { makeFindings } from './findings';
import { memoryLog } from './log';

const skip = KafkaBroker.unavailable();
const maybe = skip === null ? describe : describe.skip;

interface Read {
  partition: number;
  offset: string;
  key: string;
  value: Record<string, unknown>;
  headers: Record<string, string>;
}

maybe('Kafka sink against a real broker (KRaft)', () => {
  const broker = new KafkaBroker();
  let findings: Finding[];

  beforeAll(async () => {
    findings = makeFindings(120);
    await broker.start();
  }, 120_000);
  afterAll(async () => {
    await broker.remove();
  }, 60_000);

  async function createTopic(topic: string): Promise<void> {
    const admin = broker.client().admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  /** Reads the topic from the beginning until `count` records came, or `ms` passed. */
  async function readBack(topic: string, count: number, ms = 30_000): Promise<Read[]> {
    const consumer = broker.client().consumer({ groupId: `pw-test-${topic}-${Date.now()}` });
    const got: Read[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            got.push({ partition, offset: message.offset, key: String(message.key), value: JSON.parse(String(message.value)) as Record<string, unknown>, headers });
            if (got.length >= count) {
              clearTimeout(t);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return got;
  }

  test('every finding is read back, keyed by host, a host\'s new and update in order in one partition', async () => {
    const topic = 'pw-findings';
    await createTopic(topic);
    const { log } = memoryLog();
    const sink = new KafkaSink({ brokers: [broker.bootstrap], topic, log, sensor: 'sensor-a' });
    for (const f of findings) sink.publish(findingMessage(f, 'new'));
    for (const f of findings) sink.publish(findingMessage({ ...f, jobs: f.jobs + 1 }, 'update'));
    const stats = await sink.close(30_000);
    expect(stats).toMatchObject({ sent: findings.length * 2, failed: 0, backlog: 0 });
    const got = await readBack(topic, findings.length * 2);
    expect(got).toHaveLength(findings.length * 2);
    const byHost = new Map<string, Read[]>();
    for (const r of got) byHost.set(r.key, [...(byHost.get(r.key) ?? []), r]);
    expect(byHost.size).toBe(findings.length);
    expect(new Set(got.map((r) => r.partition)).size).toBeGreaterThan(1);
    for (const f of findings) {
      const rs = byHost.get(f.host)!.sort((a, b) => Number(a.offset) - Number(b.offset));
      expect(rs.map((r) => r.partition)).toEqual([rs[0].partition, rs[0].partition]);
      expect(rs.map((r) => r.value.event)).toEqual(['new', 'update']);
      const { type, ...rest } = f;
      expect(rs[0].value).toEqual({ type, event: 'new', ...rest });
      expect(rs[0].headers).toEqual({ event: 'new', sensor: 'sensor-a' });
    }
  }, 90_000);

  test('a record the broker refuses for good (larger than message.max.bytes) is dropped and counted; the records around it arrive', async () => {
    const topic = 'pw-refused';
    await createTopic(topic);
    const { log, lines } = memoryLog();
    const sink = new KafkaSink({ brokers: [broker.bootstrap], topic, log });
    for (const f of findings.slice(0, 3)) sink.publish(findingMessage(f, 'finding'));
    const huge = findingMessage(findings[3], 'finding');
    huge.value = JSON.stringify({ pad: 'z'.repeat(2 * 1024 * 1024) });
    sink.publish(huge);
    for (const f of findings.slice(4, 7)) sink.publish(findingMessage(f, 'finding'));
    const stats = await sink.close(30_000);
    expect(stats).toMatchObject({ sent: 6, failed: 1, backlog: 0 });
    expect(lines.some((l) => /refused a record for good/.test(l.msg))).toBe(true);
    const got = await readBack(topic, 6);
    expect(got.map((r) => r.key).sort()).toEqual([0, 1, 2, 4, 5, 6].map((i) => findings[i].host).sort());
  }, 60_000);

  test('collect: two sensors publish to one topic, collect merges their findings into one report', async () => {
    const topic = 'pw-fleet';
    await createTopic(topic);
    const { log } = memoryLog();
    const a = new KafkaSink({ brokers: [broker.bootstrap], topic, log, sensor: 'sensor-a' });
    const b = new KafkaSink({ brokers: [broker.bootstrap], topic, log, sensor: 'sensor-b' });
    // a sees hosts 0..59 (new, then final), b hosts 40..119: 20 hosts seen by both.
    for (const f of findings.slice(0, 60)) a.publish(findingMessage(f, 'new'));
    for (const f of findings.slice(40)) b.publish(findingMessage(f, 'final'));
    for (const f of findings.slice(0, 60)) a.publish(findingMessage(f, 'final'));
    expect(await a.close(30_000)).toMatchObject({ sent: 120, failed: 0 });
    expect(await b.close(30_000)).toMatchObject({ sent: 80, failed: 0 });
    const r = await runCliAsync(['collect', '--kafka-brokers', broker.bootstrap, '--kafka-topic', topic, '--idle', '3', '-f', 'jsonl'], 90_000);
    expect(r.status).toBe(0);
    const report = parseJsonl(r.stdout);
    expect(report.summary).toMatchObject({ findings: findings.length, records: 200, ignored: 0, sensors: ['sensor-a', 'sensor-b'], stoppedBy: 'idle' });
    const byHost = new Map(report.findings.map((f) => [f.host as string, f]));
    expect(byHost.size).toBe(findings.length);
    for (const [i, f] of findings.entries()) {
      const got = byHost.get(f.host)!;
      const both = i >= 40 && i < 60;
      expect(got.sensors).toEqual(both ? ['sensor-a', 'sensor-b'] : [i < 40 ? 'sensor-a' : 'sensor-b']);
      expect(got.packets).toBe(both ? f.packets * 2 : f.packets);
    }
  }, 120_000);

  test('broker stopped mid-run and restarted: nothing acknowledged is lost, what waited is sent after, what could not be sent is counted', async () => {
    const topic = 'pw-restart';
    await createTopic(topic);
    const { log, lines } = memoryLog();
    const sink = new KafkaSink({ brokers: [broker.bootstrap], topic, log, connectionTimeoutMs: 1000, requestTimeoutMs: 5000 });
    const first = findings.slice(0, 60);
    const second = findings.slice(60);
    for (const f of first) sink.publish(findingMessage(f, 'finding'));
    expect(await sink.flush(30_000)).toBe(true);
    expect(sink.stats().sent).toBe(first.length);
    await broker.stop();
    const t0 = Date.now();
    for (const f of second) sink.publish(findingMessage(f, 'finding'));
    expect(Date.now() - t0).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sink.stats()).toMatchObject({ sent: first.length, backlog: second.length });
    expect(lines.some((l) => l.level === 'warn' && /cannot send to/.test(l.msg))).toBe(true);
    await broker.run();
    expect(await sink.flush(60_000)).toBe(true);
    const stats = await sink.close(10_000);
    expect(stats).toMatchObject({ sent: findings.length, failed: 0 });
    const got = await readBack(topic, findings.length);
    // At least once: every acknowledged record is there (the idempotent producer keeps a retried batch from doubling).
    expect(new Set(got.map((r) => r.key))).toEqual(new Set(findings.map((f) => f.host)));
    expect(got).toHaveLength(findings.length);

    // Down at close: the records still waiting are counted and logged in one line.
    const late = new KafkaSink({ brokers: [broker.bootstrap], topic, log, connectionTimeoutMs: 500, requestTimeoutMs: 2000 });
    late.publish(findingMessage(findings[0], 'finding'));
    expect(await late.flush(30_000)).toBe(true);
    await broker.stop();
    for (const f of findings.slice(1, 21)) late.publish(findingMessage(f, 'finding'));
    const [lateStats] = await closeSinks([late], 1500, log);
    expect(lateStats).toMatchObject({ sent: 1, failed: 20, backlog: 0 });
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([expect.stringMatching(/^kafka:pw-restart: 20 record\(s\) could not be sent \(1 sent\)/)]);
    // Last in the file: the broker stays stopped (one restart fewer), afterAll removes its folder.
  }, 180_000);
});
