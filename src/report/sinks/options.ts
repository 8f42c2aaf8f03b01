/**
 * The sink options `scan` and `live` share (--kafka-brokers, --syslog, ...),
 * opening the sinks they name, and handing findings to them.
 */
import type { Finding } from '../finding';
import { KafkaSink, checkTopic, parseBrokers } from './kafka';
import { findingMessage, SINK_FORMATS, type SinkFormat } from './message';
import { DEFAULT_BACKLOG, lossLine, type FindingSink, type SinkLog, type SinkStats } from './sink';
import { SyslogSink, parseFacility, parseSyslogTarget } from './syslog';

/** yargs option definitions, added to a command with `.options(SINK_OPTIONS)`. */
export const SINK_OPTIONS = {
  'kafka-brokers': { type: 'string', describe: 'send each finding to Kafka: bootstrap brokers host:port[,host:port...]', group: 'Sinks:' },
  'kafka-topic': { type: 'string', default: 'poolwatch', describe: 'Kafka topic (records keyed by the miner host)', group: 'Sinks:' },
  syslog: { type: 'string', array: true, describe: 'send each finding as RFC 5424 syslog: udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH (repeatable)', group: 'Sinks:' },
  'syslog-facility': { type: 'string', default: 'user', describe: 'syslog facility (user, daemon, local0..local7, or 0..23)', group: 'Sinks:' },
  'syslog-app-name': { type: 'string', default: 'poolwatch', describe: 'syslog APP-NAME', group: 'Sinks:' },
  'sink-format': { choices: SINK_FORMATS, default: 'json', describe: 'record body the sinks send', group: 'Sinks:' },
  'sink-backlog': { type: 'number', default: DEFAULT_BACKLOG, describe: 'records each sink holds while its destination is slow or away (beyond: dropped and counted)', group: 'Sinks:' },
  'sink-timeout': { type: 'number', default: 10, describe: 'seconds to wait at the end for the sinks to deliver what they hold', group: 'Sinks:' },
} as const;

export interface SinkArgs {
  kafkaBrokers?: string;
  kafkaTopic: string;
  syslog: string[];
  syslogFacility: string;
  syslogAppName: string;
  sinkFormat: SinkFormat;
  sinkBacklog: number;
  /** Seconds. */
  sinkTimeout: number;
}

/** The sink options out of a parsed yargs argv. */
export function sinkArgs(a: Record<string, unknown>): SinkArgs {
  return {
    kafkaBrokers: a.kafkaBrokers as string | undefined,
    kafkaTopic: (a.kafkaTopic as string | undefined) ?? 'poolwatch',
    syslog: (a.syslog as string[] | undefined) ?? [],
    syslogFacility: (a.syslogFacility as string | undefined) ?? 'user',
    syslogAppName: (a.syslogAppName as string | undefined) ?? 'poolwatch',
    sinkFormat: (a.sinkFormat as SinkFormat | undefined) ?? 'json',
    sinkBacklog: (a.sinkBacklog as number | undefined) ?? DEFAULT_BACKLOG,
    sinkTimeout: (a.sinkTimeout as number | undefined) ?? 10,
  };
}

/** Opens the sinks the options name (none: an empty list). Throws an Error whose message is one line naming the option. */
export function openSinks(a: SinkArgs, log: SinkLog): FindingSink[] {
  if (!Number.isInteger(a.sinkBacklog) || a.sinkBacklog < 1 || a.sinkBacklog > 10_000_000) throw new Error(`--sink-backlog must be a whole number of records from 1 to 10000000 (got ${a.sinkBacklog})`);
  if (!(a.sinkTimeout >= 0) || a.sinkTimeout > 3600) throw new Error(`--sink-timeout is in seconds, 0 to 3600 (got ${a.sinkTimeout})`);
  // Parse everything before opening anything, so a bad option leaves nothing to close.
  const brokers = a.kafkaBrokers !== undefined ? parseBrokers(a.kafkaBrokers) : null;
  const topic = checkTopic(a.kafkaTopic);
  const targets = a.syslog.map(parseSyslogTarget);
  const facility = parseFacility(a.syslogFacility);
  const sinks: FindingSink[] = [];
  if (brokers !== null) sinks.push(new KafkaSink({ brokers, topic, log, backlog: a.sinkBacklog }));
  for (const t of targets) sinks.push(new SyslogSink(t, { log, facility, appName: a.syslogAppName, backlog: a.sinkBacklog }));
  return sinks;
}

/** One finding (or live event) to every sink; returns at once. */
export function publishFinding(sinks: FindingSink[], f: Finding, event: 'finding' | 'new' | 'update' | 'final', format: SinkFormat = 'json', ctx: { in_iface?: string } = {}): void {
  if (sinks.length === 0) return;
  const m = findingMessage(f, event, format, ctx);
  for (const s of sinks) s.publish(m);
}

/**
 * Closes the sinks, waiting at most `timeoutMs` in all, and logs one error line
 * per sink that lost records, with the count. Returns every sink's final stats.
 */
export async function closeSinks(sinks: FindingSink[], timeoutMs: number, log: SinkLog): Promise<SinkStats[]> {
  const stats = await Promise.all(sinks.map((s) => s.close(timeoutMs)));
  for (const s of stats) {
    const line = lossLine(s);
    if (line !== null) log.error({ sink: s.name, sent: s.sent, failed: s.failed, lastError: s.lastError }, line);
  }
  return stats;
}
