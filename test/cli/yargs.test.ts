/**
 * src/cli/yargs.ts hands yargs' private factory a shim of its own making. These checks run in a child
 * Node process: jest's module loader cannot load yargs' ESM files, Node's require(esm) can.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';

const MODULE = join(__dirname, '..', '..', 'src', 'cli', 'yargs.js');

function runNode(script: string): unknown {
  const r = spawnSync(process.execPath, ['-e', script, MODULE], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
}

const PRELUDE = `
const { dirname, join } = require('node:path');
const mod = require(process.argv[1]);
const root = dirname(require.resolve('yargs/package.json'));
const official = require(join(root, 'lib', 'platform-shims', 'esm.mjs')).default;
const { YargsFactory } = require(join(root, 'build', 'lib', 'yargs-factory.js'));
`;

describe('yargs with a lazy platform shim', () => {
  test('is the one loaded, and its shim has the fields, kinds and plain values of yargs own', () => {
    const out = runNode(`${PRELUDE}
      const shape = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => {
        const v = o[k];
        if (k === 'y18n') return [k, Object.keys(v).sort()];
        if (v !== null && typeof v === 'object') return [k, shape(v)];
        return [k, typeof v === 'function' ? 'function' : v];
      }));
      console.log(JSON.stringify({ lazy: mod.loadYargs().lazy, ours: shape(mod.lazyShim(root)), theirs: shape(official) }));
    `) as { lazy: boolean; ours: unknown; theirs: unknown };
    expect(out.lazy).toBe(true);
    expect(out.ours).toEqual(out.theirs);
    expect(out.ours).toMatchObject({ cliui: 'function', stringWidth: 'function', Parser: 'function', process: { stdColumns: null } });
  });

  test('help text, usage errors and parsing match yargs built on its own shim', () => {
    const out = runNode(`${PRELUDE}
      const build = (y) => y(['run', 'a.pcap', 'b.pcap', '-f', 'csv', '--n', '7'])
        .scriptName('tool').usage('$0 <command>\\n\\nDoes things to captures, with a description long enough to wrap at eighty columns.')
        .option('level', { choices: ['a', 'bb', 'ccc'], default: 'bb', describe: 'a choice' })
        .command('run <paths..>', 'run it', (z) => z
          .positional('paths', { type: 'string', array: true, describe: 'inputs' })
          .option('format', { alias: 'f', choices: ['jsonl', 'csv'], describe: 'report format, a description long enough that cliui has to wrap it onto a second line' })
          .option('n', { type: 'number', default: 3, describe: 'count' })
          .example('$0 run x.pcap', 'one file'))
        .strict().help().alias('help', 'h').version('1.2.3').exitProcess(false);
      (async () => {
        const result = {};
        for (const [name, y] of [['ours', YargsFactory(mod.lazyShim(root))], ['theirs', YargsFactory(official)]]) {
          const parser = build(y);
          const argv = await parser.parseAsync();
          const help = await build(y).getHelp();
          let failure = null;
          await build(y).fail((msg) => { failure = msg; }).parseAsync(['run', 'x', '--nope']);
          result[name] = { paths: argv.paths, format: argv.format, n: argv.n, level: argv.level, help, failure };
        }
        console.log(JSON.stringify(result));
      })();
    `) as { ours: { help: string; failure: string }; theirs: unknown };
    expect(out.ours).toEqual(out.theirs);
    expect(out.ours).toMatchObject({ paths: ['a.pcap', 'b.pcap'], format: 'csv', n: 7, level: 'bb', failure: 'Unknown argument: nope' });
    // Wrapped at 80 columns: cliui and string-width were loaded and used.
    expect(out.ours.help).toMatch(/report format, a description long enough that cliui has to wrap\n +it onto a second line/);
  });

  test('a scan loads neither the help-text modules nor live capture', () => {
    const loaded = runNode(`
      const { main } = require(process.argv[1].replace(/yargs\\.js$/, 'main.js'));
      main(['scan', ${JSON.stringify(join(packageRoot(), 'pcaps', 'samples'))}, '-f', 'jsonl', '-o', ${JSON.stringify(join(mkdtempSync(join(tmpdir(), 'pw-yargs-')), 'report.jsonl'))}]).then((code) => {
        console.log(JSON.stringify({ code, modules: Object.keys(require.cache) }));
      });
    `) as { code: number; modules: string[] };
    expect(loaded.code).toBe(0);
    expect(loaded.modules.some((m) => m.endsWith('/yargs-factory.js'))).toBe(true);
    expect(loaded.modules.filter((m) => /\/(cliui|string-width|wrap-ansi)\/|\/cli\/(live|interfaces)\.js$/.test(m))).toEqual([]);
  });
});
