/**
 * pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
 * A file is one or more sections, each starting with a Section Header Block
 * that fixes the byte order of everything up to the next section; interfaces
 * (and so link type and time resolution) are numbered per section.
 */
import { CaptureFormatError, type CaptureWarning, type FrameSink } from './frame';
import { RecordParser } from './parser';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
export const BLOCK_EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** No real block comes near this; a larger length field means the file is corrupt. */
export const PCAPNG_MAX_BLOCK = 64 * 1024 * 1024;
/** Smallest SHB: 12 bytes of framing, byte-order magic, version, section length. */
const SHB_MIN = 28;
const TWO32 = 4294967296;
/** Long division below is exact while remainder * 65536 stays under 2^53. */
const EXACT_UNITS = 2 ** 37;

/**
 * Seconds a JavaScript Date holds either side of the epoch (8.64e15 ms), less
 * one for the fraction: a time outside would fail in toISOString at report time.
 */
const MAX_DATE_SEC = 8.64e12 - 1;
/** Finest if_tsresol taken: a unit below 2^-64 s would not let a 64-bit timestamp reach one second. */
const MAX_UNITS = 2 ** 64;
const DEFAULT_UNITS = 1e6;

const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

export function isPcapngMagic(head: Buffer): boolean {
  return head.readUInt32LE(0) === BLOCK_SHB;
}

export class PcapngParser extends RecordParser {
  private le = true;
  /** Per interface of the current section, indexed by interface id. */
  private linkTypes: number[] = [];
  private snapLengths: number[] = [];
  /** Timestamp units per second (if_tsresol). */
  private units: number[] = [];
  /** Seconds added to every timestamp (if_tsoffset). */
  private tsOffsets: number[] = [];
  /** A timestamp that is no date was met (and reported); later ones are fixed the same way without a warning. */
  private badTime = false;
  sections = 0;

  constructor(source: string, sink: FrameSink, onWarning: (w: CaptureWarning) => void) {
    super(source, sink, onWarning);
  }

  /** Corrupt framing: before the first section it is not a capture at all; later it ends the file. */
  private bad(offset: number, message: string): void {
    if (!this.headerDone) throw new CaptureFormatError(this.source, `${message} at offset ${offset}`);
    this.stop(offset, message);
  }

  parse(buf: Buffer, pos: number, end: number, base: number): number {
    const frame = this.frame;
    const dv = this.view(buf);
    // Set first, as in pcap.ts: a store after the loop is reached too rarely to be warm when V8 optimizes it.
    this.need = 12;
    while (end - pos >= 12) {
      let le = this.le;
      const type = dv.getUint32(pos, le);
      if (type === BLOCK_SHB) {
        const bom = buf.readUInt32LE(pos + 8);
        if (bom === BYTE_ORDER_MAGIC) le = true;
        else if (buf.readUInt32BE(pos + 8) === BYTE_ORDER_MAGIC) le = false;
        else {
          this.bad(base + pos, 'section header with unknown byte-order magic');
          return pos;
        }
      } else if (!this.headerDone) {
        this.bad(base + pos, 'pcapng file does not start with a section header');
        return pos;
      }
      const len = dv.getUint32(pos + 4, le);
      if (len < 12 || (len & 3) !== 0 || len > PCAPNG_MAX_BLOCK || (type === BLOCK_SHB && len < SHB_MIN)) {
        this.bad(base + pos, `invalid block length ${len} (block type 0x${type.toString(16)})`);
        return pos;
      }
      if (end - pos < len) {
        this.need = len;
        return pos;
      }
      const trailer = dv.getUint32(pos + len - 4, le);
      if (trailer !== len) {
        this.bad(base + pos, `block length ${len} does not match trailing length ${trailer}`);
        return pos;
      }
      switch (type) {
        case BLOCK_SHB:
          if (!this.section(buf, pos, le, base)) return pos;
          break;
        case BLOCK_IDB:
          if (!this.iface(buf, pos, len, base)) return pos;
          break;
        case BLOCK_EPB:
        case BLOCK_PB: {
          if (len < 32) {
            this.stop(base + pos, `packet block too short (${len} bytes)`);
            return pos;
          }
          const ifId = type === BLOCK_EPB ? dv.getUint32(pos + 8, le) : dv.getUint16(pos + 8, le);
          const capLength = dv.getUint32(pos + 20, le);
          if (ifId >= this.linkTypes.length) {
            this.stop(base + pos, `packet block names interface ${ifId}, section has ${this.linkTypes.length}`);
            return pos;
          }
          if (capLength > len - 32) {
            this.stop(base + pos, `captured length ${capLength} exceeds block length ${len}`);
            return pos;
          }
          this.timestamp(ifId, dv.getUint32(pos + 12, le), dv.getUint32(pos + 16, le), base + pos);
          frame.origLength = dv.getUint32(pos + 24, le);
          this.deliver(buf, pos + 28, capLength, ifId, base + pos);
          break;
        }
        case BLOCK_SPB: {
          if (this.linkTypes.length === 0) {
            this.stop(base + pos, 'simple packet block in a section without interfaces');
            return pos;
          }
          if (len < 16) {
            this.stop(base + pos, `simple packet block too short (${len} bytes)`);
            return pos;
          }
          const origLength = dv.getUint32(pos + 8, le);
          // No captured-length field: the packet is the original length cut to the
          // interface snap length and to what the block holds (the rest is padding).
          const snap = this.snapLengths[0];
          let capLength = Math.min(origLength, len - 16);
          if (snap !== 0 && snap < capLength) capLength = snap;
          frame.origLength = origLength;
          // SPBs carry no timestamp; the frame keeps the previous packet's time so
          // that time-based logic downstream sees a monotonic clock.
          this.deliver(buf, pos + 12, capLength, 0, base + pos);
          break;
        }
        default:
          // Name resolution, statistics, journal, custom and unknown blocks.
          break;
      }
      pos += len;
    }
    return pos;
  }

