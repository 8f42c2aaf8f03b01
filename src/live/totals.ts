/** Totals over interfaces and threads for the stats lines and the summary of `poolwatch live`. */
import type { InterfaceStats, LiveStats, WorkerStats } from './engine';

export function sum(list: InterfaceStats[], pick: (s: InterfaceStats) => number | null): number | null {
  let total: number | null = null;
  for (const s of list) {
    const v = pick(s);
    if (v !== null) total = (total ?? 0) + v;
  }
  return total;
}

/** Counters for the stats line and the summary: per interface, per thread, and their totals. */
export function counters(st: LiveStats): { [k: string]: unknown } {
  const ifs = st.interfaces;
  return {
    received: sum(ifs, (s) => s.received),
    dropped: sum(ifs, (s) => s.dropped),
    freezes: sum(ifs, (s) => s.freezes),
    ifDropped: sum(ifs, (s) => s.ifDropped),
    queueDropped: sum(ifs, (s) => s.queueDropped) ?? 0,
  };
}

export function workerLines(ws: WorkerStats[]): { [k: string]: number }[] {
  return ws.map((w) => ({ worker: w.worker, packets: w.packets, flows: w.flows, cpuUserMs: w.cpuUserMs, cpuSystemMs: w.cpuSystemMs, dropped: w.dropped }));
}
