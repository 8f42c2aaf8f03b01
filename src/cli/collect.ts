/**
 * `poolwatch collect`: reads the findings N sensors published to one Kafka
 * topic and writes them as one report (README "Fleet view"). It reads from the
 * beginning of the topic (or from its consumer group's committed offsets with
 * --group) until no record came for --idle seconds, or SIGINT / SIGTERM.
 */
import { hostname } from 'node:os';
import type { Consumer, logCreator } from 'kafkajs';
import type { Log } from './log';
import type { Summary } from '../report/finding';
import { checkTopic, parseBrokers } from '../report/sinks/kafka';
import { FleetMerge } from '../report/sinks/fleet';
import { within } from '../report/sinks/sink';
import { formatForPath, render, type Format } from '../report/writers';
import { EXIT_INTERNAL } from './exit';
import { planOutput, writeReportFile } from './output-file';
import { OptionError } from './yargs';

export interface CollectArgs {
  kafkaBrokers: string;
  kafkaTopic: string;
  /** A consumer group of the caller's: read from its committed offsets and commit. Default: a new group, the whole topic. */
  group?: string;
  /** Seconds without a record before the report is written. */
  idle: number;
  format?: Format;
  output?: string;
}

/** How long joining the consumer group may take before collect gives up. */
const JOIN_TIMEOUT_MS = 60_000;

export async function collect(args: CollectArgs, log: Log): Promise<number> {
  let brokers: string[];
  try {
    brokers = parseBrokers(args.kafkaBrokers);
    checkTopic(args.kafkaTopic);
  } catch (e) {
    throw new OptionError((e as Error).message);
  }
  if (args.output !== undefined) planOutput(args.output);
  if (!(args.idle > 0) || args.idle > 3600) throw new OptionError(`--idle is in seconds, above 0 and at most 3600 (got ${args.idle})`);
  const started = Date.now();
  const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
  const toPino: logCreator = () => (entry) => log.debug({ kafka: entry.namespace, ...entry.log }, `kafkajs: ${entry.log.message}`);
  const kafka = new Kafka({ clientId: 'poolwatch-collect', brokers, connectionTimeout: 3_000, requestTimeout: 10_000, retry: { retries: 2 }, logLevel: logLevel.INFO, logCreator: toPino });
  const groupId = args.group ?? `poolwatch-collect-${hostname()}-${process.pid}-${Date.now()}`;
  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const merge = new FleetMerge();
  let lastRecord = Date.now();
  let stop: () => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    stop = () => resolve('idle');
    const onSignal = (s: NodeJS.Signals): void => resolve(s);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  // The idle clock starts when the group is joined: joining (a rebalance) can take longer than --idle.
  let joinedAt: number | null = null;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ??= Date.now();
    lastRecord = Math.max(lastRecord, joinedAt);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: args.kafkaTopic, fromBeginning: args.group === undefined });
    await consumer.run({
      // Offsets are committed only for a group the caller named: a throw-away group's would never be read.
      autoCommit: args.group !== undefined,
      eachMessage: async ({ message }) => {
        lastRecord = Date.now();
        merge.add(message.value === null ? '' : message.value.toString('utf8'), message.headers?.sensor?.toString() ?? 'unknown');
      },
    });
  } catch (e) {
    await within(consumer.disconnect(), 3_000);
    log.error({ brokers, topic: args.kafkaTopic, err: (e as Error).message }, `collect: cannot read ${args.kafkaTopic} from ${brokers.join(',')}: ${(e as Error).message}`);
    return EXIT_INTERNAL;
  }
  let notJoined = false;
  const idleTimer = setInterval(() => {
    if (joinedAt !== null && Date.now() - lastRecord >= args.idle * 1000) stop();
    if (joinedAt === null && Date.now() - started > JOIN_TIMEOUT_MS) {
      notJoined = true;
      stop();
    }
  }, 100);
  const why = await stopped;
  clearInterval(idleTimer);
  await within(consumer.disconnect(), 5_000);
  if (notJoined) {
    log.error({ brokers, topic: args.kafkaTopic, groupId }, `collect: joined no consumer group for ${args.kafkaTopic} within ${JOIN_TIMEOUT_MS / 1000} s`);
    return EXIT_INTERNAL;
  }
  const findings = merge.findings();
  const summary: Summary & { sensors: string[]; records: number; ignored: number; stoppedBy: string } = {
    type: 'summary',
    files: 0,
    packets: findings.reduce((n, f) => n + f.packets, 0),
    bytes: findings.reduce((n, f) => n + f.bytes, 0),
    seconds: (Date.now() - started) / 1000,
    flows: findings.reduce((n, f) => n + f.flows, 0),
    findings: findings.length,
    warnings: merge.ignored > 0 ? [`${merge.ignored} record(s) in ${args.kafkaTopic} were no poolwatch finding in JSON (EVE records, other producers) and were left out`] : [],
    skipped: [],
    sensors: merge.sensors,
    records: merge.records,
    ignored: merge.ignored,
    stoppedBy: why,
  };
  const format = args.format ?? formatForPath(args.output, process.stdout.isTTY === true);
  await writeReportFile(args.output ?? '-', render(format, findings, summary));
  log.info({ records: merge.records, findings: findings.length, sensors: merge.sensors, stoppedBy: why }, 'collect done');
  return 0;
}