  private deliver(buf: Buffer, offset: number, capLength: number, ifId: number, fileOffset: number): void {
    const frame = this.frame;
    frame.data = buf;
    frame.offset = offset;
    frame.capLength = capLength;
    frame.linkType = this.linkTypes[ifId];
    frame.fileOffset = fileOffset;
    this.packets++;
    this.bytes += capLength;
    this.sink.frame(frame);
  }

  /**
   * Splits a 64-bit count of interface units into seconds and nanoseconds
   * without BigInt (no allocation). A time no Date can hold (2^64 - 1 units, a
   * huge if_tsoffset) leaves the frame the previous packet's time, as an SPB
   * does, so the clock downstream stays usable and the packet is still read.
   */
  private timestamp(ifId: number, hi: number, lo: number, offset: number): void {
    const u = this.units[ifId];
    const frame = this.frame;
    let sec: number;
    let nsec: number;
    if (u <= EXACT_UNITS) {
      // Long division in 16-bit digits: every intermediate stays below 2^53.
      let r = hi % u;
      const qHi = (hi - r) / u;
      let x = r * 65536 + (lo >>> 16);
      const qMid = Math.floor(x / u);
      r = x - qMid * u;
      x = r * 65536 + (lo & 0xffff);
      const qLo = Math.floor(x / u);
      r = x - qLo * u;
      sec = qHi * TWO32 + qMid * 65536 + qLo + this.tsOffsets[ifId];
      // r * 1e9 may pass 2^53; 1e9 = 15625 * 64000 keeps each step exact.
      x = r * 15625;
      const q = Math.floor(x / u);
      nsec = q * 64000 + Math.floor(((x - q * u) * 64000) / u);
    } else {
      // Finer than 2^-37 s: no capture tool writes this; approximate rather than allocate.
      const t = hi * TWO32 + lo;
      const whole = Math.floor(t / u);
      sec = whole + this.tsOffsets[ifId];
      nsec = Math.max(0, Math.min(999999999, Math.floor(((t - whole * u) * 1e9) / u)));
    }
    if (sec >= -MAX_DATE_SEC && sec <= MAX_DATE_SEC) {
      frame.tsSec = sec;
      frame.tsNsec = nsec;
    } else if (!this.badTime) {
      this.badTime = true;
      this.onWarning({
        file: this.source,
        offset,
        message: `packet timestamp is no date (${sec} s since 1970): given the previous packet's time, as are any later ones`,
      });
    }
  }

  private section(buf: Buffer, pos: number, le: boolean, base: number): boolean {
    const dv = this.view(buf);
    const major = dv.getUint16(pos + 12, le);
    if (major !== 1) {
      this.bad(base + pos, `unsupported pcapng version ${major}`);
      return false;
    }
    this.le = le;
    this.linkTypes.length = 0;
    this.snapLengths.length = 0;
    this.units.length = 0;
    this.tsOffsets.length = 0;
    this.sections++;
    this.headerDone = true;
    return true;
  }

  private iface(buf: Buffer, pos: number, len: number, base: number): boolean {
    const le = this.le;
    const dv = this.view(buf);
    if (len < 20) {
      this.stop(base + pos, `interface description block too short (${len} bytes)`);
      return false;
    }
    let units = DEFAULT_UNITS;
    let tsOffset = 0;
    // Options run from after the fixed fields to the trailing length; a malformed
    // option ends option parsing, not the file (the fixed fields are still good).
    let o = pos + 16;
    const optEnd = pos + len - 4;
    while (optEnd - o >= 4) {
      const code = dv.getUint16(o, le);
      const olen = dv.getUint16(o + 2, le);
      if (code === 0 || o + 4 + olen > optEnd) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = buf[o + 4];
        units = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        if (units > MAX_UNITS) {
          this.onWarning({ file: this.source, offset: base + pos, message: `interface ${this.linkTypes.length}: if_tsresol 0x${r.toString(16)} is out of range (finer than 2^-64 s): read as microseconds` });
          units = DEFAULT_UNITS;
        }
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        tsOffset = Number(dv.getBigInt64(o + 4, le));
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.linkTypes.push(dv.getUint16(pos + 8, le));
    this.snapLengths.push(dv.getUint32(pos + 12, le));
    this.units.push(units);
    this.tsOffsets.push(tsOffset);
    return true;
  }
}
