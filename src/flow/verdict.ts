/**
 * What a frame can do to analysis state, decided from its bytes alone (and,
 * when given, the ruled-out table): the one test behind `Analyzer.frame` and
 * the `--workers` triage, so that the decoding thread sends an analysis
 * thread exactly the frames one thread would have looked at.
 */
import type { Frame } from '../capture/frame';
import { decodeFrame, type DecodeStats } from '../decode/decode';
import { endpointCheck, endpointHash } from '../decode/endpoint-hash';
import { TcpFrameKey, tcpFrameKey } from '../decode/frame-key';
import { Packet, SYN, TCP, UDP } from '../decode/packet';
import { isDnsPorts } from '../decode/ports';
import { reassembles } from './defrag';
import type { RuledOut } from './ruled-out';

/** Nothing any state is kept for: not TCP or UDP, UDP that is not DNS, a fragment of what is not reassembled. */
export const SKIP = 0;
/** A TCP segment; `hash` and `check` name its flow. */
export const TCP_SEGMENT = 1;
/** A DNS message over UDP, read on its own with no flow kept. */
export const DNS_DATAGRAM = 2;
/** An IP fragment to hold until its datagram is whole (a later fragment has no ports). */
export const FRAGMENT = 3;
/** The low bits above: the kind; the flags below ride on TCP_SEGMENT. */
export const KIND_MASK = 3;
/** SYN set: never ruled out, since the ports may start a new connection. */
export const SYN_FLAG = 4;
/** To or from the DNS port: every shard follows DNS over TCP. */
export const DNS_PORT_FLAG = 8;
/** A segment of a flow in the ruled-out table (only when one is given). */
export const RULED_OUT = 16;

/** The verdict's working state, reused for every frame. */
export class FrameVerdict {
  readonly pkt = new Packet();
  readonly key = new TcpFrameKey();
  /** TCP: the flow's `endpointHash` and `endpointCheck`. */
  hash = 0;
  check = 0;
  /** The TCP key was read from the bytes and `pkt` was not filled. */
  keyed = false;
}

/**
 * The verdict on `frame`. The common TCP segment is keyed straight from its
 * bytes (and counted decoded in `stats`); anything else is decoded into
 * `v.pkt`. With `ruledOut`, a segment without SYN of a ruled-out flow is RULED_OUT.
 */
export function frameVerdict(frame: Frame, v: FrameVerdict, stats: DecodeStats, ruledOut: RuledOut | null): number {
  const key = v.key;
  if (tcpFrameKey(frame, key)) {
    stats.ok++;
    v.keyed = true;
    v.hash = key.hash;
    v.check = key.check;
    if (!key.syn && ruledOut !== null && ruledOut.hasKey(key.hash, key.check)) return RULED_OUT;
    return TCP_SEGMENT | (key.syn ? SYN_FLAG : 0) | (key.dnsPort ? DNS_PORT_FLAG : 0);
  }
  v.keyed = false;
  if (!decodeFrame(frame, v.pkt, stats)) return SKIP;
  return packetVerdict(v, ruledOut);
}

/** The verdict on the packet already decoded into `v.pkt` (a frame, or a datagram put back together). */
export function packetVerdict(v: FrameVerdict, ruledOut: RuledOut | null): number {
  const p = v.pkt;
  if (p.fragment) return reassembles(p.protocol) ? FRAGMENT : SKIP;
  const dns = isDnsPorts(p.srcPort, p.dstPort);
  if (p.protocol === UDP) return dns ? DNS_DATAGRAM : SKIP;
  if (p.protocol !== TCP) return SKIP;
  v.hash = endpointHash(p);
  v.check = endpointCheck(p);
  const syn = (p.tcpFlags & SYN) !== 0;
  if (!syn && ruledOut !== null && ruledOut.hasKey(v.hash, v.check)) return RULED_OUT;
  return TCP_SEGMENT | (syn ? SYN_FLAG : 0) | (dns ? DNS_PORT_FLAG : 0);
}

/**
 * True when a TCP segment's flow belongs to another of `shards` analysis
 * threads. DNS over TCP is followed by every shard (its answers tie
 * addresses for flows any shard owns).
 */
export function otherShard(kind: number, hash: number, shard: number, shards: number): boolean {
  return shards > 1 && hash % shards !== shard && (kind & DNS_PORT_FLAG) === 0;
}
