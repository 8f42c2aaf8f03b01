/**
 * Classic libpcap files (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-03.html):
 * a 24-byte file header, then records of a 16-byte header plus captured bytes.
 */
import { CaptureFormatError, type CaptureWarning, type FrameSink } from './frame';
import { RecordParser } from './parser';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: same header, 24-byte records (ifindex, protocol, pkt_type added). */
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

/** Larger than any real snap length (tcpdump's maximum is 262144); beyond it the length field is garbage. */
export const PCAP_MAX_CAPLEN = 256 * 1024;

const FILE_HEADER = 24;

/** True when the first four bytes are a classic pcap magic in either byte order. */
const MAGICS = [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_KUZNETZOV];

export function isPcapMagic(head: Buffer): boolean {
  return MAGICS.includes(head.readUInt32LE(0)) || MAGICS.includes(head.readUInt32BE(0));
}

const LENGTHS_NORMAL = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_EITHER = 2;

export class PcapParser extends RecordParser {
  private le = true;
  /** Multiplier from the record's fraction field to nanoseconds. */
  private nsPerUnit = 1000;
  private recordHeader = 16;
  linkType = 1;
  snapLength = 0;
  versionMajor = 0;
  versionMinor = 0;
  /**
   * Where the captured length sits in a record header: before version 2.3 the
   * two length fields were written the other way round (wire length first),
   * as libpcap's sf-pcap.c still allows for; 2.3 files may hold either order.
   */
  private lengthOrder = LENGTHS_NORMAL;

  constructor(source: string, sink: FrameSink, onWarning: (w: CaptureWarning) => void) {
    super(source, sink, onWarning);
  }

  private header(buf: Buffer, pos: number): void {
    this.le = MAGICS.includes(buf.readUInt32LE(pos));
    const magic = this.le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
    this.nsPerUnit = magic === PCAP_MAGIC_NS ? 1 : 1000;
    this.recordHeader = magic === PCAP_MAGIC_KUZNETZOV ? 24 : 16;
    this.versionMajor = this.le ? buf.readUInt16LE(pos + 4) : buf.readUInt16BE(pos + 4);
    this.versionMinor = this.le ? buf.readUInt16LE(pos + 6) : buf.readUInt16BE(pos + 6);
    if (this.versionMajor !== 2) {
      throw new CaptureFormatError(this.source, `unsupported pcap version ${this.versionMajor}.${this.versionMinor}`);
    }
    this.lengthOrder = this.versionMinor < 3 ? LENGTHS_SWAPPED : this.versionMinor === 3 ? LENGTHS_EITHER : LENGTHS_NORMAL;
    this.snapLength = this.le ? buf.readUInt32LE(pos + 16) : buf.readUInt32BE(pos + 16);
    // The upper bits of the link-type field carry FCS information, not the type.
    this.linkType = (this.le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20)) & 0xffff;
    this.headerDone = true;
  }

  parse(buf: Buffer, pos: number, end: number, base: number): number {
    if (!this.headerDone) {
      if (end - pos < FILE_HEADER) {
        this.need = FILE_HEADER;
        return pos;
      }
      this.header(buf, pos);
      pos += FILE_HEADER;
    }
    const frame = this.frame;
    const sink = this.sink;
    const le = this.le;
    const hdr = this.recordHeader;
    const nsPerUnit = this.nsPerUnit;
    const linkType = this.linkType;
    const dv = this.view(buf);
    const order = this.lengthOrder;
    // Set before the loop, not after it: a store reached only when a chunk happens to end inside
    // a record header gets no type feedback before V8 optimizes this loop, and every such chunk
    // then threw the optimized code away (one deoptimization per chunk, --trace-deopt).
    this.need = hdr;
    while (end - pos >= hdr) {
      let capLength = dv.getUint32(pos + 8, le);
      let origLength = dv.getUint32(pos + 12, le);
      if (order !== LENGTHS_NORMAL && (order === LENGTHS_SWAPPED || capLength > origLength)) {
        const t = capLength;
        capLength = origLength;
        origLength = t;
      }
      if (capLength > PCAP_MAX_CAPLEN) {
        this.stop(base + pos, `record length ${capLength} exceeds ${PCAP_MAX_CAPLEN}: corrupt record`);
        return pos;
      }
      const total = hdr + capLength;
      if (end - pos < total) {
        this.need = total;
        return pos;
      }
      frame.tsSec = dv.getUint32(pos, le);
      frame.tsNsec = dv.getUint32(pos + 4, le) * nsPerUnit;
      frame.origLength = origLength;
      frame.data = buf;
      frame.offset = pos + hdr;
      frame.capLength = capLength;
      frame.linkType = linkType;
      frame.fileOffset = base + pos;
      this.packets++;
      this.bytes += capLength;
      pos += total;
      sink.frame(frame);
    }
    return pos;
  }
}
