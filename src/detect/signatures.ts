/**
 * Signature data (pool domains, allowlist, miner agents, method names, pool
 * ports) loaded from signatures/ and validated at load.
 *
 * TODO(signatures helper): loader, validation with file:line errors, suffix matching.
 */
export interface PoolDomain {
  /** Domain suffix, lower case, no trailing dot (e.g. "nanopool.org"). */
  suffix: string;
  pool: string;
  coins: string[];
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
}
