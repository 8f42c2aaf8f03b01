/**
 * Frame to Packet. The walk is a small state machine: each layer function
 * decodes one header at the shared cursor and names the next layer, until an
 * IP packet is complete or the frame turns out to hold none. Nothing is
 * allocated per frame.
 */
import type { Frame } from '../capture/frame';
import { type Packet, TCP, UDP } from './packet';
import { decodeCommon } from './common';
import { Cursor, Layer } from './cursor';
import { ethernet, ipGuess, linkLayer, mpls, pppoeSession, vlan } from './link';
import { ipv4, ipv6 } from './ip';
import { opaque, tcp, udp } from './transport';
import { gre, ipInIp, vxlan } from './tunnel';
import { DecodeStats } from './stats';

export { DecodeStats } from './stats';
export { MAX_TUNNEL_DEPTH, VXLAN_PORT } from './tunnel';

/** Every layer consumes bytes, so this only caps absurd stacks (thousands of VLAN tags). */
const MAX_LAYERS = 64;

const cur = new Cursor();

/**
 * Fills `pkt` (reused) from `frame`. True when an IP packet was found: then
 * ipVersion is 4 or 6, addresses and protocol are set, TCP/UDP ports and
 * payload are set unless `fragment` (then the payload is the fragment's data), and payloadOffset/payloadLength lie
 * within the captured bytes of `frame.data`. For other protocols the payload is
 * whatever follows the IP header(s). False otherwise (ipVersion 0). Never throws.
 */
export function decodeFrame(frame: Frame, pkt: Packet, stats?: DecodeStats): boolean {
  if (frame.linkType === 1 && decodeCommon(frame, pkt)) {
    if (stats !== undefined) stats.ok++;
    return true;
  }
  return decodeWalk(frame, pkt, stats);
}

/** `decodeFrame` by the general walk alone, for every frame (exported so tests can hold the fast path to it). */
export function decodeWalk(frame: Frame, pkt: Packet, stats?: DecodeStats): boolean {
  const data = frame.data;
  reset(pkt);
  pkt.data = data;
  const start = frame.offset;
  let end = start + frame.capLength;
  if (end > data.length) end = data.length;
  cur.data = data;
  cur.off = start;
  cur.end = end;
  cur.missing = frame.origLength > frame.capLength ? frame.origLength - frame.capLength : 0;

  let layer = start >= 0 && start <= end ? linkLayer(cur, frame.linkType) : Layer.Truncated;
  for (let n = 0; layer > 0; n++) {
    if (n === MAX_LAYERS) {
      layer = Layer.Malformed;
      break;
    }
    switch (layer) {
      case Layer.Ether:
        layer = ethernet(cur);
        break;
      case Layer.Vlan:
        layer = vlan(cur, pkt);
        break;
      case Layer.PppoeSession:
        layer = pppoeSession(cur);
        break;
      case Layer.Mpls:
        layer = mpls(cur);
        break;
      case Layer.IpGuess:
        layer = ipGuess(cur);
        break;
      case Layer.Ipv4:
        layer = ipv4(cur, pkt);
        break;
      case Layer.Ipv6:
        layer = ipv6(cur, pkt);
        break;
      case Layer.Transport:
        layer = transport(pkt);
        break;
      case Layer.Gre:
        layer = gre(cur, pkt);
        break;
      default:
        layer = Layer.Malformed;
    }
  }

  if (layer === Layer.Done) {
    if (stats !== undefined) {
      stats.ok++;
      if (pkt.fragment) {
        stats.fragments++;
        if (pkt.laterFragment) stats.laterFragments++;
      }
      if (pkt.tunnelDepth > 0) stats.tunnels++;
    }
    return true;
  }
  pkt.ipVersion = 0;
  if (stats !== undefined) count(stats, layer);
  return false;
}

/** After an IP header: the transport, or a tunnel to peel. */
function transport(pkt: Packet): Layer {
  const p = pkt.protocol;
  if (p === TCP) return tcp(cur, pkt);
  if (p === UDP) {
    const r = udp(cur, pkt);
    return r === Layer.Done ? vxlan(cur, pkt) : r;
  }
  opaque(cur, pkt);
  if (p === 47) return gre(cur, pkt);
  if (p === 4) return ipInIp(pkt, Layer.Ipv4);
  if (p === 41) return ipInIp(pkt, Layer.Ipv6);
  return Layer.Done;
}

function count(stats: DecodeStats, layer: Layer): void {
  if (layer === Layer.NotIp) stats.notIp++;
  else if (layer === Layer.Truncated) stats.truncated++;
  else if (layer === Layer.UnsupportedLink) stats.unsupportedLink++;
  else stats.malformed++;
}

function reset(pkt: Packet): void {
  pkt.ipVersion = 0;
  pkt.src0 = pkt.src1 = pkt.src2 = pkt.src3 = 0;
  pkt.dst0 = pkt.dst1 = pkt.dst2 = pkt.dst3 = 0;
  pkt.protocol = 0;
  pkt.srcPort = pkt.dstPort = 0;
  pkt.tcpFlags = 0;
  pkt.seq = pkt.ack = 0;
  pkt.payloadOffset = 0;
  pkt.payloadLength = 0;
  pkt.ipLength = 0;
  pkt.fragment = false;
  pkt.laterFragment = false;
  pkt.fragId = pkt.fragOffset = 0;
  pkt.fragMore = false;
  pkt.ipOffset = pkt.ipHeaderLength = 0;
  pkt.tunnelDepth = 0;
  pkt.vlanId = -1;
}
