/**
 * The decoded headers of one frame, filled in place by `decodeFrame`. One
 * instance is reused for every packet: fields are plain numbers so decoding
 * allocates nothing. Addresses are kept as 32-bit words (IPv4 uses word 0).
 */
export class Packet {
  /** 4 or 6 for the innermost IP header; 0 when the frame carried no IP. */
  ipVersion = 0;
  src0 = 0;
  src1 = 0;
  src2 = 0;
  src3 = 0;
  dst0 = 0;
  dst1 = 0;
  dst2 = 0;
  dst3 = 0;
  /** IP protocol number of the transport (6 TCP, 17 UDP, others as seen). */
  protocol = 0;
  srcPort = 0;
  dstPort = 0;
  /** TCP flag byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  tcpFlags = 0;
  seq = 0;
  ack = 0;
  /** Buffer holding the frame, and where the transport payload sits inside it. */
  data: Buffer = Buffer.alloc(0);
  payloadOffset = 0;
  payloadLength = 0;
  /** Bytes of the IP packet (header included) as sent, for byte counts. */
  ipLength = 0;
  /**
   * The innermost IP header is a fragment (first or later): then ports are 0 and
   * the payload is the fragment's data, which src/flow/defrag.ts puts together.
   */
  fragment = false;
  /** A fragment other than the first (offset above 0). */
  laterFragment = false;
  /** Fragment identification (16 bits for IPv4, 32 for IPv6), offset in bytes and more-fragments flag. */
  fragId = 0;
  fragOffset = 0;
  fragMore = false;
  /** Where the fragmented IP header starts in `data`, and its length (IPv6: the fixed 40 bytes). */
  ipOffset = 0;
  ipHeaderLength = 0;
  /** Outer encapsulations peeled off (GRE, ERSPAN, VXLAN, IP-in-IP, ...). */
  tunnelDepth = 0;
  /** Outermost VLAN id seen, or -1. */
  vlanId = -1;
}

export const TCP = 6;
export const UDP = 17;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
