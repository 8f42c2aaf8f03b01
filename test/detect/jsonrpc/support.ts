/** Shared pieces for the JSON-RPC detector tests: a small Signatures double and stream feeding. */
import { Direction, Evidence } from '../../../src/detect/evidence';
import { loadSignatures, type Signatures } from '../../../src/detect/signatures';
import { JsonRpcSession } from '../../../src/detect/jsonrpc/session';

const AGENTS: [RegExp, string][] = [
  [/^xmrig/i, 'XMRig'],
  [/^cpuminer/i, 'cpuminer'],
  [/^ethminer/i, 'ethminer'],
  [/^nheqminer|^EWBF/i, 'Equihash miner'],
  [/^bmminer|^cgminer/i, 'cgminer'],
  [/^grin-miner/i, 'grin-miner'],
  [/^SRBMiner/i, 'SRBMiner'],
];

/** The method names come from the shipped methods.txt, which builds the dialects' method sets. */
const shipped = loadSignatures();

export const sigs: Signatures = {
  matchPoolDomain: () => null,
  isAllowed: () => false,
  minerSoftware(agent: string): string | null {
    for (const [re, name] of AGENTS) if (re.test(agent)) return name;
    return null;
  },
  methodDialect: () => null,
  isPoolPort: (port: number) => port === 3333 || port === 4444,
  methodInfo: () => null,
  methodNames: (dialect, role) => shipped.methodNames(dialect, role),
  portNote: () => null,
  summary: () => ({ pools: 0, allowlist: 0, agents: AGENTS.length, methods: 0, ports: 2 }),
  pools: () => [],
};

export type Step = [Direction, string];

export interface Run {
  ev: Evidence;
  /** Last code returned per direction (-1 if never fed). */
  last: [number, number];
  codes: number[];
  session: JsonRpcSession;
}

/** Feeds each step's bytes; `chunks` cuts one step's bytes into the pieces handed over. */
export function run(steps: Step[], chunks: (b: Buffer) => Buffer[] = (b) => [b], session = new JsonRpcSession(sigs), ev = new Evidence()): Run {
  const last: [number, number] = [-1, -1];
  const codes: number[] = [];
  for (const [dir, text] of steps) {
    for (const piece of chunks(Buffer.from(text, 'utf8'))) {
      // Hand over a view into a larger buffer, as the flow layer does, to check start/end are honoured.
      const host = Buffer.concat([Buffer.from('JUNK\n'), piece, Buffer.from('\nJUNK')]);
      const code = session.feed(dir, host, 5, 5 + piece.length, ev);
      last[dir] = code;
      codes.push(code);
    }
  }
  return { ev, last, codes, session };
}

export function splitAt(k: number): (b: Buffer) => Buffer[] {
  return (b) => (k <= 0 || k >= b.length ? [b] : [b.subarray(0, k), b.subarray(k)]);
}

export function bytewise(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}

/** One line per message: JSON.stringify of an object, plus "\n". */
export function line(o: unknown, eol = '\n'): string {
  return JSON.stringify(o) + eol;
}
