/**
 * The first N records of a classic pcap as a file of their own, so that the
 * replay, the scan and the findings all see exactly the same packets.
 */
import * as fs from 'node:fs';

/** Copies the global header and the first `limit` records of `src` to `dst`; returns how many were copied. */
export function cutPcap(src: string, dst: string, limit: number): number {
  const fd = fs.openSync(src, 'r');
  const out = fs.openSync(dst, 'w');
  try {
    const head = Buffer.alloc(24);
    if (fs.readSync(fd, head, 0, 24, 0) !== 24) throw new Error(`${src}: shorter than a pcap header`);
    const magic = head.readUInt32LE(0);
    const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    if (!le && head.readUInt32BE(0) !== 0xa1b2c3d4 && head.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${src}: not a classic pcap`);
    fs.writeSync(out, head);
    const chunk = Buffer.alloc(1 << 22);
    let pos = 24;
    let filled = 0;
    let off = 0;
    let n = 0;
    const refill = (): void => {
      chunk.copy(chunk, 0, off, filled);
      filled -= off;
      off = 0;
      const got = fs.readSync(fd, chunk, filled, chunk.length - filled, pos);
      pos += got;
      filled += got;
    };
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    while (n < limit) {
      if (filled - off < 16) refill();
      if (filled - off < 16) break;
      const incl = le ? chunk.readUInt32LE(off + 8) : chunk.readUInt32BE(off + 8);
      if (filled - off < 16 + incl) refill();
      if (filled - off < 16 + incl) break; // truncated last record: not copied
      pending.push(Buffer.from(chunk.subarray(off, off + 16 + incl)));
      pendingBytes += 16 + incl;
      off += 16 + incl;
      n++;
      if (pendingBytes > 1 << 22) {
        fs.writeSync(out, Buffer.concat(pending));
        pending.length = 0;
        pendingBytes = 0;
      }
    }
    if (pending.length > 0) fs.writeSync(out, Buffer.concat(pending));
    return n;
  } finally {
    fs.closeSync(fd);
    fs.closeSync(out);
  }
}

/** `src` with its records repeated `times` over under one header: the packets `tcpreplay --loop times` sends, as one file to scan. */
export function repeatPcap(src: string, dst: string, times: number): void {
  const data = fs.readFileSync(src);
  const out = fs.openSync(dst, 'w');
  try {
    fs.writeSync(out, data, 0, 24);
    for (let i = 0; i < times; i++) fs.writeSync(out, data, 24, data.length - 24);
  } finally {
    fs.closeSync(out);
  }
}
