/**
 * A real Apache Kafka broker for the Kafka sink tests, from the official server
 * jars (Maven org.apache.kafka:kafka_2.13, copied with their runtime
 * dependencies into test/servers/kafka/jars/ by
 * `mvn -q -f test/servers/kafka/pom.xml dependency:copy-dependencies`, or the
 * folder POOLWATCH_KAFKA_JARS names). Single node in KRaft mode, controller and
 * broker in one JVM, loopback ports chosen free at start, log dirs in a temp
 * folder; storage formatted with StorageTool, then `java -cp 'JARS/*'
 * kafka.Kafka server.properties`; stopped by SIGTERM to its PID and restartable
 * on the same log dirs and ports.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { packageRoot } from '../../src/paths';
import { ServerProcess, freeTcpPort, sleep, tempDir, unavailable, which } from './process';

export function kafkaJarsDir(): string {
  return process.env.POOLWATCH_KAFKA_JARS || join(packageRoot(), 'test', 'servers', 'kafka', 'jars');
}

function jarsProblem(): string | null {
  if (which('java') === null) return 'java is not installed';
  const dir = kafkaJarsDir();
  if (!existsSync(dir)) return `no Kafka server jars in ${dir}: run mvn -q -f test/servers/kafka/pom.xml dependency:copy-dependencies`;
  if (!readdirSync(dir).some((f) => /^kafka_2\.13-4\.[\d.]+\.jar$/.test(f))) return `${dir} holds no kafka_2.13-4.x jar`;
  return null;
}

/** The KRaft storage formatter moved between Kafka versions; the first that exists is used. */
const STORAGE_TOOLS = ['kafka.tools.StorageTool', 'org.apache.kafka.tools.StorageTool'];

export class KafkaBroker {
  readonly dir = tempDir('poolwatch-kafka-');
  port = 0;
  private controllerPort = 0;
  private proc: ServerProcess | null = null;
  private readonly props = join(this.dir.path, 'server.properties');

  /** Why the broker cannot run here (skips loudly; throws under CI=true), or null. */
  static unavailable(): string | null {
    return unavailable('Apache Kafka broker jars', jarsProblem(), 'POOLWATCH_KAFKA_JARS_OPTIONAL');
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Formats a fresh log dir and starts the broker; resolves when it answers metadata requests. */
  async start(): Promise<void> {
    this.port = await freeTcpPort();
    this.controllerPort = await freeTcpPort();
    writeFileSync(
      this.props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        `log.dirs=${join(this.dir.path, 'logs')}`,
        `metadata.log.dir=${join(this.dir.path, 'meta')}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=true',
        // Acknowledged means on disk here: the restart test stops the broker and reads back what it acknowledged.
        'log.flush.interval.messages=1',
        '',
      ].join('\n'),
    );
    const cp = `${kafkaJarsDir()}/*`;
    const clusterId = randomBytes(16).toString('base64url');
    let formatted = false;
    let why = '';
    for (const tool of STORAGE_TOOLS) {
      try {
        execFileSync('java', ['-cp', cp, tool, 'format', '-t', clusterId, '-c', this.props], { stdio: 'pipe', timeout: 60_000 });
        formatted = true;
        break;
      } catch (e) {
        why += `${tool}: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).slice(-800)}\n`;
      }
    }
    if (!formatted) throw new Error(`cannot format the Kafka storage:\n${why}`);
    await this.run();
  }

  /** Starts the broker on the log dir already formatted (after stop). */
  async run(): Promise<void> {
    const cp = `${kafkaJarsDir()}/*`;
    this.proc = new ServerProcess('kafka', ['java', '-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-cp', cp, 'kafka.Kafka', this.props], { cwd: this.dir.path });
    await this.ready(90_000);
  }

  /** SIGTERM by PID (a controlled shutdown), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.proc) await this.proc.stop(30_000);
    this.proc = null;
  }

  async remove(): Promise<void> {
    try {
      await this.stop();
    } finally {
      this.dir.rm();
    }
  }

  get output(): string {
    return this.proc?.output ?? '';
  }

  /** A kafkajs client for the tests' own admin and consumer, quiet unless something fails. */
  client(): Kafka {
    const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
    return new Kafka({ clientId: 'poolwatch-test', brokers: [this.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 } });
  }

  private async ready(ms: number): Promise<void> {
    const end = Date.now() + ms;
    let last = '';
    while (Date.now() < end) {
      this.proc!.assertRunning();
      const admin = this.client().admin();
      try {
        await admin.connect();
        const c = await admin.describeCluster();
        if (c.brokers.length > 0) return;
      } catch (e) {
        last = (e as Error).message;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      await sleep(500);
    }
    throw new Error(`Kafka broker not ready after ${ms} ms (${last}):\n${this.proc!.output.slice(-4000)}`);
  }
}
