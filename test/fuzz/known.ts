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

export const KNOWN_BUGS: KnownBug[] = [
  {
    id: 'pcapng-invalid-time',
    at: 'src/capture/pcapng.ts (timestamps past year 275760 accepted) -> src/report/aggregate.ts iso()',
    what: 'a packet time that is no date (pcapng EPB timestamp high word 0x7fffffff, if_tsresol/if_tsoffset extremes) throws RangeError: Invalid time value in Date.toISOString when the report is made; being fixed (issue #13)',
    match: /RangeError: Invalid time value/,
  },
  {
    id: 'jsonrpc-16k-line',
    at: 'src/detect/jsonrpc/session.ts append()',
    what: 'a JSON-RPC line of about 16 KiB whose newline arrives in the segment that crosses 16 KiB: RangeError: offset is out of bounds; being fixed (issue #13)',
    match: /RangeError: offset is out of bounds[\s\S]*session\.js/,
  },
];

export function knownBug(seed: number, index: number, text: string): KnownBug | null {
  for (const k of KNOWN_BUGS) {
    if (k.mutants?.includes(`${seed}:${index}`)) return k;
    if (k.match !== undefined && k.match.test(text)) return k;
  }
  return null;
}
