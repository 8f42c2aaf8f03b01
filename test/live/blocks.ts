/**
 * TPACKET_V3 blocks laid out as the kernel lays them (linux/if_packet.h,
 * net/packet/af_packet.c: block descriptor, then tpacket3_hdr records aligned
 * to 16 with a sockaddr_ll after each header and the frame at tp_mac), for
 * testing the walker without a socket.
 */
export interface RingPacket {
  /** Bytes as the kernel put them at tp_mac (for a VLAN-offloaded frame: without its tag). */
  data: Buffer;
  sec: number;
  nsec: number;
  /** tp_len; defaults to data.length (a longer one means the snap length cut the frame). */
  wireLength?: number;
  vlan?: { tci: number; tpid?: number };
  /** sockaddr_ll fields. */
  pkttype?: number;
  hatype?: number;
  protocol?: number;
  addr?: Buffer;
  /** Where the frame starts (tp_mac): the kernel's 86 for Ethernet on SOCK_RAW, 100 for SOCK_DGRAM. */
  mac?: number;
}

const align16 = (n: number): number => (n + 15) & ~15;

export function ringBlock(packets: RingPacket[], seq = 1): Buffer {
  const parts: Buffer[] = [];
  let lastSec = 0;
  let lastNsec = 0;
  for (const p of packets) {
    const mac = p.mac ?? 86;
    const len = align16(mac + p.data.length);
    const b = Buffer.alloc(len);
    b.writeUInt32LE(p.sec, 4);
    b.writeUInt32LE(p.nsec, 8);
    b.writeUInt32LE(p.data.length, 12);
    b.writeUInt32LE(p.wireLength ?? p.data.length, 16);
    let status = 1; // TP_STATUS_USER
    if (p.vlan !== undefined) {
      status |= 1 << 4;
      b.writeUInt32LE(p.vlan.tci, 32);
      if (p.vlan.tpid !== undefined) {
        status |= 1 << 6;
        b.writeUInt16LE(p.vlan.tpid, 36);
      }
    }
    b.writeUInt32LE(status, 20);
    b.writeUInt16LE(mac, 24);
    b.writeUInt16LE(mac, 26);
    b.writeUInt16LE(17, 48); // AF_PACKET
    b.writeUInt16BE(p.protocol ?? 0x0800, 50);
    b.writeInt32LE(2, 52);
    b.writeUInt16LE(p.hatype ?? 1, 56);
    b[58] = p.pkttype ?? 0;
    b[59] = p.addr?.length ?? 6;
    (p.addr ?? Buffer.from([2, 0, 0, 0, 0, 1])).copy(b, 60);
    p.data.copy(b, mac);
    parts.push(b);
    lastSec = p.sec;
    lastNsec = p.nsec;
  }
  for (let i = 0; i < parts.length - 1; i++) parts[i].writeUInt32LE(parts[i].length, 0);
  const desc = Buffer.alloc(48);
  const body = Buffer.concat(parts);
  desc.writeUInt32LE(1, 0); // version
  desc.writeUInt32LE(1, 8); // TP_STATUS_USER
  desc.writeUInt32LE(packets.length, 12);
  desc.writeUInt32LE(48, 16);
  desc.writeUInt32LE(48 + body.length, 20);
  desc.writeBigUInt64LE(BigInt(seq), 24);
  desc.writeUInt32LE(packets[0]?.sec ?? 0, 32);
  desc.writeUInt32LE(packets[0]?.nsec ?? 0, 36);
  desc.writeUInt32LE(lastSec, 40);
  desc.writeUInt32LE(lastNsec, 44);
  return Buffer.concat([desc, body]);
}
