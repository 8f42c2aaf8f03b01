/**
 * Builders for link layers and tunnels beyond plain Ethernet: cooked captures,
 * loopback, PPP, VLAN stacks, PPPoE, MPLS, GRE, ERSPAN, VXLAN and IPv6
 * extension headers. Like craft.ts, only tests and generated captures use it.
 */
import { ipBytes, macBytes, MAC_A, MAC_B, checksum } from './craft';

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff, 0);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export function sll(payload: Buffer, protocol: number, packetType = 0, arphrd = 1, mac = MAC_A): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(packetType, 0);
  h.writeUInt16BE(arphrd, 2);
  h.writeUInt16BE(6, 4);
  macBytes(mac).copy(h, 6);
  h.writeUInt16BE(protocol, 14);
  return Buffer.concat([h, payload]);
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276). */
export function sll2(payload: Buffer, protocol: number, ifindex = 2, packetType = 0, arphrd = 1, mac = MAC_A): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(protocol, 0);
  h.writeUInt32BE(ifindex, 4);
  h.writeUInt16BE(arphrd, 8);
  h[10] = packetType;
  h[11] = 6;
  macBytes(mac).copy(h, 12);
  return Buffer.concat([h, payload]);
}

/** BSD loopback (LINKTYPE_NULL 0, host byte order) or OpenBSD loop (108, big-endian). */
export function loopback(payload: Buffer, family: number, bigEndian: boolean): Buffer {
  const h = Buffer.alloc(4);
  if (bigEndian) h.writeUInt32BE(family, 0);
  else h.writeUInt32LE(family, 0);
  return Buffer.concat([h, payload]);
}

export interface PppOptions {
  /** Prefix the HDLC address and control bytes ff 03. */
  hdlc?: boolean;
  /** Protocol field compression: one byte instead of two. */
  compressed?: boolean;
}

/** A PPP frame (LINKTYPE_PPP 9, or PPP_HDLC 50 with hdlc). */
export function ppp(payload: Buffer, protocol: number, o: PppOptions = {}): Buffer {
  const parts: Buffer[] = [];
  if (o.hdlc) parts.push(Buffer.from([0xff, 0x03]));
  parts.push(o.compressed ? Buffer.from([protocol & 0xff]) : u16(protocol));
  parts.push(payload);
  return Buffer.concat(parts);
}

export function pppProtocolOf(ipPacket: Buffer): number {
  return ipPacket[0] >> 4 === 6 ? 0x0057 : 0x0021;
}

/** Cisco HDLC (LINKTYPE_C_HDLC 104; also accepted on 50). */
export function ciscoHdlc(payload: Buffer, ethertype: number, address = 0x0f): Buffer {
  return Buffer.concat([Buffer.from([address, 0x00]), u16(ethertype), payload]);
}

export interface Tag {
  tpid: number;
  id: number;
  pcp?: number;
}

/** Ethernet II with any stack of tags, outermost first. */
export function etherTagged(payload: Buffer, ethertype: number, tags: Tag[], src = MAC_A, dst = MAC_B): Buffer {
  const parts: Buffer[] = [macBytes(dst), macBytes(src)];
  for (const t of tags) parts.push(u16(t.tpid), u16(((t.pcp ?? 0) << 13) | (t.id & 0xfff)));
  parts.push(u16(ethertype), payload);
  return Buffer.concat(parts);
}

/** PPPoE session payload (goes after ethertype 0x8864). */
export function pppoe(ipPacket: Buffer, session = 0x1234, protocol = pppProtocolOf(ipPacket)): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x11;
  h[1] = 0x00;
  h.writeUInt16BE(session, 2);
  h.writeUInt16BE(ipPacket.length + 2, 4);
  h.writeUInt16BE(protocol, 6);
  return Buffer.concat([h, ipPacket]);
}

