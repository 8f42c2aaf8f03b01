import { eveLine, eveRecord } from '../eve';
import type { Finding } from '../finding';
import type { SinkMessage } from './sink';

/** What a sink's record body is: the report's JSON line (`json`) or a Suricata EVE alert (`eve`, src/report/eve.ts). */
export const SINK_FORMATS = ['json', 'eve'] as const;
export type SinkFormat = (typeof SINK_FORMATS)[number];

/**
 * A finding as a sink record. With `json` the body is the same JSON object the
 * jsonl report (scan) or the live stream writes, with `event` for live, so one
 * parser reads the file, the topic and the syslog alike; with `eve` it is the
 * EVE alert `--format eve` writes (`in_iface` from ctx in live).
 */
export function findingMessage(f: Finding, event: 'finding' | 'new' | 'update' | 'final', format: SinkFormat = 'json', ctx: { in_iface?: string } = {}): SinkMessage {
  let value: string;
  if (format === 'eve') {
    value = eveLine(eveRecord(f, { ...ctx, event: event === 'finding' ? 'final' : event })).trimEnd();
  } else {
    const { type, ...rest } = f;
    value = JSON.stringify(event === 'finding' ? f : { type, event, ...rest });
  }
  return {
    key: f.host,
    value,
    event,
    confidence: f.confidence,
    fields: {
      host: f.host,
      pool: f.pool,
      poolPort: f.poolPort,
      protocol: f.protocol,
      confidence: f.confidence,
      domain: f.domain,
    },
  };
}
