/**
 * Domain-name helpers shared by the signature loader and the matchers:
 * validation of names written in signature files, normalisation of names seen
 * in traffic, and a suffix map that matches on label boundaries only.
 */

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Why `name` (already lower case) is not a usable domain, or null when it is.
 * Signature files must hold host names, so at least two labels, letters,
 * digits and inner hyphens only, and not something that reads as an address.
 */
export function domainProblem(name: string): string | null {
  if (name.length === 0) return 'empty domain';
  if (name.length > 253) return 'domain longer than 253 characters';
  const labels = name.split('.');
  if (labels.length < 2) return 'domain needs at least two labels';
  for (const label of labels) {
    if (label.length === 0) return 'empty label';
    if (label.length > 63) return `label '${label.slice(0, 16)}...' longer than 63 characters`;
    if (!LABEL.test(label)) return `bad label '${label}'`;
  }
  // An all-digit last label means an IPv4 address or a typo; no TLD looks like that.
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return 'looks like an IP address, not a domain';
  return null;
}

/** Lower case, one trailing dot dropped (names from DNS and SNI may be absolute). */
export function normalizeName(name: string): string {
  let n = name.length > 0 && name.charCodeAt(name.length - 1) === 0x2e ? name.slice(0, -1) : name;
  // Most names on the wire are already lower case; skip the copy then.
  if (/[A-Z]/.test(n)) n = n.toLowerCase();
  return n;
}

/**
 * Map from domain suffix to a value. A lookup walks the name's own suffixes
 * (a.b.c, b.c, c) and probes the map with each, so it costs one probe per
 * label, whatever the number of entries, and can only match whole labels:
 * "notnanopool.org" never reaches "nanopool.org".
 */
export class SuffixMap<T> {
  private readonly map = new Map<string, T>();

  get size(): number {
    return this.map.size;
  }

  set(suffix: string, value: T): void {
    this.map.set(suffix, value);
  }

  has(suffix: string): boolean {
    return this.map.has(suffix);
  }

  values(): IterableIterator<T> {
    return this.map.values();
  }

  /** The value of the longest suffix of `name` (already normalised) on the map, or undefined. */
  longest(name: string): T | undefined {
    let start = 0;
    for (;;) {
      const hit = this.map.get(start === 0 ? name : name.slice(start));
      if (hit !== undefined) return hit;
      const dot = name.indexOf('.', start);
      if (dot < 0) return undefined;
      start = dot + 1;
    }
  }

  /** True when any suffix of `name` (already normalised) is on the map. */
  covers(name: string): boolean {
    return this.longest(name) !== undefined;
  }
}