/** An MPLS label stack (outermost first) in front of `payload`, optionally with a pseudowire control word. */
export function mpls(payload: Buffer, labels: number[], controlWord = false): Buffer {
  const parts = labels.map((label, i) => u32((label << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64));
  if (controlWord) parts.push(Buffer.alloc(4));
  parts.push(payload);
  return Buffer.concat(parts);
}

export interface GreOptions {
  checksum?: boolean;
  key?: number;
  seq?: number;
  /** Version bits (1 = PPTP enhanced GRE). */
  version?: number;
}

/** A GRE header and payload (goes in IP protocol 47). */
export function gre(payload: Buffer, protocol: number, o: GreOptions = {}): Buffer {
  let flags = o.version ?? 0;
  if (o.checksum) flags |= 0x8000;
  if (o.key !== undefined) flags |= 0x2000;
  if (o.seq !== undefined) flags |= 0x1000;
  const parts: Buffer[] = [u16(flags), u16(protocol)];
  const csumAt = o.checksum ? 4 : -1;
  if (o.checksum) parts.push(Buffer.alloc(4));
  if (o.key !== undefined) parts.push(u32(o.key));
  if (o.seq !== undefined) parts.push(u32(o.seq));
  parts.push(payload);
  const b = Buffer.concat(parts);
  if (csumAt >= 0) b.writeUInt16BE(checksum(b), csumAt);
  return b;
}

/** GRE + ERSPAN type II header + the mirrored Ethernet frame. */
export function erspan2(frame: Buffer, session = 1, vlan = 0, seq = 1): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE((1 << 12) | (vlan & 0xfff), 0);
  h.writeUInt16BE(session & 0x3ff, 2);
  h.writeUInt32BE(7, 4); // index
  return gre(Buffer.concat([h, frame]), 0x88be, { seq });
}

/** GRE (no sequence number) + the mirrored Ethernet frame: ERSPAN type I. */
export function erspan1(frame: Buffer): Buffer {
  return gre(frame, 0x88be);
}

export interface Erspan3Options {
  session?: number;
  /** Add the 8-byte platform-specific subheader (sets the O bit). */
  platform?: boolean;
  /** Frame type: 0 Ethernet, 2 IP. */
  frameType?: number;
  seq?: number;
}

/** GRE + ERSPAN type III header (+ optional platform subheader) + the mirrored frame. */
export function erspan3(frame: Buffer, o: Erspan3Options = {}): Buffer {
  const h = Buffer.alloc(o.platform ? 20 : 12);
  h.writeUInt16BE((2 << 12) | 0, 0);
  h.writeUInt16BE((o.session ?? 1) & 0x3ff, 2);
  h.writeUInt32BE(0x01020304, 4); // timestamp
  h.writeUInt16BE(0xabcd, 8); // SGT
  h[10] = ((o.frameType ?? 0) & 0x1f) << 2;
  h[11] = o.platform ? 1 : 0;
  if (o.platform) {
    h.writeUInt32BE((3 << 26) | 0x1234, 12);
    h.writeUInt32BE(0xdeadbeef, 16);
  }
  return gre(Buffer.concat([h, frame]), 0x22eb, { seq: o.seq ?? 1 });
}

/** A VXLAN header and the inner Ethernet frame (a UDP payload for port 4789). */
export function vxlan(frame: Buffer, vni = 100): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUInt32BE((vni & 0xffffff) << 8, 4);
  return Buffer.concat([h, frame]);
}

/** An IPv6 extension header with room for `bodyLength` bytes after next-header/length (padded to 8). */
export function extHeader(next: number, bodyLength = 6): Buffer {
  const len = (bodyLength + 2 + 7) & ~7;
  const h = Buffer.alloc(len);
  h[0] = next;
  h[1] = len / 8 - 1;
  if (len >= 8) h[2] = 1; // a PadN option so the bytes are well-formed options
  if (len >= 8) h[3] = len - 4;
  return h;
}

/** IPv6 fragment header: offset in bytes (multiple of 8). */
export function fragHeader(next: number, offset: number, more: boolean, id = 0xcafe): Buffer {
  const h = Buffer.alloc(8);
  h[0] = next;
  h.writeUInt16BE((offset & 0xfff8) | (more ? 1 : 0), 2);
  h.writeUInt32BE(id, 4);
  return h;
}

/** IPv6 authentication header with an ICV of `icvLength` bytes (length in 4-byte units minus 2). */
export function ahHeader(next: number, icvLength = 12): Buffer {
  const h = Buffer.alloc(12 + icvLength);
  h[0] = next;
  h[1] = h.length / 4 - 2;
  h.writeUInt32BE(0x100, 4); // SPI
  h.writeUInt32BE(1, 8); // sequence
  return h;
}

/** An IPv6 header whose first next-header is `next`, followed by `rest` (extension headers and transport as bytes). */
export function ipv6Raw(src: string, dst: string, next: number, rest: Buffer): Buffer {
  const p = Buffer.alloc(40 + rest.length);
  p.writeUInt32BE(0x60000000, 0);
  p.writeUInt16BE(rest.length, 4);
  p[6] = next;
  p[7] = 64;
  ipBytes(src).copy(p, 8);
  ipBytes(dst).copy(p, 24);
  rest.copy(p, 40);
  return p;
}
