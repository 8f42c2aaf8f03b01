/**
 * Why the flow table is not lru-cache: per-packet lookup cost of the flow
 * table against lru-cache used the way a flow table needs it (capped, idle
 * TTL in capture time, age refreshed on every get) and a bare Map, on the
 * same packet sequence, in one run, alternating rounds.
 *   npx tsc -p . && node dist/bench/flow-table.js [flows] [packets]
 */
import { LRUCache } from 'lru-cache';
import { Packet } from '../src/decode/packet';
import { FlowTable, endpointHash } from '../src/flow/table';

const flows = Number(process.argv[2] ?? 50_000);
const packets = Number(process.argv[3] ?? 4_000_000);

// A reproducible packet sequence: Zipf-like reuse of flows, both directions.
const src = new Uint32Array(packets);
const dst = new Uint32Array(packets);
const sport = new Uint16Array(packets);
const dport = new Uint16Array(packets);
let x = 12345;
for (let i = 0; i < packets; i++) {
  x = (Math.imul(x, 1103515245) + 12345) >>> 0;
  const f = Math.floor(((x >>> 8) / (1 << 24)) ** 3 * flows);
  const reverse = (x & 1) === 1;
  const a = (0x0a000000 + f) >>> 0;
  const b = 0xc6336400 + (f % 200);
  src[i] = reverse ? b : a;
  dst[i] = reverse ? a : b;
  sport[i] = reverse ? 443 : 30000 + (f % 30000);
  dport[i] = reverse ? 30000 + (f % 30000) : 443;
}

const p = new Packet();
p.ipVersion = 4;
p.protocol = 6;
p.tcpFlags = 0x10;
function load(i: number): void {
  p.src0 = src[i];
  p.dst0 = dst[i];
  p.srcPort = sport[i];
  p.dstPort = dport[i];
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / packets;
}

function runTable(): number {
  const t = new FlowTable({ maxFlows: 262144, idleTimeoutMs: 600_000, onEnd: () => {} });
  return time(() => {
    for (let i = 0; i < packets; i++) {
      load(i);
      t.now = i;
      t.lookup(p, endpointHash(p)).lastMs = i;
    }
  });
}

function runLru(): number {
  let now = 0;
  const c = new LRUCache<number, { n: number }>({ max: 262144, ttl: 600_000, ttlResolution: 0, updateAgeOnGet: true, perf: { now: () => now } });
  return time(() => {
    for (let i = 0; i < packets; i++) {
      load(i);
      now = i;
      const h = endpointHash(p);
      const v = c.get(h);
      if (v === undefined) c.set(h, { n: 1 });
      else v.n++;
    }
  });
}

function runMap(): number {
  const m = new Map<number, { n: number }>();
  return time(() => {
    for (let i = 0; i < packets; i++) {
      load(i);
      const h = endpointHash(p);
      const v = m.get(h);
      if (v === undefined) m.set(h, { n: 1 });
      else v.n++;
    }
  });
}

function runHashOnly(): number {
  let acc = 0;
  const ns = time(() => {
    for (let i = 0; i < packets; i++) {
      load(i);
      acc ^= endpointHash(p);
    }
  });
  if (acc === 42) console.log('');
  return ns;
}

const results: { [k: string]: number[] } = { 'hash only (baseline)': [], 'poolwatch FlowTable': [], 'lru-cache (max+ttl)': [], 'Map (unbounded)': [] };
for (let round = 0; round < 3; round++) {
  results['hash only (baseline)'].push(runHashOnly());
  results['poolwatch FlowTable'].push(runTable());
  results['lru-cache (max+ttl)'].push(runLru());
  results['Map (unbounded)'].push(runMap());
}
const median = (a: number[]) => [...a].sort((u, v) => u - v)[Math.floor(a.length / 2)];
console.log(`${flows} flows, ${packets} packets, median of 3 rounds (ns per packet, including the hash):`);
for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(24)} ${median(r).toFixed(1)} ns`);
