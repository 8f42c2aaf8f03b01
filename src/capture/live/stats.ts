/** What a capture engine counts on each interface it reads (the kernel's and its own counters). */

export interface InterfaceStats {
  device: string;
  linkType: number;
  /** Packets the kernel delivered to poolwatch. */
  received: number;
  /** Packets longer than --snaplen, cut short (cap engine only; 0 otherwise). */
  truncated: number;
  /** Packets the kernel dropped because the ring was full (exact, PACKET_STATISTICS); null where unknown (cap). */
  dropped: number | null;
  /** Times the ring was found full, every block waiting for poolwatch (tp_freeze_q_cnt); null where unknown. */
  freezes: number | null;
  /** Drops the interface itself counted since capture began (libpcap's ps_ifdrop), or null. */
  ifDropped: number | null;
  /** Packets dropped because the analysis was --queue-size behind (cap engine; 0 otherwise). */
  queueDropped: number;
  /** Bytes waiting for the analysis now, and the most there ever were (cap engine; 0 otherwise). */
  queued: number;
  queuePeak: number;
  /** The interface's operational state ("up", "down", ...), or null. */
  state: string | null;
}
