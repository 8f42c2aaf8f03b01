/**
 * Signature data (pool domains, allowlist, miner agents, method names, pool
 * ports) loaded from signatures/ and validated at load.
 *
 * Every file is line oriented, `#` starts a comment, columns are separated by
 * one or more TAB characters (so pool names may contain spaces). The format of
 * each file is described at its top and in signatures/README.md. Anything the
 * loader does not understand is a SignatureError naming file and line: a typo
 * in a site list must fail loudly rather than silently match nothing.
 */
import { join } from 'node:path';
import { packageRoot } from '../paths';
import { SuffixMap, domainProblem, normalizeName } from './domain';
import { methodDialectWords } from './registry';
import { SignatureError, listSignatureFolder, q, readSignatureFile } from './signature-file';

export { MAX_SIGNATURE_FILE_BYTES, SignatureError } from './signature-file';

export interface PoolDomain {
  /** Domain suffix, lower case, no trailing dot (e.g. "nanopool.org"). */
  suffix: string;
  pool: string;
  coins: string[];
}

/** Dialect words a method may name (the registry's records that read their method names from methods.txt). */
export type DialectWord = string;

/** Who sends a method: the miner (request), the pool (push), or either. */
export type MethodRole = 'client' | 'server' | 'both';

export interface MethodInfo {
  method: string;
  /** First is the dialect the name most often means; a name such as "job" is shared. */
  dialects: DialectWord[];
  role: MethodRole;
}

export interface AgentRule {
  family: string;
  match: 'prefix' | 'contains';
  /** Lower case. */
  pattern: string;
}

export interface SignatureSummary {
  pools: number;
  allowlist: number;
  agents: number;
  methods: number;
  ports: number;
}

export interface Signatures {
  /** The pool entry whose suffix matches `name` on a label boundary, unless the allowlist covers it. */
  matchPoolDomain(name: string): PoolDomain | null;
  /** True when `name` is on the allowlist (pool.ntp.org and the like). */
  isAllowed(name: string): boolean;
  /** Miner software family for an agent string ("XMRig/6.16.0 ..." -> "XMRig"), or null. */
  minerSoftware(agent: string): string | null;
  /** Dialect of a mining method name ("mining.subscribe" -> "stratum-v1"), or null. */
  methodDialect(method: string): string | null;
  /** True for a port pools commonly listen on (weak evidence on its own). */
  isPoolPort(port: number): boolean;
  /** Everything known about a method name (all dialects using it, who sends it), or null. */
  methodInfo(method: string): MethodInfo | null;
  /**
   * The methods a dialect's `role` side sends, by name alone (methods.txt):
   * a method either side sends ("both") is in neither set, since it cannot say
   * which side is the miner.
   */
  methodNames(dialect: DialectWord, role: 'client' | 'server'): ReadonlySet<string>;
  /** The note written for a pool port, or null when the port is not listed. */
  portNote(port: number): string | null;
  /** Entry counts per file, for `poolwatch signatures check`. */
  summary(): SignatureSummary;
  /** All pool entries, sorted by suffix. */
  pools(): readonly PoolDomain[];
}

export const SIGNATURE_FILES = ['pools.txt', 'allowlist.txt', 'agents.txt', 'methods.txt', 'ports.txt'] as const;

interface Tables {
  pools: Map<string, PoolDomain>;
  allow: Map<string, string>;
  agents: Map<string, AgentRule>;
  methods: Map<string, MethodInfo>;
  ports: Map<number, string>;
}

function emptyTables(): Tables {
  return { pools: new Map(), allow: new Map(), agents: new Map(), methods: new Map(), ports: new Map() };
}

function copyTables(t: Tables): Tables {
  return {
    pools: new Map(t.pools),
    allow: new Map(t.allow),
    agents: new Map(t.agents),
    methods: new Map(t.methods),
    ports: new Map(t.ports),
  };
}

