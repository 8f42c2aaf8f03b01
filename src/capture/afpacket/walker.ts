/**
 * Walks TPACKET_V3 blocks, in place in the mapped ring or as the addon copies them (each block whole: its
 * tpacket_block_desc, then tpacket3_hdr records linked by tp_next_offset) and
 * hands every packet to the sink in the one reused Frame, as the file parsers
 * do: the same chunk-walking path as `scan`, nothing allocated per packet.
 *
 * Layouts (linux/if_packet.h): block descriptor num_pkts at 12,
 * offset_to_first_pkt at 16, blk_len at 20, ts_last_pkt at 40; packet header
 * tp_next_offset 0, tp_sec 4, tp_nsec 8, tp_snaplen 12, tp_len 16, tp_status 20,
 * tp_mac 24, tp_vlan_tci 32, tp_vlan_tpid 36, then sockaddr_ll at 48.
 *
 * VLAN tags the kernel took off into tp_vlan_tci (TP_STATUS_VLAN_VALID) are put
 * back into the frame, as libpcap does, so the decoder sees 802.1Q as in a file.
 * Cooked sockets (`any`, non-Ethernet links) get a Linux SLL header written in
 * front of the network header from the sockaddr_ll (the kernel leaves room for it).
 */
import type { CaptureWarning, FrameSink } from '../frame';
import { RecordParser } from '../parser';

const TP_STATUS_VLAN_VALID = 1 << 4;
const TP_STATUS_VLAN_TPID_VALID = 1 << 6;
const SLL = 48;
const SLL_HEADER = 16;
const PACKET_OUTGOING = 4;
const ARPHRD_LOOPBACK = 772;
const LINKTYPE_LINUX_SLL = 113;

export class BlockWalker extends RecordParser {
  /** Bytes on the wire of the packets walked (what the analyzer counts). */
  wireBytes = 0;
  private readonly cooked: boolean;

  constructor(source: string, sink: FrameSink, onWarning: (w: CaptureWarning) => void, readonly linkType: number) {
    super(source, sink, onWarning);
    this.cooked = linkType === LINKTYPE_LINUX_SLL;
    this.frame.linkType = linkType;
    this.headerDone = true;
  }

  /** Walks the blocks in buf[pos, end); `base` numbers the bytes for messages. Returns `end`. */
  parse(buf: Buffer, pos: number, end: number, base: number): number {
    const dv = this.view(buf);
    const frame = this.frame;
    const sink = this.sink;
    const cooked = this.cooked;
    frame.data = buf;
    while (end - pos >= 48) {
      const count = dv.getUint32(pos + 12, true);
      const blockLength = dv.getUint32(pos + 20, true);
      if (blockLength < 48 || blockLength > end - pos) {
        this.stop(base + pos, `capture block of ${blockLength} bytes does not fit the ${end - pos} copied`);
        return end;
      }
      const blockEnd = pos + blockLength;
      let p = pos + dv.getUint32(pos + 16, true);
      for (let i = 0; i < count && p + SLL + 20 <= blockEnd; i++) {
        const next = dv.getUint32(p, true);
        let capLength = dv.getUint32(p + 12, true);
        let origLength = dv.getUint32(p + 16, true);
        const status = dv.getUint32(p + 20, true);
        let mac = p + dv.getUint16(p + 24, true);
        if (mac + capLength > blockEnd) break;
        if (cooked) {
          // Loopback packets are seen leaving and arriving on `any`: keep the arrival, as libpcap does.
          if (buf[p + SLL + 10] === PACKET_OUTGOING && dv.getUint16(p + SLL + 8, true) === ARPHRD_LOOPBACK) {
            if (next === 0) break;
            p += next;
            continue;
          }
          mac -= SLL_HEADER;
          dv.setUint16(mac, buf[p + SLL + 10], false);
          dv.setUint16(mac + 2, dv.getUint16(p + SLL + 8, true), false);
          dv.setUint16(mac + 4, buf[p + SLL + 11], false);
          buf.copyWithin(mac + 6, p + SLL + 12, p + SLL + 20);
          dv.setUint16(mac + 14, dv.getUint16(p + SLL + 2, false), false);
          capLength += SLL_HEADER;
          origLength += SLL_HEADER;
        } else if ((status & TP_STATUS_VLAN_VALID) !== 0 && capLength >= 12) {
          const tpid = (status & TP_STATUS_VLAN_TPID_VALID) !== 0 ? dv.getUint16(p + 36, true) : 0x8100;
          buf.copyWithin(mac - 4, mac, mac + 12);
          mac -= 4;
          dv.setUint16(mac + 12, tpid, false);
          dv.setUint16(mac + 14, dv.getUint32(p + 32, true) & 0xffff, false);
          capLength += 4;
          origLength += 4;
        }
        frame.tsSec = dv.getUint32(p + 4, true);
        frame.tsNsec = dv.getUint32(p + 8, true);
        frame.offset = mac;
        frame.capLength = capLength;
        frame.origLength = origLength;
        frame.fileOffset = base + p;
        this.packets++;
        this.bytes += capLength;
        this.wireBytes += origLength;
        sink.frame(frame);
        if (next === 0) break;
        p += next;
      }
      pos = blockEnd;
    }
    return end;
  }
}

/** Capture time of the newest packet of the block at `at`, ms since the epoch (its ts_last_pkt). */
export function blockLastMs(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at + 40) * 1000 + buf.readUInt32LE(at + 44) / 1e6;
}

/** Capture time of the newest packet in the blocks of buf[0, length), ms since the epoch (their ts_last_pkt). */
export function batchLastMs(buf: Buffer, length: number): number {
  let last = 0;
  for (let pos = 0; length - pos >= 48; ) {
    const blockLength = buf.readUInt32LE(pos + 20);
    const ms = buf.readUInt32LE(pos + 40) * 1000 + buf.readUInt32LE(pos + 44) / 1e6;
    if (ms > last) last = ms;
    if (blockLength < 48) break;
    pos += blockLength;
  }
  return last;
}
