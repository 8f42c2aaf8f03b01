import { availableParallelism } from 'node:os';
import { SignatureError, loadSignatures } from '../detect/signatures';
import { shortened } from '../report/escape';
import type { Format } from '../report/writers';
import { EXIT_INTERNAL, EXIT_USAGE } from './exit';
import { LOG_LEVELS, makeLogger, writeStderr, type Log } from './log';
import { OutputFileError } from './output-file';
import { OptionError, integerIn, loadYargs, secondsIn, skipHelpCache } from './yargs';

// Required when a command's builder or work runs, not at start: a scan never loads live capture,
// and `--help` or `signatures check` load neither the analyzer nor pino.
const analyzerModule = () => require('../analyzer') as typeof import('../analyzer');
const writersModule = () => require('../report/writers') as typeof import('../report/writers');
const scanModule = () => require('./scan') as typeof import('./scan');
const liveModule = () => require('./live') as typeof import('./live');
const interfacesModule = () => require('./interfaces') as typeof import('./interfaces');
const sinkOptionsModule = () => require('../report/sinks/options') as typeof import('../report/sinks/options');
const collectModule = () => require('./collect') as typeof import('./collect');
const reportModule = () => require('./report') as typeof import('./report');

const CONFIDENCE_CHOICES = ['low', 'medium', 'high'] as const;
const MIN_CONFIDENCE = { choices: CONFIDENCE_CHOICES, describe: 'leave out findings below this confidence: from every format, sink and the --exit-code gate (the summary counts them)' };

/** yargs drops a lone '-' argument, so stdin travels under a name no real path can have. */
const STDIN_ARG = '\u0000stdin';

/**
 * Bounds of the numeric options (README "Usage"). The caps are far above any real need and
 * keep a typo from sizing tables, buffers or threads by it.
 */
export const LIMITS = {
  maxFlows: 1 << 24,
  inspectBytes: 1 << 24,
  maxLineBytes: 1 << 24,
  minLineBytes: 256,
  idleSeconds: 366 * 24 * 3600,
  /** More threads than CPUs only adds switching: one thread reads, the others analyze. */
  workers: (): number => Math.max(2, availableParallelism()),
};

/** --exit-code values that would mean something else. */
function exitCodeClash(n: number): string | null {
  if (n === 0) return 'is the status of a run with nothing to report; choose 3..125';
  if (n === 1) return 'is the status of an internal failure; choose 3..125';
  if (n === 2) return 'is the status of a usage error or a bad input; choose 3..125';
  return null;
}

/** Coercions of the options scan and live share: each names the option and the value it refuses. */
const flowOptions = {
  maxFlows: integerIn('max-flows', 1, LIMITS.maxFlows),
  idleTimeout: secondsIn('idle-timeout', LIMITS.idleSeconds),
  inspectBytes: integerIn('inspect-bytes', 1, LIMITS.inspectBytes),
  maxLineBytes: integerIn('max-line-bytes', LIMITS.minLineBytes, LIMITS.maxLineBytes),
};

/** True for an error a user can cause (a bad option, file or list): printed as one line, exit 2. */
function usageError(e: unknown): e is Error {
  return e instanceof SignatureError || e instanceof OutputFileError || e instanceof OptionError;
}

