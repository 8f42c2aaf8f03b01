/**
 * Every protocol family poolwatch detects, in the order they are tried. The
 * engine builds its first-byte table from the stream records, the line
 * JSON-RPC session tries the dialect records in this order (the specific
 * EthereumStratum shapes before the generic mining.* handling), and the
 * report asks `protocolInfo` what a finding's protocol word means.
 * Adding a family: a folder under protocols/ exporting one `record`, and one
 * line here.
 */
import type { LineDialect } from './jsonrpc/context';
import { record as jsonRpcLines } from './jsonrpc';
import { record as beam } from './protocols/beam/beam';
import { record as cryptonote } from './protocols/cryptonote';
import { record as dns } from './protocols/dns';
import { record as ethProxy } from './protocols/eth-proxy';
import { record as ethereumStratum } from './protocols/ethereum-stratum';
import { record as getwork } from './protocols/getwork';
import { record as grin } from './protocols/grin/grin';
import { record as http } from './protocols/http';
import { record as nodeP2p } from './protocols/node-p2p';
import { record as stratumV1 } from './protocols/stratum-v1';
import { record as stratumV2 } from './protocols/stratum-v2';
import { record as tls } from './protocols/tls';
import type { DifficultyUnit, ProtocolRecord } from './record';

export type { DifficultyUnit, MakeContext, ProtocolRecord, StreamEntry, StreamWants } from './record';

export const RECORDS: readonly ProtocolRecord[] = [
  dns,
  jsonRpcLines,
  tls,
  getwork,
  http,
  nodeP2p,
  stratumV2,
  ethereumStratum,
  stratumV1,
  ethProxy,
  beam,
  grin,
  cryptonote,
];

const byName = new Map(RECORDS.map((r) => [r.name, r]));

/** The line dialects, in the order the session tries them. */
export function lineDialects(): readonly LineDialect[] {
  const out: LineDialect[] = [];
  for (const r of RECORDS) if (r.dialect !== undefined) out.push(r.dialect);
  return out;
}

/** Dialect words a line of signatures/methods.txt may name. */
export function methodDialectWords(): readonly string[] {
  return RECORDS.filter((r) => r.methodNames === true).map((r) => r.name);
}

export interface ProtocolInfo {
  carriesMiningContent: boolean;
  difficulty: DifficultyUnit | null;
}

/** What the report needs to know about a finding's protocol word; undefined for words no record owns (http-connect, tcp). */
export function protocolInfo(name: string): ProtocolInfo | undefined {
  const r = byName.get(name);
  return r === undefined ? undefined : { carriesMiningContent: r.carriesMiningContent, difficulty: r.difficulty };
}
