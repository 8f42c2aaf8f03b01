/**
 * Splits whole IP packets (as craft.ts builds them) into real IPv4 and IPv6
 * fragments, for the reassembly tests and the fragmented detection capture.
 * Nothing here is used by poolwatch itself.
 */
import { checksum, ether, type Timed } from './craft';

/** One fragment: the data bytes [start, end) of the datagram, or other bytes in their place (a differing overlap). */
export interface Piece {
  start: number;
  end: number;
  /** Bytes sent instead of the datagram's own (same length as end - start). */
  bytes?: Buffer;
  /** More-fragments flag; by default set unless the piece ends the datagram. */
  more?: boolean;
}

/** [start, end) pieces of at most `size` data bytes (a multiple of 8) covering `total` bytes. */
export function piecesOf(total: number, size: number): Piece[] {
  const out: Piece[] = [];
  for (let s = 0; s < total; s += size) out.push({ start: s, end: Math.min(total, s + size) });
  return out;
}

function dataOf(payload: Buffer, piece: Piece): Buffer {
  const b = piece.bytes ?? payload.subarray(piece.start, piece.end);
  if (b.length !== piece.end - piece.start) throw new Error('piece bytes of the wrong length');
  return b;
}

/** IPv4 fragments of a whole IPv4 packet, in the order of `pieces`. */
export function ipv4Fragments(packet: Buffer, pieces: Piece[], id?: number): Buffer[] {
  const hl = (packet[0] & 15) * 4;
  const payload = packet.subarray(hl, packet.readUInt16BE(2));
  return pieces.map((piece) => {
    if (piece.start % 8 !== 0) throw new Error('fragment offsets are multiples of 8');
    const data = dataOf(payload, piece);
    const f = Buffer.alloc(hl + data.length);
    packet.copy(f, 0, 0, hl);
    f.writeUInt16BE(f.length, 2);
    if (id !== undefined) f.writeUInt16BE(id, 4);
    const more = piece.more ?? piece.end < payload.length;
    f.writeUInt16BE((piece.start / 8) | (more ? 0x2000 : 0), 6);
    f.writeUInt16BE(0, 10);
    f.writeUInt16BE(checksum(f.subarray(0, hl)), 10);
    data.copy(f, hl);
    return f;
  });
}

/** IPv6 fragments (a fragment header after the fixed header) of a whole IPv6 packet without extension headers. */
export function ipv6Fragments(packet: Buffer, pieces: Piece[], id = 0x5eed): Buffer[] {
  const next = packet[6];
  const payload = packet.subarray(40, 40 + packet.readUInt16BE(4));
  return pieces.map((piece) => {
    if (piece.start % 8 !== 0) throw new Error('fragment offsets are multiples of 8');
    const data = dataOf(payload, piece);
    const f = Buffer.alloc(48 + data.length);
    packet.copy(f, 0, 0, 40);
    f.writeUInt16BE(8 + data.length, 4);
    f[6] = 44;
    f[40] = next;
    const more = piece.more ?? piece.end < payload.length;
    f.writeUInt16BE(piece.start | (more ? 1 : 0), 42);
    f.writeUInt32BE(id >>> 0, 44);
    data.copy(f, 48);
    return f;
  });
}

/** Fragments of either version, by the packet's version nibble. */
export function fragments(packet: Buffer, pieces: Piece[], id?: number): Buffer[] {
  return packet[0] >> 4 === 6 ? ipv6Fragments(packet, pieces, id) : ipv4Fragments(packet, pieces, id);
}

/**
 * The frames of a TCP conversation (craft.ts Conversation, Ethernet) with
 * every IP packet whose data exceeds `size` bytes sent as fragments of at
 * most `size` data bytes, each fragment at the time of the packet it came
 * from, in the order `order` gives (default: as sent). Ids count from `firstId`.
 */
export function fragmentFrames(frames: Timed[], size: number, order: (pieces: Piece[]) => Piece[] = (p) => p, firstId = 0x100): Timed[] {
  const out: Timed[] = [];
  let id = firstId;
  for (const f of frames) {
    const packet = f.data.subarray(14);
    const v6 = packet[0] >> 4 === 6;
    const dataLength = v6 ? packet.readUInt16BE(4) : packet.readUInt16BE(2) - (packet[0] & 15) * 4;
    if (dataLength <= size) {
      out.push(f);
      continue;
    }
    for (const frag of fragments(packet, order(piecesOf(dataLength, size)), id++)) out.push({ tsNs: f.tsNs, data: ether(frag) });
  }
  return out;
}
