/**
 * yargs, with the modules it needs only for help text loaded when help text is made.
 *
 * yargs 18 is ESM only, and its Node entry (lib/platform-shims/esm.mjs) imports cliui, wrap-ansi,
 * string-width (which builds an Intl.Segmenter at load), ansi-styles and more, all of them for help
 * output. Loading them through require(esm) cost about 0.1 s of CPU on every run, a quarter of a
 * small scan. Here yargs' own factory gets a platform shim built field by field like
 * that file, except that cliui, string-width and get-caller-file are required on first call.
 *
 * The factory is not an exported path of the package, so this depends on yargs 18's layout: another
 * major version, or a missing file, falls back to the public entry (same behaviour, full load cost).
 * test/cli/yargs.test.ts checks that the shim still has the fields of yargs' own.
 */
import { notStrictEqual, strictEqual } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import type { Argv } from 'yargs';
import { shortened } from '../report/escape';

/** The yargs major whose private layout and shim fields this file copies. */
const KNOWN_MAJOR = 18;

/** Default export of a module loaded with require(), whether CommonJS or ESM. */
function defaultOf<T>(m: unknown): T {
  return (typeof m === 'function' ? m : (m as { default: T }).default) as T;
}

/** A value made on first call and kept. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** Argument-parser factory (yargs' default export), and whether the lazy shim is in use. */
export interface LoadedYargs {
  yargs: Argv;
  lazy: boolean;
}

/** The platform shim of lib/platform-shims/esm.mjs, with the help-only modules loaded on first use. */
export function lazyShim(root: string): Record<string, unknown> {
  const shimFile = join(root, 'lib', 'platform-shims', 'esm.mjs');
  // Resolves yargs' dependencies from its own folder, as the imports of its shim do.
  const req = createRequire(shimFile);
  const { getProcessArgvBin } = req(join(root, 'build', 'lib', 'utils', 'process-argv.js')) as { getProcessArgvBin: () => string };
  const y18n = defaultOf<(opts: { directory: string; updateFiles: boolean }) => unknown>(req('y18n'));
  const cliui = once(() => defaultOf<(opts: unknown) => unknown>(req('cliui')));
  const stringWidth = once(() => defaultOf<(s: string) => number>(req('string-width')));
  const getCallerFile = once(() => defaultOf<(depth: number) => string>(req('get-caller-file')));
  const mainFilename = shimFile.substring(0, shimFile.lastIndexOf('node_modules'));
  return {
    assert: { notStrictEqual, strictEqual },
    cliui: (opts: unknown) => cliui()(opts),
    findUp: defaultOf(req('escalade/sync')),
    getEnv: (key: string) => process.env[key],
    inspect,
    getProcessArgvBin,
    mainFilename: mainFilename || process.cwd(),
    Parser: defaultOf(req('yargs-parser')),
    path: { basename, dirname, extname, relative, resolve, join },
    process: {
      argv: () => process.argv,
      cwd: process.cwd,
      emitWarning: (warning: string, type: string) => process.emitWarning(warning, type),
      execPath: () => process.execPath,
      exit: (code: number) => {
        process.exit(code);
      },
      nextTick: process.nextTick,
      stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null,
    },
    readFileSync,
    readdirSync,
    require: req,
    getCallerFile: () => {
      // Same stack depth as in yargs' shim: this function stands where its own does.
      const callerFile = getCallerFile()(3);
      return callerFile.match(/^file:\/\//) ? fileURLToPath(callerFile) : callerFile;
    },
    stringWidth: (s: string) => stringWidth()(s),
    y18n: y18n({ directory: join(root, 'locales'), updateFiles: false }),
  };
}

function loadLazy(): Argv | null {
  try {
    const pkgFile = require.resolve('yargs/package.json');
    const { version } = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version?: string };
    if (Number(version?.split('.')[0]) !== KNOWN_MAJOR) return null;
    const root = dirname(pkgFile);
    const { YargsFactory } = require(join(root, 'build', 'lib', 'yargs-factory.js')) as { YargsFactory?: (shim: unknown) => Argv };
    if (typeof YargsFactory !== 'function') return null;
    return YargsFactory(lazyShim(root));
  } catch {
    return null;
  }
}

export function loadYargs(): LoadedYargs {
  const lazy = loadLazy();
  if (lazy !== null) return { yargs: lazy, lazy: true };
  return { yargs: defaultOf<Argv>(require('yargs')), lazy: false };
}

/**
 * Stops yargs from rendering the chosen command's help text after its handler has run.
 *
 * yargs does that on every run (usage.cacheHelpMessage, so that a later showHelp() shows the command's
 * help rather than the top level's), at 40-60 ms of cliui and string-width work. poolwatch never asks
 * for help after parsing: --help is printed during the parse, and usage errors go to its own fail
 * handler, which prints no help. getInternalMethods() is not in yargs' typings; if it is missing
 * nothing changes but the cost.
 */
export function skipHelpCache(parser: Argv): void {
  const internal = parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') {
    usage.cacheHelpMessage = () => {};
  }
}

/** A bad option value; yargs hands its message to the fail handler, which prints it as a usage error. */
export class OptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionError';
  }
}

/** A value as the user typed it (yargs has turned numbers into numbers), neutralised and cut short. */
function shown(v: unknown): string {
  return shortened(typeof v === 'string' ? `'${v}'` : String(v), 40);
}

function single(name: string, v: unknown): unknown {
  if (Array.isArray(v)) throw new OptionError(`--${name} given ${v.length} times; give it once`);
  return v;
}

export interface IntegerRule {
  /** Rejects a value inside [min, max] with a reason ("is the status of ..."). */
  refuse?: (n: number) => string | null;
  /** What the message says is expected, when "min..max" is not the whole story. */
  expected?: string;
}

/**
 * A yargs `coerce` for a whole number in [min, max]. Meant for options declared without
 * `type`, so that a value that is no number reaches it as typed (with `type: 'number'`
 * yargs would hand over NaN).
 */
export function integerIn(name: string, min: number, max: number, rule: IntegerRule = {}): (v: unknown) => number | undefined {
  const expected = rule.expected ?? `${min}..${max}`;
  return (raw: unknown) => {
    const v = single(name, raw);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw new OptionError(`--${name}: ${shown(v)} is not a whole number (expected ${expected})`);
    if (n < min || n > max) throw new OptionError(`--${name}: ${shown(v)} is out of range (expected ${expected})`);
    const why = rule.refuse?.(n) ?? null;
    if (why !== null) throw new OptionError(`--${name}: ${shown(v)} ${why}`);
    return n;
  };
}

/** A yargs `coerce` for a number of seconds above 0 and at most `max`. */
export function secondsIn(name: string, max: number): (v: unknown) => number | undefined {
  return (raw: unknown) => {
    const v = single(name, raw);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new OptionError(`--${name}: ${shown(v)} is not a number of seconds`);
    if (n <= 0 || n > max) throw new OptionError(`--${name}: ${shown(v)} is out of range (expected more than 0, at most ${max} seconds)`);
    return n;
  };
}
