/**
 * Builds real packet bytes (checksums included) for the project's generated
 * captures and tests. Nothing here is used by poolwatch itself.
 */
import { isIPv4 } from 'node:net';
import { Frame } from '../../src/capture/frame';
import type { Record } from '../../src/capture/writer';

export function ipBytes(addr: string): Buffer {
  if (isIPv4(addr)) return Buffer.from(addr.split('.').map(Number));
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

export function checksum(...parts: Buffer[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i + 1 < p.length; i += 2) sum += p.readUInt16BE(i);
    if (p.length & 1) sum += p[p.length - 1] << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: string, dst: string, proto: number, length: number): Buffer {
  const s = ipBytes(src);
  const d = ipBytes(dst);
  if (s.length === 4) {
    const p = Buffer.alloc(12);
    s.copy(p, 0);
    d.copy(p, 4);
    p[9] = proto;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  s.copy(p, 0);
  d.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = proto;
  return p;
}

const FLAG_BITS: { [k: string]: number } = { F: 1, S: 2, R: 4, P: 8, A: 16, U: 32 };

export interface TcpOptions {
  seq?: number;
  ack?: number;
  /** Letters of the flags: S, A, P, F, R, U (e.g. 'SA', 'PA'). */
  flags?: string;
  window?: number;
  options?: Buffer;
}

export function tcp(src: string, dst: string, sport: number, dport: number, payload: Buffer | string = Buffer.alloc(0), o: TcpOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  const seg = Buffer.alloc(hl + data.length);
  seg.writeUInt16BE(sport, 0);
  seg.writeUInt16BE(dport, 2);
  seg.writeUInt32BE((o.seq ?? 1000) >>> 0, 4);
  seg.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  seg[12] = (hl / 4) << 4;
  let flags = 0;
  for (const c of o.flags ?? 'A') flags |= FLAG_BITS[c] ?? 0;
  seg[13] = flags;
  seg.writeUInt16BE(o.window ?? 64240, 14);
  opts.copy(seg, 20);
  data.copy(seg, hl);
  seg.writeUInt16BE(checksum(pseudoHeader(src, dst, 6, seg.length), seg), 16);
  return seg;
}

export function udp(src: string, dst: string, sport: number, dport: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const seg = Buffer.alloc(8 + data.length);
  seg.writeUInt16BE(sport, 0);
  seg.writeUInt16BE(dport, 2);
  seg.writeUInt16BE(seg.length, 4);
  data.copy(seg, 8);
  seg.writeUInt16BE(checksum(pseudoHeader(src, dst, 17, seg.length), seg) || 0xffff, 6);
  return seg;
}

export interface Ipv4Options {
  ttl?: number;
  id?: number;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragmentOffset?: number;
  moreFragments?: boolean;
  options?: Buffer;
}

export function ipv4(src: string, dst: string, proto: number, payload: Buffer, o: Ipv4Options = {}): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const hl = 20 + opts.length;
  const p = Buffer.alloc(hl + payload.length);
  p[0] = 0x40 | (hl / 4);
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(o.id ?? 0x1234, 4);
  p.writeUInt16BE(((o.fragmentOffset ?? 0) / 8) | (o.moreFragments ? 0x2000 : 0) | (o.fragmentOffset || o.moreFragments ? 0 : 0x4000), 6);
  p[8] = o.ttl ?? 64;
  p[9] = proto;
  ipBytes(src).copy(p, 12);
  ipBytes(dst).copy(p, 16);
  opts.copy(p, 20);
  p.writeUInt16BE(checksum(p.subarray(0, hl)), 10);
  payload.copy(p, hl);
  return p;
}

/** An IPv6 extension header to put before the transport: [nextHeaderType, body (without the first two bytes)]. */
export interface Ipv6Extension {
  type: number;
  body: Buffer;
}

export function ipv6(src: string, dst: string, proto: number, payload: Buffer, extensions: Ipv6Extension[] = []): Buffer {
  const chain: Buffer[] = [];
  for (let i = 0; i < extensions.length; i++) {
    const next = i + 1 < extensions.length ? extensions[i + 1].type : proto;
    const ext = extensions[i];
    if (ext.type === 44) {
      const h = Buffer.alloc(8);
      h[0] = next;
      ext.body.copy(h, 2, 0, 6);
      chain.push(h);
    } else {
      const len = (ext.body.length + 2 + 7) & ~7;
      const h = Buffer.alloc(len);
      h[0] = next;
      h[1] = len / 8 - 1;
      ext.body.copy(h, 2);
      chain.push(h);
    }
  }
  const ext = Buffer.concat(chain);
  const p = Buffer.alloc(40 + ext.length + payload.length);
  p.writeUInt32BE(0x60000000, 0);
  p.writeUInt16BE(ext.length + payload.length, 4);
  p[6] = extensions.length ? extensions[0].type : proto;
  p[7] = 64;
  ipBytes(src).copy(p, 8);
  ipBytes(dst).copy(p, 24);
  ext.copy(p, 40);
  payload.copy(p, 40 + ext.length);
  return p;
}

/** An IP packet with its transport, choosing IPv4 or IPv6 from the address text. */
export function ip(src: string, dst: string, proto: number, segment: Buffer): Buffer {
  return isIPv4(src) ? ipv4(src, dst, proto, segment) : ipv6(src, dst, proto, segment);
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
}

export const MAC_A = '02:00:00:00:00:0a';
export const MAC_B = '02:00:00:00:00:0b';

export function ethertypeOf(ipPacket: Buffer): number {
  return ipPacket[0] >> 4 === 6 ? 0x86dd : 0x0800;
}

/** Ethernet II frame; `vlans` adds 802.1Q tags (or 802.1ad outer tags when more than one). */
export function ether(payload: Buffer, ethertype = ethertypeOf(payload), vlans: number[] = [], src = MAC_A, dst = MAC_B): Buffer {
  const tags = vlans.map((id, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100, 0);
    t.writeUInt16BE(id & 0xfff, 2);
    return t;
  });
  const head = Buffer.alloc(12);
  macBytes(dst).copy(head, 0);
  macBytes(src).copy(head, 6);
  const type = Buffer.alloc(2);
  type.writeUInt16BE(ethertype, 0);
  // Each tag's TPID sits where the ethertype would, so the tag list is written TPID-first.
  return Buffer.concat([head, ...tags, type, payload]);
}

