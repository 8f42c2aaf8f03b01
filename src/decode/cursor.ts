/**
 * Shared state of one decode walk. A single instance lives in decode.ts and is
 * reused for every frame, so the layer functions pass plain numbers around
 * instead of returning objects.
 */
export class Cursor {
  data: Buffer = Buffer.alloc(0);
  /** Start of the layer about to be decoded. */
  off = 0;
  /** First byte past what may be read: the capture end, narrowed by every length field on the way in. */
  end = 0;
  /** Bytes of the frame on the wire that were not captured (snap length). */
  missing = 0;
}

/**
 * What comes next in a walk. Positive values name a layer to decode at
 * `Cursor.off`; `Done` means an IP packet was decoded; negative values end the
 * walk without one and say why.
 */
export const enum Layer {
  Done = 0,
  Ether = 1,
  Vlan = 2,
  PppoeSession = 3,
  Mpls = 4,
  /** IPv4 or IPv6, told apart by the version nibble (raw IP links, MPLS). */
  IpGuess = 5,
  Ipv4 = 6,
  Ipv6 = 7,
  /** After an IP header: dispatch on `Packet.protocol`. */
  Transport = 8,
  Gre = 9,
  NotIp = -1,
  Truncated = -2,
  Malformed = -3,
  UnsupportedLink = -4,
}

/** Big-endian 16-bit read; the caller has checked the bounds. */
export function u16(d: Buffer, i: number): number {
  return (d[i] << 8) | d[i + 1];
}

/** Big-endian unsigned 32-bit read; the caller has checked the bounds. */
export function u32(d: Buffer, i: number): number {
  return ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
}
