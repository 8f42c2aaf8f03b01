/**
 * Findings to a Kafka topic through kafkajs (pure JavaScript: nothing to build
 * or download at install; see README "Kafka"). Keyed by the miner's host, so
 * the default (Java-compatible murmur2) partitioner puts one host's records in
 * one partition, in order. The producer is idempotent with acks=-1: a record
 * counts as sent only when every in-sync replica has it, and a batch retried
 * after a lost answer is not written twice.
 *
 * `publish` only appends to a bounded backlog; one loop sends it, one batch at
 * a time (the same batch again after a failure, so the broker's sequence check
 * holds), backing off while the brokers are away. Capture never waits on it.
 */
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { ISocketFactory, Kafka, Producer, logCreator } from 'kafkajs';
import { Backlog, DEFAULT_BACKLOG, Pause, within, type FindingSink, type SinkLog, type SinkMessage, type SinkStats } from './sink';

export interface KafkaSinkOptions {
  /** `host:port` of one or more brokers (bootstrap list). */
  brokers: string[];
  topic: string;
  log: SinkLog;
  /** Records held while the brokers are slow or away (default DEFAULT_BACKLOG). */
  backlog?: number;
  clientId?: string;
  /** Names the sending sensor in every record's `sensor` header (default: this machine's host name). */
  sensor?: string;
  /** TCP connect timeout per broker (default 3000 ms). */
  connectionTimeoutMs?: number;
  /** How long one request may wait for its answer (default 10000 ms). */
  requestTimeoutMs?: number;
}

/** Records per produce request. */
const MAX_BATCH = 500;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

/** A broker list as given to --kafka-brokers; throws a one-line error naming the bad entry. */
export function parseBrokers(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new Error('--kafka-brokers needs at least one host:port');
  for (const b of list) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(b);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`--kafka-brokers: "${b}" is not host:port`);
  }
  return list;
}

/** Kafka's topic name rule (legal characters, at most 249, not . or ..). */
export function checkTopic(topic: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
    throw new Error(`--kafka-topic: "${topic}" is not a Kafka topic name (letters, digits, '.', '_', '-', at most 249)`);
  }
  return topic;
}

export class KafkaSink implements FindingSink {
  readonly name: string;
  private readonly backlog: Backlog<SinkMessage>;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly pause = new Pause();
  private readonly sensor: string;
  private sent = 0;
  private failed = 0;
  private lastError: string | null = null;
  private connected = false;
  private closing = false;
  private loop: Promise<void> | null = null;
  /** Records of the batch that failed last: sent again as they were. */
  private retrySize = 0;
  /** Records still to send one at a time after the broker refused a batch they were in. */
  private singles = 0;
  private refusedRecords = 0;
  private failures = 0;
  private refusedLogged = false;
  /** Every socket kafkajs opened and has not closed: destroyed at close when a broker never answers. */
  private readonly sockets = new Set<Socket>();
  private shut = false;

