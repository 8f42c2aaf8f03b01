/**
 * What the dialect modules share for one flow: the Evidence being filled, the
 * requests still waiting for an answer, the current share difficulty, and
 * helpers that keep side, level and protocol consistent across dialects.
 */
import { Direction, Evidence, LEVEL_HIGH, LEVEL_MEDIUM } from '../evidence';
import type { Signatures } from '../signatures';
import { coinFromWallet, splitLogin } from '../wallet';

/** A parsed JSON-RPC line. Values are whatever JSON.parse produced. */
export type Msg = { [key: string]: unknown };

/** One family of JSON-RPC mining messages (one file each, like nDPI's protocol folder). */
export interface LineDialect {
  /** A message carrying "method": true when it belongs to this dialect (and was recorded). */
  request(c: Ctx, dir: Direction, method: string, m: Msg): boolean;
  /** An answer to a request this dialect registered with `c.expect` (`method` is that request's). */
  response(c: Ctx, dir: Direction, method: string, m: Msg): boolean;
  /** An answer whose request was not seen (capture began later): recognise it by shape, or return false. */
  orphan(c: Ctx, dir: Direction, m: Msg): boolean;
}

const MAX_PENDING = 16;

export class Ctx {
  ev: Evidence = null as unknown as Evidence;
  /** Some mining message was recognised on this flow. */
  found = false;
  /** Current share difficulty, applied to each accepted share. */
  difficulty: number | null = null;
  private rank = 0;
  /** "<request dir>:<id>" -> method, oldest first; bounded; created on the first request. */
  private pending: Map<string, string> | null = null;

  constructor(readonly sigs: Signatures) {}

  /** Mining content from the miner, seen travelling in `dir`. */
  miner(dir: Direction, note: string): void {
    const ev = this.ev;
    if (ev.minerDirection === -1) ev.minerDirection = dir;
    ev.minerSpoke = true;
    this.spoke(note);
  }

  /** Mining content from the pool, seen travelling in `dir`. */
  pool(dir: Direction, note: string): void {
    const ev = this.ev;
    if (ev.minerDirection === -1) ev.minerDirection = dir === 0 ? 1 : 0;
    ev.poolSpoke = true;
    this.spoke(note);
  }

  private spoke(note: string): void {
    this.found = true;
    const ev = this.ev;
    ev.raise(ev.minerSpoke && ev.poolSpoke ? LEVEL_HIGH : LEVEL_MEDIUM);
    if (note) ev.note(note);
  }

  /**
   * Protocol word with a rank: a generic guess (stratum-v1, cryptonote: 1) gives
   * way to a specific one seen later (ethereum-stratum, grin, beam: 2).
   */
  protocol(word: string, rank: number): void {
    if (rank > this.rank || this.ev.protocol === null) {
      this.rank = Math.max(rank, this.rank);
      this.ev.protocol = word;
    }
  }

  get protocolRank(): number {
    return this.rank;
  }

  /** Remembers a request so its answer (travelling the other way) can be attributed. */
  expect(dir: Direction, id: unknown, method: string): void {
    if (id === null || id === undefined || typeof id === 'object') return;
    const key = `${dir}:${String(id)}`;
    const pending = (this.pending ??= new Map());
    pending.delete(key);
    if (pending.size >= MAX_PENDING) {
      const oldest = pending.keys().next().value;
      if (oldest !== undefined) pending.delete(oldest);
    }
    pending.set(key, method);
  }

  /** The method of the request answered by a response travelling in `dir`, consumed. */
  answered(dir: Direction, id: unknown): string | undefined {
    if (id === null || id === undefined || typeof id === 'object' || this.pending === null) return undefined;
    const key = `${dir === 0 ? 1 : 0}:${String(id)}`;
    const method = this.pending.get(key);
    if (method !== undefined) this.pending.delete(key);
    return method;
  }

  /** A pool login ("wallet.worker", "wallet+diff", ...): sets login, worker and coin. */
  login(login: string): void {
    if (!login) return;
    const ev = this.ev;
    const parts = splitLogin(login);
    ev.login = parts.wallet || login;
    if (parts.worker && !ev.worker) ev.worker = parts.worker;
    const coin = coinFromWallet(login);
    if (coin) ev.coin = coin;
  }

  worker(worker: unknown): void {
    if (typeof worker === 'string' && worker && worker !== 'x') this.ev.worker = worker;
  }

  agent(agent: unknown): void {
    if (typeof agent !== 'string' || !agent) return;
    const ev = this.ev;
    ev.agent = agent.slice(0, 200);
    const sw = this.sigs.minerSoftware(agent);
    if (sw) ev.minerSoftware = sw;
  }

  setDifficulty(d: number, target?: string): void {
    if (!Number.isFinite(d) || d <= 0) return;
    this.difficulty = d;
    this.ev.difficulty = d;
    if (target !== undefined) this.ev.target = target;
  }

  job(): void {
    this.ev.jobs++;
  }

  submitted(): void {
    this.ev.sharesSubmitted++;
  }

  accepted(): void {
    this.ev.sharesAccepted++;
    if (this.difficulty !== null) this.ev.acceptedWork += this.difficulty;
  }

  rejected(reason: string | null): void {
    this.ev.sharesRejected++;
    if (reason) this.ev.note(`pool rejected a share: ${reason.slice(0, 80)}`);
  }
}

// Small readers for parsed JSON, so dialects stay strict without casts everywhere.

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function arr(v: unknown): unknown[] | null {
  return Array.isArray(v) ? v : null;
}

export function obj(v: unknown): Msg | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Msg) : null;
}

export function isHex(v: unknown, min = 1, max = 1024): v is string {
  if (typeof v !== 'string') return false;
  const s = v.startsWith('0x') ? v.slice(2) : v;
  return s.length >= min && s.length <= max && /^[0-9a-fA-F]+$/.test(s);
}

/** Error text of a JSON-RPC error member (object with message, array [code, message], or string). */
export function errorText(e: unknown): string | null {
  if (e === null || e === undefined || e === false) return null;
  if (typeof e === 'string') return e;
  const o = obj(e);
  if (o) return str(o.message) ?? `code ${String(o.code)}`;
  const a = arr(e);
  if (a) return a.length > 1 && typeof a[1] === 'string' ? a[1] : JSON.stringify(a).slice(0, 80);
  return String(e);
}
