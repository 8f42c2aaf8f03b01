import type pino from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Logs go to stderr, synchronously, so they never mix with a report on stdout and are not lost on exit. */
export function makeLogger(level: string): pino.Logger {
  // Required here so that commands without a logger (help, interfaces, signatures check) never load pino.
  const pinoModule = require('pino') as typeof pino;
  return pinoModule({ level, base: { name: 'poolwatch' } }, pinoModule.destination({ fd: 2, sync: true }));
}
