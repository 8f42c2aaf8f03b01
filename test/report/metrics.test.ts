/**
 * Live's Prometheus metrics: scraped over HTTP on loopback and read back from
 * the exposition text, and scraped by a real Prometheus (test/servers).
 */
import { createServer } from 'node:net';
import { Metrics, byConfidence, parseListen, startMetrics, type LiveStats } from '../../src/report/metrics';
import { Prometheus } from '../servers/prometheus';
import { waitFor } from '../servers/process';
import { makeFindings } from './sinks/findings';

/** The samples of an exposition: `name{a="b",...}` -> value; and each metric's TYPE. */
function parseExposition(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) {
      types.set(t[1], t[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`not an exposition line: ${line}`);
    const labels = m[2] ? m[2].slice(1, -1).split(',').filter(Boolean).sort().join(',') : '';
    samples.set(labels ? `${m[1]}{${labels}}` : m[1], Number(m[3]));
  }
  return { samples, types };
}

function stats(over: Partial<LiveStats> = {}): LiveStats {
  return {
    packets: 1000,
    bytes: 640_000,
    flows: 12,
    findings: { high: 2, medium: 1, low: 0 },
    interfaces: [
      { name: 'eth1', received: 700, dropped: 5, ifDropped: 0, queueDropped: 3, up: true },
      { name: 'eth2', received: 300, dropped: null, ifDropped: null, queueDropped: 0, up: false },
    ],
    sinks: [{ name: 'kafka:findings', sent: 3, backlog: 2, failed: 1, lastError: 'x' }],
    ...over,
  };
}

async function scrape(port: number, path = '/metrics', method = 'GET'): Promise<{ status: number; type: string | null; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
}

describe('metrics over HTTP', () => {
  let m: Metrics;
  let port: number;
  beforeAll(async () => {
    m = new Metrics();
    port = (await m.listen('127.0.0.1', 0)).port;
  });
  afterAll(async () => {
    await m.close();
  });

  test('a scrape shows packets, bytes, per-interface kernel, NIC and queue drops, flows, findings, sinks', async () => {
    m.observeStats(stats({ findings: byConfidence(makeFindings(5)) }));
    const r = await scrape(port);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples, types } = parseExposition(r.body);
    expect(samples.get('poolwatch_packets_total')).toBe(1000);
    expect(samples.get('poolwatch_bytes_total')).toBe(640_000);
    expect(samples.get('poolwatch_interface_received_packets_total{interface="eth1"}')).toBe(700);
    expect(samples.get('poolwatch_interface_kernel_dropped_packets_total{interface="eth1"}')).toBe(5);
    expect(samples.get('poolwatch_interface_nic_dropped_packets_total{interface="eth1"}')).toBe(0);
    expect(samples.get('poolwatch_interface_queue_dropped_packets_total{interface="eth1"}')).toBe(3);
    // Unknown stays absent rather than a made-up zero.
    expect(samples.has('poolwatch_interface_kernel_dropped_packets_total{interface="eth2"}')).toBe(false);
    expect(samples.get('poolwatch_interface_up{interface="eth1"}')).toBe(1);
    expect(samples.get('poolwatch_interface_up{interface="eth2"}')).toBe(0);
    expect(samples.get('poolwatch_flows')).toBe(12);
    // makeFindings(5): four sessions whose agents the detector takes (high), one it does not (medium).
    expect(samples.get('poolwatch_findings{confidence="high"}')).toBe(4);
    expect(samples.get('poolwatch_findings{confidence="medium"}')).toBe(1);
    expect(samples.get('poolwatch_findings{confidence="low"}')).toBe(0);
    expect(samples.get('poolwatch_sink_backlog{sink="kafka:findings"}')).toBe(2);
    expect(samples.get('poolwatch_sink_sent_total{sink="kafka:findings"}')).toBe(3);
    expect(samples.get('poolwatch_sink_failed_total{sink="kafka:findings"}')).toBe(1);
    expect(types.get('poolwatch_packets_total')).toBe('counter');
    expect(types.get('poolwatch_flows')).toBe('gauge');
    expect(samples.get('poolwatch_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test('totals given again grow the counters by the difference; a total that went back starts afresh', async () => {
    m.observeStats(stats({ packets: 1500, interfaces: [{ name: 'eth1', received: 900, dropped: 5, ifDropped: 0, queueDropped: 10, up: true }] }));
    let s = parseExposition((await scrape(port)).body).samples;
    expect(s.get('poolwatch_packets_total')).toBe(1500);
    expect(s.get('poolwatch_interface_received_packets_total{interface="eth1"}')).toBe(900);
    expect(s.get('poolwatch_interface_queue_dropped_packets_total{interface="eth1"}')).toBe(10);
    // The capture process of eth1 restarted: its counter began at 0 again and is now 40.
    m.observeStats(stats({ packets: 1600, interfaces: [{ name: 'eth1', received: 40, dropped: 5, ifDropped: 0, queueDropped: 10, up: true }] }));
    s = parseExposition((await scrape(port)).body).samples;
    expect(s.get('poolwatch_interface_received_packets_total{interface="eth1"}')).toBe(940);
  });

  test('other paths and methods get 404 and 405; HEAD gets headers only', async () => {
    expect((await scrape(port, '/nope')).status).toBe(404);
    expect((await scrape(port, '/metrics', 'POST')).status).toBe(405);
    const h = await scrape(port, '/metrics', 'HEAD');
    expect(h.status).toBe(200);
    expect(h.body).toBe('');
  });

  test('listen errors and bad addresses are one line naming the option', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const p = (busy.address() as { port: number }).port;
    try {
      await expect(startMetrics(`127.0.0.1:${p}`)).rejects.toThrow(`--metrics-listen 127.0.0.1:${p}: address already in use`);
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    for (const bad of ['9464', 'host', 'h:99999', '[zz]:1', 'a b:1']) expect(() => parseListen(bad)).toThrow(/^--metrics-listen "/);
  });
});

const skip = Prometheus.unavailable();
(skip === null ? describe : describe.skip)('metrics scraped by a real Prometheus', () => {
  test('the target is up and a counter reads what was observed', async () => {
    const metrics = await startMetrics('127.0.0.1:0');
    const port = metrics.address!.port;
    const prom = new Prometheus();
    try {
      metrics.observeStats(stats({ packets: 4242 }));
      await prom.start(`127.0.0.1:${port}`);
      const up = await waitFor('Prometheus to scrape the target', 20_000, async () => {
        const r = await prom.query('up{job="poolwatch"}');
        return r.length > 0 && r[0].value[1] === '1' ? r : undefined;
      });
      expect(up[0].metric.instance).toBe(`127.0.0.1:${port}`);
      const packets = await waitFor('poolwatch_packets_total in Prometheus', 10_000, async () => {
        const r = await prom.query('poolwatch_packets_total');
        return r.length > 0 ? r : undefined;
      });
      expect(Number(packets[0].value[1])).toBe(4242);
      const q = await prom.query('poolwatch_interface_queue_dropped_packets_total{interface="eth1"}');
      expect(Number(q[0].value[1])).toBe(3);
    } finally {
      await prom.stop();
      await metrics.close();
    }
  }, 60_000);
});