export async function main(argv: string[]): Promise<number> {
  let status = 0;
  let debug = false;
  /** scan's logger: plain lines on a terminal unless --log-level was given (then JSON, as before). */
  const scanLogger = (level: string | undefined): Log => {
    debug = level === 'debug' || level === 'trace';
    return makeLogger(level ?? 'warn', { plain: level === undefined && process.stderr.isTTY === true });
  };
  // Handlers only choose the work; it runs after yargs has validated the whole command line,
  // so a usage error never starts a scan.
  let work: (() => Promise<number>) | null = null;
  const parser = loadYargs()
    .yargs(argv.map((a) => (a === '-' ? STDIN_ARG : a)))
    .scriptName('poolwatch')
    .usage('$0 <command> [options]\n\nFinds cryptocurrency-mining-pool connections in network traffic.')
    .option('log-level', { choices: LOG_LEVELS, describe: 'log level (default warn). Logs go to stderr: plain lines on a terminal, pino JSON lines when stderr is not a terminal or this option is given' })
    .option('signatures', { type: 'string', array: true, default: [] as string[], describe: 'extra signature folder(s) with site lists' })
    .command(
      'scan <paths..>',
      'scan capture files (pcap, pcapng, gzip), folders, or - for stdin',
      (y) => {
        const defaults = analyzerModule().DEFAULT_ANALYZER_OPTIONS;
        return y
          .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'files, folders (recursive) or -' })
          .option('format', { alias: 'f', choices: writersModule().FORMATS, describe: 'report format (default: table on a terminal, else jsonl; or from --output extension)' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE' })
          .option('exit-code', { requiresArg: true, coerce: integerIn('exit-code', 0, 125, { refuse: exitCodeClash, expected: '3..125' }), describe: 'exit with N (3..125) when anything was flagged (for CI gates); a finding wins over a bad input' })
          .option('max-flows', { requiresArg: true, default: defaults.maxFlows, coerce: flowOptions.maxFlows, describe: `flows held at once, 1..${LIMITS.maxFlows} (when full, the stalest of a sample is ended; flows with evidence last)` })
          .option('idle-timeout', { requiresArg: true, default: defaults.idleTimeoutMs / 1000, coerce: flowOptions.idleTimeout, describe: 'seconds without a packet before a flow ends (capture time, above 0)' })
          .option('inspect-bytes', { requiresArg: true, default: defaults.inspectBytes, coerce: flowOptions.inspectBytes, describe: `bytes per direction read from an undecided flow, 1..${LIMITS.inspectBytes}` })
          .option('max-line-bytes', { requiresArg: true, default: defaults.maxLineBytes, coerce: flowOptions.maxLineBytes, describe: `longest JSON-RPC line or HTTP request head read whole, ${LIMITS.minLineBytes}..${LIMITS.maxLineBytes} (padding before a login up to this is read through)` })
          .option('workers', { alias: 'w', requiresArg: true, default: 1, coerce: integerIn('workers', 1, LIMITS.workers(), { expected: `1..${LIMITS.workers()}, the CPUs of this machine` }), describe: 'threads: this one reads and decodes, the other N-1 analyze, flows sharded between them by a symmetric hash of their endpoints (same report as one thread)' })
          .option('nodes', { type: 'boolean', default: false, describe: 'also list cryptocurrency node peer traffic (Bitcoin, Monero, Ethereum P2P), which is not mining' })
          .option('min-confidence', MIN_CONFIDENCE)
          .options(sinkOptionsModule().SINK_OPTIONS)
          .example('$0 scan capture.pcapng', 'report on one capture')
          .example('tcpdump -i eth0 -w - | $0 scan - -o report.jsonl', 'scan from stdin');
      },
      (a) => {
        // The logger is made in the work: yargs runs this handler even after a failed validation.
        work = () => scanModule().scan(
          {
            paths: (a.paths as string[]).map((p) => (p === STDIN_ARG ? '-' : p)),
            format: a.format as Format | undefined,
            output: a.output,
            exitCode: a.exitCode,
            signatures: a.signatures,
            maxFlows: a.maxFlows as number,
            idleTimeout: a.idleTimeout as number,
            inspectBytes: a.inspectBytes as number,
            maxLineBytes: a.maxLineBytes,
            nodes: a.nodes,
            workers: a.workers as number,
            minConfidence: a.minConfidence,
            sinks: sinkOptionsModule().sinkArgs(a),
          },
          scanLogger(a.logLevel),
        );
      },
    )
    .command(
      'live',
      'capture from network interfaces (AF_PACKET ring, libpcap filters) and report mining sessions as they start',
      (y) => {
        const defaults = analyzerModule().DEFAULT_ANALYZER_OPTIONS;
        const { LIVE_DEFAULTS } = liveModule();
        return y
          .option('log-level', { default: 'info' as const, describe: 'pino log level (logs go to stderr; info shows the periodic capture stats)' })
          .option('interface', { alias: 'i', type: 'string', array: true, demandOption: true, describe: 'interface to capture on (repeat for several; `poolwatch interfaces` lists them)' })
          .option('bpf', { type: 'string', describe: 'libpcap (BPF) filter, e.g. "not port 22"' })
          .option('snaplen', { type: 'number', default: LIVE_DEFAULTS.snaplen, describe: 'most bytes of each packet kept in the kernel ring (68..65535)' })
          .option('buffer-size', { type: 'number', default: LIVE_DEFAULTS.bufferSize, describe: 'kernel ring per interface and worker, MiB (packets are packed into it at their captured size)' })
          .option('workers', { alias: 'w', requiresArg: true, default: LIVE_DEFAULTS.workers, coerce: integerIn('workers', 1, 32), describe: 'capture threads, each analyzing its share of the flows (kernel flow-hash fanout; same findings as one), 1..32' })
          .option('format', { alias: 'f', choices: ['jsonl', 'eve'] as const, default: 'jsonl' as const, describe: "the stream's lines: poolwatch's JSON lines, or Suricata EVE alert records (no summary record; the summary goes to --report and the log)" })
          .option('min-confidence', MIN_CONFIDENCE)
          .option('queue-size', { type: 'number', default: LIVE_DEFAULTS.queueSize, describe: 'libpcap fallback only: MiB of captured packets held per interface while the analysis catches up' })
          .option('promisc', { type: 'boolean', default: true, describe: 'promiscuous mode (--no-promisc: only traffic to and from this host; the libpcap fallback is always promiscuous)' })
          .option('output', { alias: 'o', type: 'string', describe: 'append the JSON-lines stream to FILE (default stdout)' })
          .option('report', { type: 'string', describe: 'also write the full report to FILE at exit (format from the extension: .jsonl, .json, .csv)' })
          .option('stats-interval', { type: 'number', default: LIVE_DEFAULTS.statsInterval, describe: 'seconds between capture stats log lines (0: none)' })
          .option('update-interval', { type: 'number', default: LIVE_DEFAULTS.updateInterval, describe: 'seconds between update lines for findings whose counters grew (0: only when evidence grows)' })
          .option('alert-cmd', { type: 'string', describe: 'shell command run for each new finding, with its JSON line on stdin' })
          .option('max-flows', { requiresArg: true, default: defaults.maxFlows, coerce: flowOptions.maxFlows, describe: `flows held at once, 1..${LIMITS.maxFlows} (when full, the stalest of a sample is ended; flows with evidence last)` })
          .option('idle-timeout', { requiresArg: true, default: defaults.idleTimeoutMs / 1000, coerce: flowOptions.idleTimeout, describe: 'seconds without a packet before a flow ends (above 0)' })
          .option('inspect-bytes', { requiresArg: true, default: defaults.inspectBytes, coerce: flowOptions.inspectBytes, describe: `bytes per direction read from an undecided flow, 1..${LIMITS.inspectBytes}` })
          .option('max-line-bytes', { requiresArg: true, default: defaults.maxLineBytes, coerce: flowOptions.maxLineBytes, describe: `longest JSON-RPC line or HTTP request head read whole, ${LIMITS.minLineBytes}..${LIMITS.maxLineBytes}` })
          .options(sinkOptionsModule().SINK_OPTIONS)
          .option('metrics-listen', { type: 'string', describe: 'serve Prometheus metrics at http://HOST:PORT/metrics (updated every --stats-interval)', group: 'Sinks:' })
          .example('$0 live -i eth1 -o /var/log/poolwatch.jsonl', 'watch a mirror port; a SIEM shipper tails the file')
          .example('$0 live -i eth1 -i eth2 --bpf "not port 22"', 'two interfaces, one filter');
      },
      (a) => {
        work = () => liveModule().live(
          {
            interfaces: a.interface,
            bpf: a.bpf,
            snaplen: a.snaplen,
            bufferSize: a.bufferSize,
            queueSize: a.queueSize,
            workers: a.workers as number,
            promisc: a.promisc,
            output: a.output,
            report: a.report,
            statsInterval: a.statsInterval,
            updateInterval: a.updateInterval,
            alertCmd: a.alertCmd,
            signatures: a.signatures,
            maxFlows: a.maxFlows as number,
            idleTimeout: a.idleTimeout as number,
            inspectBytes: a.inspectBytes as number,
            maxLineBytes: a.maxLineBytes,
            format: a.format,
            minConfidence: a.minConfidence,
            outputs: { sinks: sinkOptionsModule().sinkArgs(a), metricsListen: a.metricsListen },
          },
          makeLogger(a.logLevel ?? 'info'),
        );
      },
    )
    .command(
      'report <input>',
      'render a report written earlier (scan -f json or jsonl, live --report) in another format, by default one self-contained HTML page',
      (y) =>
        y
          .positional('input', { type: 'string', demandOption: true, describe: 'the report file, or - for stdin' })
          .option('format', { alias: 'f', choices: writersModule().FORMATS, default: 'html', describe: 'format to write' })
          .option('output', { alias: 'o', type: 'string', describe: 'write to FILE (default stdout)' })
          .option('min-confidence', MIN_CONFIDENCE)
          .example('$0 report findings.json -o report.html', 'a page to look at, with a timeline per host'),
      (a) => {
        work = () => reportModule().report({ input: a.input === STDIN_ARG ? '-' : (a.input as string), format: a.format as Format, output: a.output, minConfidence: a.minConfidence }, makeLogger(a.logLevel ?? 'warn'));
      },
    )
    .command(
      'interfaces',
      'list the interfaces libpcap can capture on',
      (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      (a) => {
        work = async () => interfacesModule().interfaces(a.json);
      },
    )
    .command(
      'collect',
      'read the findings sensors published to a Kafka topic and write them as one report (README "Fleet view")',
      (y) =>
        y
          .option('kafka-brokers', { type: 'string', demandOption: true, describe: 'bootstrap brokers host:port[,host:port...]' })
          .option('kafka-topic', { type: 'string', default: 'poolwatch', describe: 'the topic the sensors publish to' })
          .option('group', { type: 'string', describe: 'consumer group: read from its committed offsets and commit (default: a new group, the whole topic)' })
          .option('idle', { type: 'number', default: 5, describe: 'seconds without a record before the report is written' })
          .option('format', { alias: 'f', choices: writersModule().FORMATS, describe: 'report format (as for scan)' })
          .option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE' }),
      (a) => {
        work = () => collectModule().collect({ kafkaBrokers: a.kafkaBrokers, kafkaTopic: a.kafkaTopic, group: a.group, idle: a.idle, format: a.format as Format | undefined, output: a.output }, makeLogger(a.logLevel ?? 'warn'));
      },
    )
    .command('signatures', 'signature lists', (y) =>
      y
        .command(
          'check',
          'validate the built-in and --signatures lists and print their sizes',
          (z) => z,
          (a) => {
            work = async () => {
              const s = loadSignatures(a.signatures).summary();
              process.stdout.write(`signatures OK: ${s.pools} pool domains, ${s.allowlist} allowlisted names, ${s.agents} miner agents, ${s.methods} methods, ${s.ports} ports\n`);
              return 0;
            };
          },
        )
        .demandCommand(1, 'name a signatures subcommand: check'),
    )
    .demandCommand(1, 'name a command: scan, live, report, collect, interfaces, signatures')
    // yargs answers the shell's --get-yargs-completions calls itself, before any command runs.
    .completion('completion', 'print a bash/zsh completion script (poolwatch completion >> ~/.bashrc)')
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .fail((msg, err) => {
      // yargs' own validation and a coerce that threw come as YError; anything else is a fault.
      if (err && err.name !== 'YError') throw err;
      writeStderr(`poolwatch: ${shortened(msg ?? String(err), 500)}\nRun 'poolwatch --help' for usage.\n`);
      status = EXIT_USAGE;
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
    if (status !== 0 || work === null) return status;
    return await (work as () => Promise<number>)();
  } catch (e) {
    if (usageError(e)) {
      writeStderr(`poolwatch: ${shortened(e.message, 2000)}\n`);
      return EXIT_USAGE;
    }
    // A bug, not the user's doing: one line; the stack only when asked for.
    const detail = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
    writeStderr(`poolwatch: internal error: ${debug ? detail : shortened(detail, 2000)}${debug ? '' : ' (--log-level debug shows where)'}\n`);
    return EXIT_INTERNAL;
  }
}
