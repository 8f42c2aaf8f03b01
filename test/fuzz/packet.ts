/**
 * Finds the IP and transport headers inside a captured frame of any link type
 * (by shape, not by link type: a tunnel's inner header is found as well as the
 * outer one) and mutates their fields, keeping the rest of the frame intact.
 */
import { int, pick, type Rand } from '../support/mutate';

export interface IpAt {
  /** Offset of the IP header in the frame. */
  ip: number;
  version: 4 | 6;
  /** Offset of the TCP/UDP header, or -1 when the next header is something else. */
  transport: number;
  protocol: number;
  /** Offset of the transport payload (-1 without a TCP/UDP header). */
  payload: number;
}

function ipv4Checksum(b: Buffer, at: number, len: number): number {
  let sum = 0;
  for (let k = 0; k < len; k += 2) sum += (b[at + k] << 8) | b[at + k + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Recomputes an IPv4 header checksum, so a decoder that checked it would still read on. */
export function fixIpv4Checksum(b: Buffer, at: number): void {
  const ihl = (b[at] & 0x0f) * 4;
  if (ihl < 20 || at + ihl > b.length) return;
  b.writeUInt16BE(0, at + 10);
  b.writeUInt16BE(ipv4Checksum(b, at, ihl), at + 10);
}

function transportOf(b: Buffer, ip: number, version: 4 | 6): IpAt {
  const protocol = version === 4 ? b[ip + 9] : b[ip + 6];
  const t = version === 4 ? ip + (b[ip] & 0x0f) * 4 : ip + 40;
  let payload = -1;
  if (protocol === 6 && t + 20 <= b.length) payload = Math.min(b.length, t + (b[t + 12] >> 4) * 4);
  else if (protocol === 17 && t + 8 <= b.length) payload = t + 8;
  return { ip, version, protocol, transport: payload < 0 ? -1 : t, payload };
}

/** Every plausible IP header in the frame: IPv4 with a valid checksum, IPv6 whose length fits. */
export function findIpHeaders(b: Buffer): IpAt[] {
  const out: IpAt[] = [];
  const limit = Math.min(b.length - 20, 160);
  for (let o = 0; o <= limit; o++) {
    const v = b[o] >> 4;
    if (v === 4) {
      const ihl = (b[o] & 0x0f) * 4;
      const total = b.readUInt16BE(o + 2);
      if (ihl >= 20 && o + ihl <= b.length && total >= ihl && o + total <= b.length && ipv4Checksum(b, o, ihl) === 0) out.push(transportOf(b, o, 4));
    } else if (v === 6 && o + 40 <= b.length) {
      const plen = b.readUInt16BE(o + 4);
      const next = b[o + 6];
      if (o + 40 + plen <= b.length && o + 40 + plen >= b.length - 4 && [0, 6, 17, 43, 44, 58, 60, 59, 4, 41, 47].includes(next)) out.push(transportOf(b, o, 6));
    }
  }
  return out;
}

/** Ports the detectors and the flow code treat specially, and the edges of the range. */
export const PORTS = [0, 1, 53, 80, 443, 3128, 3333, 4444, 5555, 7777, 8080, 8332, 8333, 9999, 14444, 18080, 18081, 45700, 65535] as const;

/** After the payload grew or shrank, makes the IP (and UDP) length fields agree with the frame again. */
export function fixLengths(b: Buffer, h: IpAt): void {
  if (h.version === 4) {
    b.writeUInt16BE(Math.min(0xffff, b.length - h.ip), h.ip + 2);
    fixIpv4Checksum(b, h.ip);
  } else {
    b.writeUInt16BE(Math.min(0xffff, Math.max(0, b.length - h.ip - 40)), h.ip + 4);
  }
  if (h.protocol === 17 && h.transport >= 0) b.writeUInt16BE(Math.min(0xffff, b.length - h.transport), h.transport + 4);
}

/** One header field of one IP packet in `b` (modified in place) set to a value that code branches on. */
export function mutateHeader(r: Rand, b: Buffer, h: IpAt, ops: string[]): void {
  const ip = h.ip;
  const choices: Array<() => string> = [];
  if (h.version === 4) {
    choices.push(
      () => {
        const v = pick(r, [0, 1, 19, 20, (b[ip] & 0x0f) * 4 - 1, b.length - ip + 1, 0xffff, int(r, 0x10000)]);
        b.writeUInt16BE(v & 0xffff, ip + 2);
        return `ipv4 total length ${v}`;
      },
      () => {
        const v = int(r, 16);
        b[ip] = 0x40 | v;
        return `ipv4 ihl ${v}`;
      },
      () => {
        // More-fragments, an offset, both, or DF: the reassembly and "later fragment" paths.
        const v = pick(r, [0x2000, 0x2000 | (1 + int(r, 8)), 1 + int(r, 0x1fff), 0x4000, 0x1fff, 0x3fff, 0x2000 | 0x1fff]);
        b.writeUInt16BE(v, ip + 6);
        return `ipv4 flags/fragment 0x${v.toString(16)}`;
      },
      () => {
        const v = pick(r, [0, 1, 4, 6, 17, 41, 47, 50, 132, 255]);
        b[ip + 9] = v;
        return `ipv4 protocol ${v}`;
      },
      () => {
        b.copy(b, ip + 16, ip + 12, ip + 16);
        return 'ipv4 destination = source';
      },
      () => {
        const v = pick(r, [0x00000000, 0xffffffff, 0x7f000001, 0xe0000001, int(r, 2 ** 32)]);
        b.writeUInt32BE(v >>> 0, ip + pick(r, [12, 16]));
        return `ipv4 address 0x${v.toString(16)}`;
      },
      () => {
        b[ip] = 0x60 | (b[ip] & 0x0f);
        return 'ipv4 version nibble 6';
      },
    );
  } else {
    choices.push(
      () => {
        const v = pick(r, [0, 1, 7, 8, 0xffff, b.length - ip - 40 + 1, int(r, 0x10000)]);
        b.writeUInt16BE(v & 0xffff, ip + 4);
        return `ipv6 payload length ${v}`;
      },
      () => {
        const v = pick(r, [0, 43, 44, 60, 59, 58, 4, 41, 6, 17, 255]);
        b[ip + 6] = v;
        return `ipv6 next header ${v}`;
      },
      () => {
        b.copy(b, ip + 24, ip + 8, ip + 24);
        return 'ipv6 destination = source';
      },
    );
  }
  const t = h.transport;
  if (t >= 0 && h.protocol === 6) {
    choices.push(
      () => {
        const v = pick(r, PORTS);
        b.writeUInt16BE(v, t + pick(r, [0, 2]));
        return `tcp port ${v}`;
      },
      () => {
        const v = int(r, 16);
        b[t + 12] = (v << 4) | (b[t + 12] & 0x0f);
        return `tcp data offset ${v}`;
      },
      () => {
        // SYN, FIN, RST, SYN|FIN|RST|PSH|ACK|URG, none, random.
        const v = pick(r, [0x02, 0x01, 0x04, 0x3f, 0x00, 0x12, 0x11, int(r, 256)]);
        b[t + 13] = v;
        return `tcp flags 0x${v.toString(16)}`;
      },
      () => {
        const at = t + pick(r, [4, 8]);
        const old = b.readUInt32BE(at);
        const v = pick(r, [0, 0xffffffff, (old + 0x80000000) >>> 0, (old - 1) >>> 0, (old + 1 + int(r, 20000)) >>> 0, int(r, 2 ** 32)]);
        b.writeUInt32BE(v >>> 0, at);
        return `tcp ${at === t + 4 ? 'seq' : 'ack'} ${v}`;
      },
    );
  }
  if (t >= 0 && h.protocol === 17) {
    choices.push(
      () => {
        const v = pick(r, [0, 7, 8, 9, 0xffff, b.length - t + 1]);
        b.writeUInt16BE(v, t + 4);
        return `udp length ${v}`;
      },
      () => {
        const v = pick(r, PORTS);
        b.writeUInt16BE(v, t + pick(r, [0, 2]));
        return `udp port ${v}`;
      },
    );
  }
  ops.push(pick(r, choices)());
  // Mostly keep the checksum right, so the field itself is what the decoder meets.
  if (h.version === 4 && r() < 0.8) fixIpv4Checksum(b, ip);
}
