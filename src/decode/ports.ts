/**
 * DNS is the one protocol every stage treats apart (it is read per message,
 * and every `--workers` shard follows it so that answers tie addresses for
 * flows any shard owns); its port is defined here once.
 */
export const DNS_PORT = 53;

/** True when either port is DNS's. */
export function isDnsPorts(srcPort: number, dstPort: number): boolean {
  return srcPort === DNS_PORT || dstPort === DNS_PORT;
}