/** One non-blank, non-comment line split into TAB-separated columns. */
interface Row {
  line: number;
  cols: string[];
}

function rows(text: string): Row[] {
  const out: Row[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const hash = lines[i].indexOf('#');
    const body = (hash >= 0 ? lines[i].slice(0, hash) : lines[i]).trim();
    if (body.length === 0) continue;
    out.push({ line: i + 1, cols: body.split(/\t+/).map((c) => c.trim()) });
  }
  return out;
}

type Fail = (line: number, detail: string) => never;

function columns(row: Row, fail: Fail, min: number, max: number, names: string): void {
  if (row.cols.length < min) {
    const hint = row.cols.some((c) => / /.test(c)) ? ' (columns are separated by tabs, not spaces)' : '';
    fail(row.line, `expected ${names} separated by tabs, found ${row.cols.length} column(s)${hint}`);
  }
  if (row.cols.length > max) {
    fail(row.line, `unknown column ${max + 1} '${q(row.cols[max])}' (expected ${names})`);
  }
}

function domainColumn(raw: string, line: number, fail: Fail): string {
  const name = raw.toLowerCase();
  const problem = domainProblem(name);
  if (problem !== null) {
    const hint = / /.test(raw) ? ' (columns are separated by tabs)' : '';
    fail(line, `bad domain '${q(raw)}': ${problem}${hint}`);
  }
  return name;
}

const COIN = /^[a-z0-9][a-z0-9-]*$/;

function parsePools(text: string, fail: Fail, into: Tables): void {
  const seen = new Map<string, number>();
  for (const row of rows(text)) {
    columns(row, fail, 3, 3, 'domain, pool name, coins');
    const suffix = domainColumn(row.cols[0], row.line, fail);
    const first = seen.get(suffix);
    if (first !== undefined) fail(row.line, `duplicate domain '${q(suffix)}' (first on line ${first})`);
    seen.set(suffix, row.line);
    const pool = row.cols[1];
    if (pool === '-' || pool.length === 0) fail(row.line, `pool name missing for '${q(suffix)}'`);
    const coins: string[] = [];
    if (row.cols[2] !== '-') {
      for (const c of row.cols[2].toLowerCase().split(',')) {
        const coin = c.trim();
        if (!COIN.test(coin)) fail(row.line, `bad coin '${q(c)}' (comma-separated tickers, or - when unknown)`);
        if (!coins.includes(coin)) coins.push(coin);
      }
    }
    into.pools.set(suffix, { suffix, pool, coins });
  }
}

function parseAllowlist(text: string, fail: Fail, into: Tables): void {
  const seen = new Map<string, number>();
  for (const row of rows(text)) {
    columns(row, fail, 1, 2, 'domain, optional note');
    const suffix = domainColumn(row.cols[0], row.line, fail);
    const first = seen.get(suffix);
    if (first !== undefined) fail(row.line, `duplicate domain '${q(suffix)}' (first on line ${first})`);
    seen.set(suffix, row.line);
    into.allow.set(suffix, row.cols[1] ?? '');
  }
}

function parseAgents(text: string, fail: Fail, into: Tables): void {
  const seen = new Map<string, number>();
  for (const row of rows(text)) {
    if (row.cols.length === 2) fail(row.line, `empty agent pattern for '${q(row.cols[0])}'`);
    columns(row, fail, 3, 3, 'family, prefix|contains, pattern');
    const [family, match, raw] = row.cols;
    if (match !== 'prefix' && match !== 'contains') {
      fail(row.line, `unknown match kind '${q(match)}' (prefix or contains)`);
    }
    const pattern = raw.toLowerCase();
    // A one-character pattern would tag half of all agent strings.
    if (pattern.length < 2) fail(row.line, `agent pattern '${q(raw)}' too short (at least 2 characters)`);
    if (/[\x00-\x1f\x7f]/.test(pattern)) fail(row.line, 'control character in agent pattern');
    const key = `${match}:${pattern}`;
    const first = seen.get(key);
    if (first !== undefined) fail(row.line, `duplicate agent pattern ${match} '${q(raw)}' (first on line ${first})`);
    seen.set(key, row.line);
    into.agents.set(key, { family, match, pattern });
  }
}

