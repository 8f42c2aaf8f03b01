/**
 * Bugs in src/ the fuzzer finds that are not fixed yet, so `npm test` stays
 * green while they are being fixed, and stays honest: each is listed here by
 * what identifies it, is counted and printed in every run's summary, and is
 * described with its reproduction in test/fuzz/found/README.md. Remove an
 * entry when its fix lands; a run then fails again if the bug comes back.
 */
export interface KnownBug {
  id: string;
  /** Where the fault is. */
  at: string;
  what: string;
  /** Matched against a failure's message and stack. */
  match?: RegExp;
  /** Or exact mutants ("seed:index"), for hangs and exits that say nothing. */
  mutants?: string[];
}

/**
 * Empty: the two the fuzzer met were fixed while it was being built
 * (pcapng-invalid-time in 4c01bd7, jsonrpc-16k-line in ffece59; see found/README.md).
 * An entry looks like
 *   { id: 'pcapng-invalid-time', at: 'src/capture/pcapng.ts timestamp()', what: '...', match: /RangeError: Invalid time value/ }
 */
export const KNOWN_BUGS: KnownBug[] = [];

export function knownBug(seed: number, index: number, text: string): KnownBug | null {
  for (const k of KNOWN_BUGS) {
    if (k.mutants?.includes(`${seed}:${index}`)) return k;
    if (k.match !== undefined && k.match.test(text)) return k;
  }
  return null;
}
