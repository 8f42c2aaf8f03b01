import pino from 'pino';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Logs go to stderr, synchronously, so they never mix with a report on stdout and are not lost on exit. */
export function makeLogger(level: string): pino.Logger {
  return pino({ level, base: { name: 'poolwatch' } }, pino.destination({ fd: 2, sync: true }));
}
