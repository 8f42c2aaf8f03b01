/**
 * The connections listed under a finding: made when a flagged flow ends or when a
 * report is written while it lasts, never per packet. The list is bounded (a miner
 * that reconnects every minute for a year makes half a million), keeping the
 * earliest, and counts what it left out.
 */
import type { DetectedFlow as Flow } from '../detect/inspector';
import { PROTO_TCP, communityIdOfWords } from './community-id';
import type { Connection } from './finding';

/** Connections listed per finding; the rest are counted in `connectionsOmitted`. */
export const MAX_CONNECTIONS = 100;

/** A connection as the aggregator keeps it: plain data (it crosses worker threads), times in ms. */
export type ConnectionRecord = Omit<Connection, 'firstSeen' | 'lastSeen'> & { firstMs: number; lastMs: number };

export function flowCommunityId(flow: Flow): string {
  return communityIdOfWords(flow.ipVersion, [flow.a0, flow.a1, flow.a2, flow.a3], [flow.b0, flow.b1, flow.b2, flow.b3], flow.aPort, flow.bPort, flow.protocol || PROTO_TCP);
}

export function connectionOf(flow: Flow, communityId: string, minerIsB: boolean): ConnectionRecord {
  return {
    srcPort: minerIsB ? flow.bPort : flow.aPort,
    communityId,
    firstMs: flow.firstMs,
    lastMs: flow.lastMs,
    packets: flow.packets0 + flow.packets1,
    bytes: flow.bytes0 + flow.bytes1,
  };
}

/** A total order, so the kept connections are the same whatever order flows ended in (and however many threads). */
function before(x: ConnectionRecord, y: ConnectionRecord): number {
  return x.firstMs - y.firstMs || x.lastMs - y.lastMs || x.srcPort - y.srcPort || (x.communityId < y.communityId ? -1 : x.communityId > y.communityId ? 1 : 0) || x.packets - y.packets || x.bytes - y.bytes;
}

/** Puts `c` in its place in the time-ordered `list`; past the bound the latest is dropped. Returns how many were dropped (0 or 1). */
export function keepConnection(list: ConnectionRecord[], c: ConnectionRecord): number {
  if (list.length >= MAX_CONNECTIONS && before(c, list[list.length - 1]) >= 0) return 1;
  let i = list.length;
  while (i > 0 && before(c, list[i - 1]) < 0) i--;
  list.splice(i, 0, c);
  if (list.length <= MAX_CONNECTIONS) return 0;
  list.pop();
  return 1;
}

function iso(ms: number): string {
  return new Date(Math.floor(ms)).toISOString();
}

export function connectionsOut(list: readonly ConnectionRecord[]): Connection[] {
  return list.map((c) => ({ srcPort: c.srcPort, communityId: c.communityId, firstSeen: iso(c.firstMs), lastSeen: iso(c.lastMs), packets: c.packets, bytes: c.bytes }));
}
