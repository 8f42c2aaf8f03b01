import { SignatureError, loadSignatures } from '../detect/signatures';
import type { Format } from '../report/writers';
import { EXIT_INTERNAL, EXIT_USAGE } from './exit';
import { LOG_LEVELS, makeLogger } from './log';
import { loadYargs, skipHelpCache } from './yargs';

// Required when a command's builder or work runs, not at start: a scan never loads live capture,
// and `--help` or `signatures check` load neither the analyzer nor pino.
const analyzerModule = () => require('../analyzer') as typeof import('../analyzer');
const writersModule = () => require('../report/writers') as typeof import('../report/writers');
const scanModule = () => require('./scan') as typeof import('./scan');
const liveModule = () => require('./live') as typeof import('./live');
const interfacesModule = () => require('./interfaces') as typeof import('./interfaces');

/** yargs drops a lone '-' argument, so stdin travels under a name no real path can have. */
const STDIN_ARG = '\u0000stdin';

export async function main(argv: string[]): Promise<number> {
  let status = 0;
  // Handlers only choose the work; it runs after yargs has validated the whole command line,
  // so a usage error never starts a scan.
  let work: (() => Promise<number>) | null = null;
  const parser = loadYargs()
    .yargs(argv.map((a) => (a === '-' ? STDIN_ARG : a)))
    .scriptName('poolwatch')
    .usage('$0 <command> [options]\n\nFinds cryptocurrency-mining-pool connections in network traffic.')
    .option('log-level', { choices: LOG_LEVELS, default: 'warn' as const, describe: 'pino log level (logs go to stderr)' })
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
          .option('exit-code', { type: 'number', describe: 'exit with N when anything was flagged (for CI gates)' })
          .option('max-flows', { type: 'number', default: defaults.maxFlows, describe: 'flows held at once (when full, the stalest of a sample is ended; flows with evidence last)' })
          .option('idle-timeout', { type: 'number', default: defaults.idleTimeoutMs / 1000, describe: 'seconds without a packet before a flow ends' })
          .option('inspect-bytes', { type: 'number', default: defaults.inspectBytes, describe: 'bytes per direction read from an undecided flow' })
          .option('workers', { alias: 'w', type: 'number', default: 1, describe: 'threads: this one reads and decodes, the other N-1 analyze, flows sharded between them by a symmetric hash of their endpoints (same report as one thread)' })
          .option('nodes', { type: 'boolean', default: false, describe: 'also list cryptocurrency node peer traffic (Bitcoin, Monero, Ethereum P2P), which is not mining' })
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
            maxFlows: a.maxFlows,
            idleTimeout: a.idleTimeout,
            inspectBytes: a.inspectBytes,
            nodes: a.nodes,
            workers: a.workers,
          },
          makeLogger(a.logLevel),
        );
      },
    )
    .command(
      'live',
      'capture from network interfaces through libpcap and report mining sessions as they start',
      (y) => {
        const defaults = analyzerModule().DEFAULT_ANALYZER_OPTIONS;
        const { LIVE_DEFAULTS } = liveModule();
        return y
          .option('log-level', { default: 'info' as const, describe: 'pino log level (logs go to stderr; info shows the periodic capture stats)' })
          .option('interface', { alias: 'i', type: 'string', array: true, demandOption: true, describe: 'interface to capture on (repeat for several; `poolwatch interfaces` lists them)' })
          .option('bpf', { type: 'string', describe: 'libpcap (BPF) filter, e.g. "not port 22"' })
          .option('snaplen', { type: 'number', default: LIVE_DEFAULTS.snaplen, describe: 'most bytes of each packet copied out of libpcap (68..65535)' })
          .option('buffer-size', { type: 'number', default: LIVE_DEFAULTS.bufferSize, describe: "libpcap's kernel ring per interface, MiB (the cap binding gives each packet a 64 KiB slot: 256 MiB holds about 4000 packets)" })
          .option('queue-size', { type: 'number', default: LIVE_DEFAULTS.queueSize, describe: 'MiB of captured packets held per interface while the analysis catches up (beyond it packets are dropped and counted)' })
          .option('promisc', { type: 'boolean', default: true, describe: 'promiscuous mode (always on with the cap binding)' })
          .option('output', { alias: 'o', type: 'string', describe: 'append the JSON-lines stream to FILE (default stdout)' })
          .option('report', { type: 'string', describe: 'also write the full report to FILE at exit (format from the extension: .jsonl, .json, .csv)' })
          .option('stats-interval', { type: 'number', default: LIVE_DEFAULTS.statsInterval, describe: 'seconds between capture stats log lines (0: none)' })
          .option('update-interval', { type: 'number', default: LIVE_DEFAULTS.updateInterval, describe: 'seconds between update lines for findings whose counters grew (0: only when evidence grows)' })
          .option('alert-cmd', { type: 'string', describe: 'shell command run for each new finding, with its JSON line on stdin' })
          .option('max-flows', { type: 'number', default: defaults.maxFlows, describe: 'flows held at once (when full, the stalest of a sample is ended; flows with evidence last)' })
          .option('idle-timeout', { type: 'number', default: defaults.idleTimeoutMs / 1000, describe: 'seconds without a packet before a flow ends' })
          .option('inspect-bytes', { type: 'number', default: defaults.inspectBytes, describe: 'bytes per direction read from an undecided flow' })
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
            promisc: a.promisc,
            output: a.output,
            report: a.report,
            statsInterval: a.statsInterval,
            updateInterval: a.updateInterval,
            alertCmd: a.alertCmd,
            signatures: a.signatures,
            maxFlows: a.maxFlows,
            idleTimeout: a.idleTimeout,
            inspectBytes: a.inspectBytes,
          },
          makeLogger(a.logLevel),
        );
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
    .demandCommand(1, 'name a command: scan, live, interfaces, signatures')
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`poolwatch: ${msg}\nRun 'poolwatch --help' for usage.\n`);
      status = EXIT_USAGE;
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync();
    if (status !== 0 || work === null) return status;
    return await (work as () => Promise<number>)();
  } catch (e) {
    if (e instanceof SignatureError) {
      process.stderr.write(`poolwatch: ${e.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`poolwatch: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT_INTERNAL;
  }
}
