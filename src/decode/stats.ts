/**
 * Counts of what `decodeFrame` made of the frames it saw. Every frame lands in
 * exactly one of ok, notIp, truncated, malformed, unsupportedLink;
 * laterFragments and tunnels count subsets of ok.
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
  /** IP fragments other than the first: decoded without ports or payload. */
  laterFragments = 0;
  /** Frames whose packet was found inside at least one tunnel (GRE, ERSPAN, VXLAN, IP-in-IP). */
  tunnels = 0;

  get frames(): number {
    return this.ok + this.notIp + this.truncated + this.malformed + this.unsupportedLink;
  }

  reset(): void {
    this.ok = this.notIp = this.truncated = this.malformed = this.unsupportedLink = 0;
    this.laterFragments = this.tunnels = 0;
  }
}