const METHOD = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function parseMethods(text: string, fail: Fail, into: Tables): void {
  const seen = new Map<string, number>();
  for (const row of rows(text)) {
    columns(row, fail, 3, 3, 'method, dialect[,dialect], client|server|both');
    const [method, dialectCol, role] = row.cols;
    if (!METHOD.test(method)) fail(row.line, `bad method name '${q(method)}'`);
    const first = seen.get(method);
    if (first !== undefined) fail(row.line, `duplicate method '${q(method)}' (first on line ${first})`);
    seen.set(method, row.line);
    const dialects: DialectWord[] = [];
    const known = methodDialectWords();
    for (const d of dialectCol.split(',')) {
      const word = d.trim();
      if (!known.includes(word)) fail(row.line, `unknown dialect '${q(word)}' (known: ${known.join(', ')})`);
      if (dialects.includes(word)) fail(row.line, `dialect '${q(word)}' listed twice`);
      dialects.push(word);
    }
    if (role !== 'client' && role !== 'server' && role !== 'both') {
      fail(row.line, `unknown role '${q(role)}' (client, server or both)`);
    }
    into.methods.set(method, { method, dialects, role });
  }
}

function parsePorts(text: string, fail: Fail, into: Tables): void {
  const seen = new Map<number, number>();
  for (const row of rows(text)) {
    columns(row, fail, 1, 2, 'port, optional note');
    const raw = row.cols[0];
    const port = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(port >= 1 && port <= 65535)) fail(row.line, `bad port '${q(raw)}' (1-65535)`);
    const first = seen.get(port);
    if (first !== undefined) fail(row.line, `duplicate port ${port} (first on line ${first})`);
    seen.set(port, row.line);
    into.ports.set(port, row.cols[1] ?? '');
  }
}

const PARSERS: Record<(typeof SIGNATURE_FILES)[number], (text: string, fail: Fail, into: Tables) => void> = {
  'pools.txt': parsePools,
  'allowlist.txt': parseAllowlist,
  'agents.txt': parseAgents,
  'methods.txt': parseMethods,
  'ports.txt': parsePorts,
};

function isSignatureFile(name: string): name is (typeof SIGNATURE_FILES)[number] {
  return (SIGNATURE_FILES as readonly string[]).includes(name);
}

/**
 * Reads one signature folder into `into` (entries from a later folder replace
 * equal keys of an earlier one). `shown` is the folder as error messages name it.
 */
function loadDir(dir: string, shown: string, into: Tables): void {
  for (const name of listSignatureFolder(dir, shown)) {
    const file = `${shown}/${name}`;
    // Editor and OS droppings are not typos of a signature file name.
    if (name.startsWith('.') || /^README(\.md|\.txt)?$/i.test(name)) continue;
    if (!isSignatureFile(name)) {
      throw new SignatureError(file, 0, `unknown signature file (expected one of ${SIGNATURE_FILES.join(', ')})`);
    }
    const text = readSignatureFile(join(dir, name), file);
    const fail: Fail = (line, detail) => {
      throw new SignatureError(file, line, detail);
    };
    PARSERS[name](text, fail, into);
  }
}

const NO_METHODS: ReadonlySet<string> = new Set();

class LoadedSignatures implements Signatures {
  private readonly poolMap = new SuffixMap<PoolDomain>();
  private readonly allowMap = new SuffixMap<string>();
  /** Longest pattern first, so "xmrig-proxy" beats "xmrig" and "sgminer" beats "gminer". */
  private readonly agentRules: AgentRule[];
  private readonly methodMap: Map<string, MethodInfo>;
  /** Per dialect, the method names each side sends, built once from methodMap. */
  private readonly methodSets = new Map<string, { client: Set<string>; server: Set<string> }>();
  /** One byte per port: no hashing and no allocation on the per-packet path. */
  private readonly portBits = new Uint8Array(65536);
  private readonly portNotes: Map<number, string>;

