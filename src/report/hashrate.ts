/**
 * The hash rate a finding's accepted shares support, and how sure that is.
 *
 * A pool credits a share of difficulty D when the miner found a hash below
 * the matching target, which takes D x H hashes on average, H being what one
 * unit of difficulty means in the dialect (and, for Stratum v1, the
 * algorithm). Shares arrive as a Poisson process, so n accepted shares in an
 * exposure window of T seconds estimate the rate as n·D·H/T, and the exact
 * (Garwood) interval for a Poisson count gives its 95 % bounds.
 *
 * The window is the time connected, first packet to last, of the
 * connections whose share difficulty was seen, overlaps counted once. It
 * does not depend on when the shares fell, which is what the Poisson
 * interval assumes; a window from the first share to the last starts and
 * ends on a share and so overstates the rate (two shares 11 ms apart gave
 * megahashes). It includes the login and the miner's start-up, so a short
 * session errs low, never high.
 *
 * Only accepted shares count: a rejected share is work the pool did not
 * credit, and the report's question is what compute was taken.
 */
import { protocolInfo } from '../detect/registry';

/** Fewer accepted shares than this, or a shorter window, gives a note instead of a number. */
export const MIN_SHARES = 5;
export const MIN_WINDOW_SECONDS = 60;

/** What a report's hash-rate fields hold (README "Report format"). */
export interface HashrateFields {
  hashrate: number | null;
  hashrateLow: number | null;
  hashrateHigh: number | null;
  hashrateWindowSeconds: number | null;
  hashrateNote: string | null;
  work: number | null;
  miningSeconds: number;
  reportedHashrate: number | null;
}

/** What the estimate is made from, once a pair's flows are folded together. */
export interface ShareTally {
  protocol: string;
  algorithms: readonly string[];
  /** The pool host name, which sometimes names the algorithm. */
  domain: string | null;
  /** Accepted shares on connections whose share difficulty was seen, and the sum of their difficulties. */
  shares: number;
  work: number;
  /** Time connected: all connections, and those whose share difficulty was seen (overlaps counted once). */
  miningMs: number;
  windowMs: number;
  /** Accepted shares on every connection, difficulty known or not. */
  sharesAccepted: number;
  reportedHashrate: number | null;
}

export type DifficultyUnit = { hashes: number; family: string } | { hashes: null; why: string };

const SHA256D = new Set(['sha256', 'sha256d', 'sha-256', 'sha-256d', 'bitcoin']);
const SCRYPT = new Set(['scrypt']);

/** NiceHash names each algorithm's stratum host after it (sha256asicboost.auto.nicehash.com, scrypt.auto.nicehash.com). */
const NAMED_HOST = /^(sha256asicboost|sha256|scrypt)\.(?:[a-z0-9-]+\.)*nicehash\.com$/;

/** The algorithm the traffic names: offered by the miner, or in the pool's host name. */
export function namedAlgorithms(algorithms: readonly string[], domain: string | null): string[] {
  const out = algorithms.map((a) => a.toLowerCase());
  const m = domain !== null ? NAMED_HOST.exec(domain.toLowerCase()) : null;
  if (m !== null) out.push(m[1] === 'scrypt' ? 'scrypt' : 'sha256d');
  return out;
}

/**
 * Hashes one unit of share difficulty stands for. Where the dialect does not
 * fix it and the traffic does not name the algorithm, null with the reason:
 * a guess would be off by 2^16 between SHA-256d and Scrypt.
 */
export function difficultyUnit(protocol: string, algorithms: readonly string[]): DifficultyUnit {
  // The detector's registration record says what its difficulty counts (src/detect/registry.ts).
  const unit = protocolInfo(protocol)?.difficulty ?? null;
  if (unit === null) return { hashes: null, why: `shares are not visible in ${protocol} traffic` };
  if (unit.kind === 'fixed') return { hashes: unit.hashesPerUnit, family: unit.family };
  if (unit.kind === 'none') return { hashes: null, why: unit.why };
  const algos = algorithms.map((a) => a.toLowerCase());
  if (algos.some((a) => SHA256D.has(a))) return { hashes: 2 ** 32, family: 'SHA-256d (difficulty 1 = 2^32 hashes)' };
  if (algos.some((a) => SCRYPT.has(a))) return { hashes: 2 ** 16, family: 'Scrypt (difficulty 1 = 2^16 hashes)' };
  return { hashes: null, why: unit.why };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised lower incomplete gamma P(a, x): series below a + 1, continued fraction above. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lead = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let k = 1; k < 100000; k++) {
      term *= x / (a + k);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return Math.min(1, sum * Math.exp(lead));
  }
  // Lentz's method for the continued fraction of Q(a, x).
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.max(0, 1 - Math.exp(lead) * h);
}

