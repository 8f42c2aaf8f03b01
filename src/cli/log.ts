import { writeSync } from 'node:fs';
import type pino from 'pino';
import { forTerminal, shortened } from '../report/escape';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** What the commands log through: pino's methods, so any call is a pino call. */
export type Log = Pick<pino.Logger, 'debug' | 'info' | 'warn' | 'error'>;

const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Longest message shown: a hostile file name or value must not flood the terminal. */
const MAX_MESSAGE = 2000;

export interface LoggerOptions {
  /**
   * Plain text lines (`poolwatch: FILE: offset N: message`) instead of pino JSON lines.
   * Default: plain when stderr is a terminal and the level was not chosen explicitly.
   */
  plain?: boolean;
}

/** One line of text for a person, from pino-style arguments; every part neutralised. */
export function plainLine(level: string, args: unknown[]): string {
  let fields: Record<string, unknown> = {};
  let msg = '';
  if (typeof args[0] === 'string') msg = args[0];
  else if (args[0] instanceof Error) msg = args[0].message;
  else if (args[0] !== null && typeof args[0] === 'object') {
    fields = args[0] as Record<string, unknown>;
    if (typeof args[1] === 'string') msg = args[1];
  }
  let where = '';
  if (typeof fields.file === 'string') where = typeof fields.offset === 'number' ? `${fields.file}: offset ${fields.offset}: ` : `${fields.file}: `;
  const rest = Object.entries(fields)
    .filter(([k]) => k !== 'file' && k !== 'offset')
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const label = level === 'warn' ? 'warning: ' : level === 'error' ? '' : `${level}: `;
  const text = rest.length > 0 ? `${where}${msg} (${rest.join(', ')})` : `${where}${msg}`;
  return `poolwatch: ${label}${shortened(text, MAX_MESSAGE)}\n`;
}

/** The strings of a log record with controls and bidi characters escaped (pino's JSON keeps C1 and U+2028 raw). */
function neutralised(args: unknown[]): unknown[] {
  return args.map((a) => {
    if (typeof a === 'string') return shortened(a, MAX_MESSAGE);
    if (a === null || typeof a !== 'object' || a instanceof Error) return a;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) {
      out[k] = typeof v === 'string' ? shortened(v, MAX_MESSAGE) : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? forTerminal(x) : x)) : v;
    }
    return out;
  });
}

/**
 * Logs go to stderr, synchronously, so they never mix with a report on stdout
 * and are not lost on exit. pino itself is loaded at the first message the
 * level lets through: a scan with nothing to warn about never loads it (about
 * 20 ms of start-up, a measurable share of a short scan).
 */
export function makeLogger(level: string, options: LoggerOptions = {}): Log {
  const threshold = LEVEL_VALUES[level] ?? LEVEL_VALUES.info;
  const plain = options.plain ?? false;
  let logger: pino.Logger | null = null;
  const real = (): pino.Logger => {
    if (logger === null) {
      const pinoModule = require('pino') as typeof pino;
      logger = pinoModule({ level, base: { name: 'poolwatch' } }, pinoModule.destination({ fd: 2, sync: true }));
    }
    return logger;
  };
  const method = (name: keyof Log): pino.LogFn => {
    if (LEVEL_VALUES[name] < threshold) return () => {};
    if (plain) return (...args: unknown[]) => writeStderr(plainLine(name, args));
    return (...args: unknown[]) => (real()[name] as (...a: unknown[]) => void)(...neutralised(args));
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/** Writes to stderr synchronously; a closed or full stderr is nothing to fail over. */
export function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // Nowhere left to say it.
  }
}
