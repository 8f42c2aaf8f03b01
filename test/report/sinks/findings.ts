/**
 * Real findings for the sink tests: XMRig-style sessions built as packet bytes
 * and run through the Analyzer, one per host, with miner agents that carry what
 * an attacker may put there (quotes, backslashes, `]`, line breaks, ESC, NUL,
 * a syslog header of their own, non-ASCII).
 */
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../../src/analyzer';
import { loadSignatures } from '../../../src/detect/signatures';
import type { Finding } from '../../../src/report/finding';
import { Conversation, type Timed, timedFrame } from '../../support/craft';

const WALLET = '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

export const HOSTILE_AGENTS = [
  'XMRig/6.16.0 (Linux x86_64) libuv/1.38.0 gcc/9.3.0',
  'XMRig/6.16.0 "quoted" back\\slash ]bracket[ =equals=',
  'XMRig/6.16.0\n<13>1 2026-01-01T00:00:00Z forged app - - - injected line\r\n',
  'XMRig/6.16.0 \u001b[31mred\u001b[0m \u0000nul \u007fdel \u0085nel \u2028ls',
  'XMRig/6.16.0 矿工 ☃ émoji 🚀 [poolwatch@32473 host="1.2.3.4"]',
];


function session(client: string, server: string, clientPort: number, agent: string, startMs: number): Conversation {
  const c = new Conversation({ client, server, clientPort, serverPort: 3333, startMs }).handshake();
  c.client(JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'login', params: { login: WALLET, pass: 'x', agent } }) + '\n');
  c.server(JSON.stringify({ id: 1, jsonrpc: '2.0', error: null, result: { id: 'a1', job: { blob: '0'.repeat(152), job_id: 'j1', target: 'b88d0600', algo: 'rx/0' }, status: 'OK' } }) + '\n');
  return c;
}

/**
 * `count` findings from `count` hosts (10.20.x.y), agents cycling through
 * HOSTILE_AGENTS, in host order.
 */
export function makeFindings(count: number): Finding[] {
  const a = new Analyzer(loadSignatures(), { ...DEFAULT_ANALYZER_OPTIONS });
  for (let i = 0; i < count; i++) {
    const host = `10.20.${((i + 1) >> 8) & 255}.${(i + 1) & 255}`;
    const c = session(host, '198.51.100.7', 40000 + (i % 20000), HOSTILE_AGENTS[i % HOSTILE_AGENTS.length], Date.UTC(2026, 0, 15, 9, 0, 0) + i * 10);
    for (const t of c.frames) a.frame(timedFrame(t));
  }
  const findings = a.finish();
  if (findings.length !== count) throw new Error(`expected ${count} findings from the crafted sessions, got ${findings.length}`);
  return findings;
}