  constructor(private readonly opts: KafkaSinkOptions) {
    this.name = `kafka:${opts.topic}`;
    this.backlog = new Backlog(opts.backlog ?? DEFAULT_BACKLOG);
    this.sensor = opts.sensor ?? hostname();
    // Loaded here, not at start: a scan without --kafka-brokers never loads the client.
    const { Kafka, Partitioners, logLevel } = require('kafkajs') as typeof import('kafkajs');
    const log = opts.log;
    // kafkajs logs each retry at error level; they are expected while a broker is away, and counted here instead.
    const toPino: logCreator = () => (entry) => log.debug({ kafka: entry.namespace, ...entry.log }, `kafkajs: ${entry.log.message}`);
    // kafkajs's own factory (plaintext), but keeping each socket: its disconnect waits for answers
    // that a hung broker never sends, and a socket left open would hold the process after close.
    const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
      const socket = connect({ host, port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      // After close, kafkajs's own retries still run for a while: their connections end at once.
      if (this.shut) {
        socket.destroy(new Error('the sink is closed'));
        return socket;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      return socket;
    };
    this.kafka = new Kafka({
      socketFactory,
      clientId: opts.clientId ?? 'poolwatch',
      brokers: opts.brokers,
      connectionTimeout: opts.connectionTimeoutMs ?? 3_000,
      requestTimeout: opts.requestTimeoutMs ?? 10_000,
      // Few retries inside kafkajs: this sink's own loop keeps trying, with a back-off, as long as it runs.
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
      logLevel: logLevel.INFO,
      logCreator: toPino,
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 },
    });
  }

  publish(message: SinkMessage): void {
    if (this.closing) {
      this.failed++;
      return;
    }
    if (!this.backlog.push(message)) {
      this.failed++;
      if (!this.refusedLogged) {
        this.refusedLogged = true;
        this.opts.log.warn({ sink: this.name, backlog: this.backlog.cap }, `${this.name}: backlog of ${this.backlog.cap} records is full; new records are dropped and counted until the brokers take them`);
      }
      return;
    }
    if (this.loop === null) this.loop = this.run().finally(() => (this.loop = null));
  }

  stats(): SinkStats {
    return { name: this.name, sent: this.sent, backlog: this.backlog.length, failed: this.failed, lastError: this.lastError };
  }

  async flush(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (this.backlog.length > 0 && Date.now() < end) {
      if (this.loop === null) this.loop = this.run().finally(() => (this.loop = null));
      await within(this.loop, Math.min(100, end - Date.now()));
    }
    return this.backlog.length === 0;
  }

  async close(ms: number): Promise<SinkStats> {
    const end = Date.now() + ms;
    await this.flush(ms);
    this.closing = true;
    this.pause.wake();
    // A send under way may still be acknowledged: give it what is left of the time.
    if (this.loop !== null) await within(this.loop, end - Date.now());
    const left = this.backlog.clear();
    this.failed += left;
    if (left > 0 && this.lastError === null) this.lastError = `no answer from ${this.opts.brokers.join(',')} within ${ms} ms`;
    // disconnect waits for requests in flight; a broker that never answers must not hold the exit.
    await within(this.producer.disconnect(), Math.max(500, end - Date.now()));
    this.shut = true;
    // With an error, so kafkajs fails its waiting requests now and clears their timers (a plain destroy leaves them to time out).
    for (const s of this.sockets) s.destroy(new Error('the sink is closed'));
    this.sockets.clear();
    return this.stats();
  }

  private async run(): Promise<void> {
    while (this.backlog.length > 0 && !this.closing) {
      let sending = 0;
      try {
        if (!this.connected) {
          await this.producer.connect();
          this.connected = true;
          if (this.failures > 0) this.opts.log.info({ sink: this.name }, `${this.name}: brokers reachable again, sending ${this.backlog.length} waiting record(s)`);
          this.failures = 0;
        }
        const batch = this.backlog.peek(this.retrySize > 0 ? this.retrySize : this.singles > 0 ? 1 : MAX_BATCH);
        this.retrySize = sending = batch.length;
        await this.producer.send({
          topic: this.opts.topic,
          acks: -1,
          messages: batch.map((m) => ({ key: m.key, value: m.value, headers: { event: m.event, sensor: this.sensor } })),
        });
        this.backlog.drop(batch.length);
        this.sent += batch.length;
        this.singles = Math.max(0, this.singles - batch.length);
        this.retrySize = 0;
        this.failures = 0;
      } catch (e) {
        this.lastError = (e as Error).message;
        if (sending > 0 && refused(e)) {
          this.refuse(sending, e as Error);
          continue;
        }
        this.failures++;
        if (this.failures === 1) {
          this.opts.log.warn({ sink: this.name, brokers: this.opts.brokers, backlog: this.backlog.length, err: this.lastError }, `${this.name}: cannot send to ${this.opts.brokers.join(',')}: ${this.lastError}; records wait in the backlog and are retried`);
        }
        // connect() again is cheap when kafkajs is still connected, and keeps the producer id (initialised once).
        this.connected = false;
        if (this.closing) break;
        await this.pause.sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.failures - 1, 5)));
      }
    }
  }

  /**
   * The broker refused a batch for good (a record too large, the topic not allowed):
   * retrying would wedge every record behind it. A batch of several is sent again one
   * record at a time to find the culprits; a single refused record is dropped and counted.
   */
  private refuse(size: number, e: Error): void {
    this.retrySize = 0;
    if (size > 1) {
      this.singles = size;
      return;
    }
    this.backlog.drop(1);
    this.singles = Math.max(0, this.singles - 1);
    this.failed++;
    this.refusedRecords++;
    if (this.refusedRecords === 1 || this.refusedRecords % 100 === 0) {
      this.opts.log.warn({ sink: this.name, refused: this.refusedRecords, err: e.message }, `${this.name}: the broker refused a record for good (${e.message}); it is dropped and counted (${this.refusedRecords} so far)`);
    }
  }
}

/**
 * A broker's answer that no retry changes: a protocol error kafkajs marks not
 * retriable (MESSAGE_TOO_LARGE, TOPIC_AUTHORIZATION_FAILED, ...), possibly wrapped
 * by its retriers. Running out of retries (a broker away) is not one.
 */
export function refused(e: unknown): boolean {
  let k = e as { retriable?: boolean; name?: string; type?: string; cause?: unknown } | undefined;
  for (let depth = 0; k !== undefined && k !== null && depth < 5; depth++) {
    if (k.name === 'KafkaJSNumberOfRetriesExceeded') return false;
    if (k.name === 'KafkaJSProtocolError' && k.retriable === false && typeof k.type === 'string') return true;
    k = k.cause as typeof k;
  }
  return false;
}