  constructor(t: Tables) {
    for (const [k, v] of t.pools) this.poolMap.set(k, v);
    for (const [k, v] of t.allow) this.allowMap.set(k, v);
    this.agentRules = [...t.agents.values()].sort(
      (a, b) => b.pattern.length - a.pattern.length || (a.match === 'prefix' ? -1 : 1) - (b.match === 'prefix' ? -1 : 1),
    );
    this.methodMap = t.methods;
    for (const m of t.methods.values()) {
      if (m.role === 'both') continue;
      for (const d of m.dialects) {
        let sets = this.methodSets.get(d);
        if (sets === undefined) this.methodSets.set(d, (sets = { client: new Set(), server: new Set() }));
        sets[m.role].add(m.method);
      }
    }
    this.portNotes = t.ports;
    for (const p of t.ports.keys()) this.portBits[p] = 1;
  }

  matchPoolDomain(name: string): PoolDomain | null {
    const n = normalizeName(name);
    if (this.allowMap.covers(n)) return null;
    return this.poolMap.longest(n) ?? null;
  }

  isAllowed(name: string): boolean {
    return this.allowMap.covers(normalizeName(name));
  }

  minerSoftware(agent: string): string | null {
    const a = agent.toLowerCase();
    for (const r of this.agentRules) {
      if (r.match === 'prefix' ? a.startsWith(r.pattern) : a.includes(r.pattern)) return r.family;
    }
    return null;
  }

  methodDialect(method: string): string | null {
    const m = this.methodMap.get(method);
    return m === undefined ? null : m.dialects[0];
  }

  methodInfo(method: string): MethodInfo | null {
    return this.methodMap.get(method) ?? null;
  }

  methodNames(dialect: DialectWord, role: 'client' | 'server'): ReadonlySet<string> {
    return this.methodSets.get(dialect)?.[role] ?? NO_METHODS;
  }

  isPoolPort(port: number): boolean {
    return port >= 0 && port < 65536 && this.portBits[port] === 1;
  }

  portNote(port: number): string | null {
    return this.portNotes.get(port) ?? null;
  }

  summary(): SignatureSummary {
    return {
      pools: this.poolMap.size,
      allowlist: this.allowMap.size,
      agents: this.agentRules.length,
      methods: this.methodMap.size,
      ports: this.portNotes.size,
    };
  }

  pools(): readonly PoolDomain[] {
    return [...this.poolMap.values()].sort((a, b) => (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0));
  }
}

let builtinTables: Tables | null = null;
let builtinSignatures: Signatures | null = null;

function builtin(): Tables {
  if (builtinTables === null) {
    const t = emptyTables();
    loadDir(join(packageRoot(), 'signatures'), 'signatures', t);
    builtinTables = t;
  }
  return builtinTables;
}

/**
 * The shipped signatures/ (parsed once per process) plus, in order, each extra
 * folder's files of the same names. Extra folders add entries (or replace an
 * entry with the same key); their allowlist entries beat any pool entry.
 */
export function loadSignatures(extraDirs: string[] = []): Signatures {
  if (extraDirs.length === 0) {
    builtinSignatures ??= new LoadedSignatures(builtin());
    return builtinSignatures;
  }
  const t = copyTables(builtin());
  for (const dir of extraDirs) loadDir(dir, dir.replace(/\/+$/, ''), t);
  return new LoadedSignatures(t);
}

/** Only the given folders, without the shipped files (for checking a site list on its own). */
export function loadSignatureDirs(dirs: string[]): Signatures {
  const t = emptyTables();
  for (const dir of dirs) loadDir(dir, dir.replace(/\/+$/, ''), t);
  return new LoadedSignatures(t);
}
