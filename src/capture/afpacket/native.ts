/**
 * The AF_PACKET addon (native/afpacket, built by `npm ci`), found from the package
 * root so that a build kept elsewhere (POOLWATCH_ROOT) finds the checkout's addon.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../paths';

/** A socket with its ring, owned by the thread that opened it. */
export type Ring = { readonly __ring: unique symbol };

export interface OpenOptions {
  device: string;
  snaplen: number;
  blockSize: number;
  blockCount: number;
  /** Longest a block with packets waits before the kernel hands it over, ms. */
  retireMs: number;
  /** BPF filter text ('' keeps everything), compiled by libpcap. */
  filter: string;
  promisc: boolean;
  /** PACKET_FANOUT group id (1..65535), 0 for none. */
  fanout: number;
  /** Ignore packets this host sends (PACKET_IGNORE_OUTGOING): on loopback each is seen twice otherwise. */
  ignoreOutgoing: boolean;
}

export interface Opened {
  ring: Ring;
  /** LINKTYPE_ETHERNET, or LINKTYPE_LINUX_SLL for interfaces read cooked (`any`, tunnels). */
  linkType: number;
  ifindex: number;
  loopback: boolean;
  cooked: boolean;
  /** The whole ring, mapped: blocks are walked in place between next() and release(). */
  map: Buffer;
  blockSize: number;
  blockCount: number;
}

export interface RingStats {
  /** Packets that passed the filter, dropped ones included (the kernel's tp_packets). */
  packets: number;
  drops: number;
  freezes: number;
}

export interface AfPacketAddon {
  open(opts: OpenOptions): Opened;
  /** Copies the retired blocks that fit into `buf` and hands them back to the kernel; bytes copied. */
  read(ring: Ring, buf: Buffer): number;
  /** Offset in `map` of the oldest block the kernel has handed over, or -1. */
  next(ring: Ring): number;
  /** Hands that block back to the kernel. */
  release(ring: Ring): void;
  /** poll(2): rings readable, 0 on timeout, or -1 - i when ring i has a socket error. */
  wait(rings: Ring[], timeoutMs: number): number;
  error(ring: Ring): { code: string; message: string } | null;
  stats(ring: Ring): RingStats;
  close(ring: Ring): void;
  /** CPU time of the calling thread alone. */
  cpu(): { userMs: number; systemMs: number };
}

export function addonPath(): string {
  return join(packageRoot(), 'native', 'afpacket', 'build', 'Release', 'afpacket.node');
}

let loaded: AfPacketAddon | string | null = null;

/** The addon, or why it cannot be used (a sentence for the log line that announces the fallback). */
export function loadAfPacket(): AfPacketAddon | string {
  if (loaded !== null) return loaded;
  if (process.platform !== 'linux') return (loaded = `AF_PACKET capture is Linux only (this is ${process.platform})`);
  const path = addonPath();
  if (!existsSync(path)) return (loaded = `the AF_PACKET capture addon is not built (${path} is missing: npm ci builds it with libpcap-dev, python3, make and a C compiler; or run node native/afpacket/install.js)`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(path) as AfPacketAddon;
  } catch (e) {
    loaded = `the AF_PACKET capture addon does not load (${(e as Error).message.split('\n')[0]})`;
  }
  return loaded;
}
