/**
 * PACKET_RX_RING geometry from --buffer-size and --snaplen. A block must hold
 * the largest packet the snap length lets through (with its tpacket3 header);
 * blocks are kept small enough to stay in cache when copied and walked, and
 * there are at least a few of them so the kernel fills one while poolwatch reads another.
 */
const PAGE = 4096;
const MAX_BLOCK = 256 * 1024;
/** tpacket3_hdr, sockaddr_ll, alignment and the reserve in front of the link header. */
const PER_PACKET_OVERHEAD = 128;
const MIN_BLOCKS = 2;

export interface RingGeometry {
  blockSize: number;
  blockCount: number;
}

function powerOfTwoAtLeast(n: number): number {
  let p = PAGE;
  while (p < n) p *= 2;
  return p;
}

export function ringGeometry(bufferBytes: number, snaplen: number): RingGeometry {
  const smallest = powerOfTwoAtLeast(snaplen + PER_PACKET_OVERHEAD + 48);
  let blockSize = Math.max(smallest, MAX_BLOCK);
  while (blockSize > smallest && blockSize * MIN_BLOCKS * 4 > bufferBytes) blockSize /= 2;
  const blockCount = Math.max(MIN_BLOCKS, Math.floor(bufferBytes / blockSize));
  return { blockSize, blockCount };
}
