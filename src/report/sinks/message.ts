import type { Finding } from '../finding';
import type { SinkMessage } from './sink';

/** What a sink's record body is: the report's JSON line (`json`) or a Suricata EVE alert (`eve`). */
export const SINK_FORMATS = ['json'] as const;
export type SinkFormat = (typeof SINK_FORMATS)[number];

/**
 * A finding as a sink record. The body is the same JSON object the jsonl report
 * (scan) or the live stream writes, with `event` for live, so one parser reads
 * the file, the topic and the syslog alike.
 */
export function findingMessage(f: Finding, event: 'finding' | 'new' | 'update' | 'final'): SinkMessage {
  const { type, ...rest } = f;
  const body = event === 'finding' ? f : { type, event, ...rest };
  return {
    key: f.host,
    value: JSON.stringify(body),
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
