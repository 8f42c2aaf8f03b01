/**
 * What one protocol family declares about itself (one record per folder under
 * protocols/, as nDPI's dissectors and Suricata's app-layer parsers each
 * declare theirs): which streams it wants, how to make its classifier or which
 * line-JSON dialect it is, and what the report needs to know about its findings.
 */
import type { StreamClassifier } from './classifier';
import type { Direction } from './evidence';
import type { LineDialect } from './jsonrpc/context';
import type { DnsMessage } from './protocols/dns/dns';
import type { Signatures } from './signatures';

/**
 * Hashes one unit of the share difficulty a dialect reports stands for:
 * fixed by the dialect, decided by the algorithm the traffic names (Stratum v1:
 * SHA-256d and Scrypt differ by 2^16), or not hashes at all.
 */
export type DifficultyUnit =
  | { readonly kind: 'fixed'; readonly hashesPerUnit: number; readonly family: string }
  | { readonly kind: 'by-algorithm'; readonly why: string }
  | { readonly kind: 'none'; readonly why: string };

/** Which streams a classifier is built for; the engine turns these into a table by first byte. */
export interface StreamWants {
  /** First bytes of a stream seen from its start that call for this classifier; 'rest' takes every byte no record names. */
  readonly firstBytes?: readonly number[] | 'rest';
  /** A further look at the first segment, once per flow, before the classifier is built (stream start only). */
  readonly firstSegment?: (b: Uint8Array, start: number, length: number) => boolean;
  /** A flow to or from one of these ports gets this classifier alone, whatever its bytes. */
  readonly ports?: readonly number[];
  /** Streams seen from their first byte, streams picked up later (which must resync), or both. */
  readonly start: 'stream-start' | 'mid-stream' | 'both';
  /** Also run on the bytes inside an HTTP CONNECT tunnel. */
  readonly tunnel?: boolean;
}

/** What a classifier may need from the engine, for the one flow it is made for. */
export interface MakeContext {
  readonly sigs: Signatures;
  /** Longest JSON line or HTTP head read whole (EngineOptions.maxLineBytes). */
  readonly maxLineBytes: number;
  /** Port of the side the flow was opened to. */
  readonly serverPort: number;
  /** Fresh classifiers for the bytes inside a tunnel (the records with `tunnel`). */
  tunnel(): StreamClassifier[];
  /** The line dialects in registry order, for the line JSON-RPC session. */
  readonly lineDialects: readonly LineDialect[];
  /** A DNS message read on this flow. */
  dns(msg: DnsMessage, dir: Direction): void;
}

export interface StreamEntry {
  readonly wants: StreamWants;
  make(ctx: MakeContext): StreamClassifier;
}

export interface ProtocolRecord {
  /** The word findings carry as their protocol (Evidence.protocol), or the carrier's own name. */
  readonly name: string;
  /** Its findings rest on mining messages (a login, a job, shares) rather than a name or an address. */
  readonly carriesMiningContent: boolean;
  /** Units of the share difficulty it reports; null when it reports none. */
  readonly difficulty: DifficultyUnit | null;
  /** A stream classifier of its own. */
  readonly stream?: StreamEntry;
  /** A dialect of the line JSON-RPC session (jsonrpc/session.ts), tried in registry order. */
  readonly dialect?: LineDialect;
  /** Lines of signatures/methods.txt may name it as their dialect. */
  readonly methodNames?: true;
}
