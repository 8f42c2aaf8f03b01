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
 * Fixed while the fuzzer was being built, kept out of this list:
 * pcapng-invalid-time (4c01bd7) and jsonrpc-16k-line (ffece59); fixed since: dns-tie-time-jump
 * (a tie judged by the asking frame's own time); see found/README.md.
 */
export const KNOWN_BUGS: KnownBug[] = [
  {
    id: 'threaded-clock-jump',
    at: 'src/shard (each analysis thread advances its flow-table clock only by the frames of its own shard) with src/flow/table.ts (idle sweep as capture time passes)',
    what: 'one frame dated far ahead ends every idle flow of a one-thread scan, but only those of its own shard in scan --workers (3+ threads): flow counts, packets, firstSeen and whole findings then differ from the one-thread report',
    mutants: ['1313:30'],
    match: /--workers 3 report differs: one thread .*\\"flows\\":3\}", threads .*\\"flows\\":2\}"/,
  },
];

export function knownBug(seed: number, index: number, text: string): KnownBug | null {
  for (const k of KNOWN_BUGS) {
    if (k.mutants?.includes(`${seed}:${index}`)) return k;
    if (k.match !== undefined && k.match.test(text)) return k;
  }
  return null;
}
