import type { SinkLog } from '../../../src/report/sinks/sink';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps what the sinks said (pino's call shapes: (obj, msg) or (msg)). */
export function memoryLog(): { log: SinkLog; lines: LogLine[]; text: (level?: LogLine['level']) => string } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (a: unknown, b?: unknown) => {
    if (typeof a === 'string') lines.push({ level, obj: {}, msg: a });
    else lines.push({ level, obj: (a ?? {}) as Record<string, unknown>, msg: String(b ?? '') });
  };
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as SinkLog;
  return { log, lines, text: (level) => lines.filter((l) => level === undefined || l.level === level).map((l) => l.msg).join('\n') };
}
