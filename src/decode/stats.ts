/**
 * Counts of what `decodeFrame` made of the frames it saw. Every frame lands in
 * exactly one of ok, notIp, truncated, malformed, unsupportedLink;
 * fragments, laterFragments and tunnels count subsets of ok; the reassembly counts are of datagrams.
 */
export class DecodeStats {
  /** An IP packet was decoded (decodeFrame returned true). */
  ok = 0;
  /** A known link layer carrying something other than IP (ARP, LLDP, ...). */
  notIp = 0;
  /** Headers ran past the captured bytes. */
  truncated = 0;
  /** A header field made no sense (bad IP version, IHL < 5, TCP offset < 5, ...). */
  malformed = 0;
  /** The frame's link type is not one the decoder knows. */
  unsupportedLink = 0;
  /** IP fragments (first or later): decoded without ports; their data goes to reassembly. */
  fragments = 0;
  /** IP fragments other than the first. */
  laterFragments = 0;
  /** Datagrams put together from fragments (src/flow/defrag.ts), each decoded once more whole. */
  reassembled = 0;
  /**
   * Fragments that overlapped bytes already held with different bytes (the first copy is kept):
   * how an attacker shows an IDS other bytes than the host reassembles.
   */
  fragmentOverlaps = 0;
  /** Datagrams given up: incomplete at the timeout, pushed out by a cap, or inconsistent (past 64 KiB, two ends). */
  fragmentsTimedOut = 0;
  fragmentsEvicted = 0;
  fragmentsInvalid = 0;
  /** Frames whose packet was found inside at least one tunnel (GRE, ERSPAN, VXLAN, IP-in-IP). */
  tunnels = 0;

  get frames(): number {
    return this.ok + this.notIp + this.truncated + this.malformed + this.unsupportedLink;
  }

  reset(): void {
    this.ok = this.notIp = this.truncated = this.malformed = this.unsupportedLink = 0;
    this.fragments = this.laterFragments = this.tunnels = 0;
    this.reassembled = this.fragmentOverlaps = this.fragmentsTimedOut = this.fragmentsEvicted = this.fragmentsInvalid = 0;
  }
}