/** The x with P(a, x) = p, by bisection (P rises with x). */
function gammaQuantile(a: number, p: number): number {
  let lo = 0;
  let hi = a + 20 * Math.sqrt(a) + 20;
  while (gammaP(a, hi) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (gammaP(a, mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Exact (Garwood) two-sided interval for the mean of a Poisson count n:
 * chi2(α/2, 2n)/2 .. chi2(1-α/2, 2n+2)/2, written through the gamma
 * distribution (chi2 with 2k degrees of freedom, halved, is Gamma(k, 1)).
 */
export function poissonInterval(n: number, level = 0.95): [number, number] {
  const alpha = 1 - level;
  return [n === 0 ? 0 : gammaQuantile(n, alpha / 2), gammaQuantile(n + 1, 1 - alpha / 2)];
}

/** Six significant digits: a rate's precision is its interval, not the float's. */
function sig(x: number): number {
  return Number(x.toPrecision(6));
}

function secondsText(s: number): string {
  return s < 1 ? s.toFixed(3) : s < 10 ? s.toFixed(1) : s.toFixed(0);
}

/** The report's hash-rate fields from a pair's folded shares. */
export function estimateHashrate(t: ShareTally): HashrateFields {
  const unit = difficultyUnit(t.protocol, namedAlgorithms(t.algorithms, t.domain));
  const windowSeconds = t.windowMs > 0 ? t.windowMs / 1000 : null;
  const out: HashrateFields = {
    hashrate: null,
    hashrateLow: null,
    hashrateHigh: null,
    hashrateWindowSeconds: windowSeconds === null ? null : sig(windowSeconds),
    hashrateNote: null,
    work: unit.hashes !== null && windowSeconds !== null ? t.work * unit.hashes : null,
    miningSeconds: sig(Math.max(0, t.miningMs) / 1000),
    reportedHashrate: t.reportedHashrate,
  };
  if (unit.hashes === null) {
    out.hashrateNote = unit.why;
    return out;
  }
  if (t.sharesAccepted > 0 && (t.shares === 0 || t.work <= 0)) {
    // Accepted on connections that never showed the difficulty (a getwork submit on its own connection).
    out.work = null;
    out.hashrateNote = 'the difficulty of the accepted shares was not seen: no rate';
    return out;
  }
  if (windowSeconds === null) {
    out.hashrateNote = t.sharesAccepted > 0 ? 'the difficulty of the accepted shares was not seen: no rate' : 'no accepted share seen';
    return out;
  }
  if (t.shares < MIN_SHARES || windowSeconds < MIN_WINDOW_SECONDS) {
    out.hashrateNote = `too few shares (${t.shares} in ${secondsText(windowSeconds)} s; an estimate needs at least ${MIN_SHARES} over ${MIN_WINDOW_SECONDS} s)`;
    return out;
  }
  const hashes = t.work * unit.hashes;
  const rate = hashes / windowSeconds;
  const [lo, hi] = poissonInterval(t.shares);
  out.hashrate = sig(rate);
  // Shares of varying difficulty: the count's interval scaled by the mean difficulty.
  out.hashrateLow = sig((rate * lo) / t.shares);
  out.hashrateHigh = sig((rate * hi) / t.shares);
  out.hashrateNote = `${t.shares} accepted shares in ${secondsText(windowSeconds)} s; ${unit.family}; 95 % exact Poisson interval`;
  return out;
}

/** Fields of a finding that has no connection (a DNS lookup alone). */
export const NO_HASHRATE: Readonly<HashrateFields> = {
  hashrate: null, hashrateLow: null, hashrateHigh: null, hashrateWindowSeconds: null, hashrateNote: null, work: null, miningSeconds: 0, reportedHashrate: null,
};

/** The time parts of a flow record that folding must keep. */
export interface TimedShares {
  firstMs: number;
  lastMs: number;
  /** Time connected, and the part of it with the share difficulty known (ms, overlaps counted once). */
  miningMs: number;
  windowMs: number;
  windowShares: number;
  reportedHashrate: number | null;
}

/**
 * Folds the time parts of records sorted by first time: connected time and
 * window add up with overlaps counted once (exactly for single flows; a
 * record already folded counts at most its own total), and the latest
 * reported rate stands.
 */
export function foldShares(sorted: readonly TimedShares[]): Omit<TimedShares, 'firstMs' | 'lastMs'> {
  let miningMs = 0;
  let windowMs = 0;
  let windowShares = 0;
  let end = -Infinity;
  let windowEnd = -Infinity;
  let reported: number | null = null;
  let reportedAt = -Infinity;
  for (const r of sorted) {
    miningMs += Math.min(r.miningMs, Math.max(0, r.lastMs - Math.max(r.firstMs, end)));
    end = Math.max(end, r.lastMs);
    if (r.windowMs > 0 || r.windowShares > 0) {
      windowMs += Math.min(r.windowMs, Math.max(0, r.lastMs - Math.max(r.firstMs, windowEnd)));
      windowEnd = Math.max(windowEnd, r.lastMs);
    }
    windowShares += r.windowShares;
    if (r.reportedHashrate !== null && r.lastMs >= reportedAt) {
      reported = r.reportedHashrate;
      reportedAt = r.lastMs;
    }
  }
  return { miningMs, windowMs, windowShares, reportedHashrate: reported };
}