/** A timed frame for a capture. */
export interface Timed {
  tsNs: bigint;
  data: Buffer;
}

/** A timed frame as a reader hands it to an analyzer (a frame of its own, not a reused one). */
export function timedFrame(t: Timed): Frame {
  const f = new Frame();
  f.data = t.data;
  f.capLength = f.origLength = t.data.length;
  f.tsSec = Number(t.tsNs / 1_000_000_000n);
  f.tsNsec = Number(t.tsNs % 1_000_000_000n);
  return f;
}

export function toRecords(frames: Timed[]): Record[] {
  return frames.map((f) => ({ tsNs: f.tsNs, data: f.data }));
}

export interface ConversationOptions {
  client: string;
  server: string;
  clientPort: number;
  serverPort: number;
  /** Start time, ms since the epoch. */
  startMs?: number;
  /** Gap between packets, ms. */
  stepMs?: number;
  /** Wraps each IP packet into a frame (default Ethernet). */
  link?: (ipPacket: Buffer) => Buffer;
  clientSeq?: number;
  serverSeq?: number;
}

/**
 * A TCP conversation with consistent sequence numbers. Calls append frames in
 * order; `frames` can then be reordered or filtered by a test to model loss,
 * retransmission or a capture that starts mid-stream.
 */
export class Conversation {
  readonly frames: Timed[] = [];
  private t: number;
  private cseq: number;
  private sseq: number;
  constructor(readonly o: ConversationOptions) {
    this.t = o.startMs ?? Date.UTC(2026, 0, 15, 9, 0, 0);
    this.cseq = o.clientSeq ?? 0x10000000;
    this.sseq = o.serverSeq ?? 0x20000000;
  }

  private emit(fromClient: boolean, payload: Buffer, flags: string, seq?: number): this {
    const o = this.o;
    const [src, dst, sp, dp] = fromClient ? [o.client, o.server, o.clientPort, o.serverPort] : [o.server, o.client, o.serverPort, o.clientPort];
    const s = seq ?? (fromClient ? this.cseq : this.sseq);
    const a = fromClient ? this.sseq : this.cseq;
    const seg = tcp(src, dst, sp, dp, payload, { seq: s, ack: flags.includes('A') ? a : 0, flags });
    const pkt = ip(src, dst, 6, seg);
    this.frames.push({ tsNs: BigInt(Math.round(this.t * 1000)) * 1000n, data: (o.link ?? ether)(pkt) });
    this.t += o.stepMs ?? 1;
    return this;
  }

  handshake(): this {
    this.emit(true, Buffer.alloc(0), 'S');
    this.cseq += 1;
    this.emit(false, Buffer.alloc(0), 'SA');
    this.sseq += 1;
    return this.emit(true, Buffer.alloc(0), 'A');
  }

  /** Client sends `data` in segments of at most `mss` bytes. */
  client(data: Buffer | string, mss = 1460): this {
    return this.send(true, data, mss);
  }

  server(data: Buffer | string, mss = 1460): this {
    return this.send(false, data, mss);
  }

  private send(fromClient: boolean, data: Buffer | string, mss: number): this {
    const b = typeof data === 'string' ? Buffer.from(data) : data;
    for (let i = 0; i < b.length; i += mss) {
      const part = b.subarray(i, Math.min(b.length, i + mss));
      this.emit(fromClient, part, 'PA');
      if (fromClient) this.cseq = (this.cseq + part.length) >>> 0;
      else this.sseq = (this.sseq + part.length) >>> 0;
    }
    return this;
  }

  /** A segment with no data: the client's (or the server's) acknowledgement of what it has. */
  ack(fromClient = true): this {
    return this.emit(fromClient, Buffer.alloc(0), 'A');
  }

  /** Repeats the last frame as is (a retransmission). */
  retransmitLast(): this {
    const last = this.frames[this.frames.length - 1];
    this.frames.push({ tsNs: last.tsNs + 200_000_000n, data: last.data });
    return this;
  }

  close(): this {
    this.emit(true, Buffer.alloc(0), 'FA');
    this.cseq += 1;
    this.emit(false, Buffer.alloc(0), 'FA');
    this.sseq += 1;
    return this.emit(true, Buffer.alloc(0), 'A');
  }
}

/** A UDP datagram as an Ethernet frame at a time. */
export function udpFrame(src: string, dst: string, sport: number, dport: number, payload: Buffer | string, tsMs: number): Timed {
  return { tsNs: BigInt(Math.round(tsMs * 1000)) * 1000n, data: ether(ip(src, dst, 17, udp(src, dst, sport, dport, payload))) };
}
