import type pino from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** What the commands log through: pino's methods, so any call is a pino call. */
export type Log = Pick<pino.Logger, 'debug' | 'info' | 'warn' | 'error'>;

const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * Logs go to stderr, synchronously, so they never mix with a report on stdout
 * and are not lost on exit. pino itself is loaded at the first message the
 * level lets through: a scan with nothing to warn about never loads it (about
 * 20 ms of start-up, a measurable share of a short scan).
 */
export function makeLogger(level: string): Log {
  const threshold = LEVEL_VALUES[level] ?? LEVEL_VALUES.info;
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
    return (...args: unknown[]) => (real()[name] as (...a: unknown[]) => void)(...args);
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}
