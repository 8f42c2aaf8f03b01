/**
 * Structure-aware mutations: the framing stays valid (framing.ts writes every
 * length back), while packet headers, payload text, timestamps, interface
 * options and the order and number of records change.
 */
import { int, pick, type Rand } from '../support/mutate';
import { EPB, IDB, PB, PCAP, getU32, idbOptions, isPacket, putU32, setIdbOptions, type Capture, type Rec } from './framing';
import { fragmentFrame, longLineSegments } from './fragment';
import { findIpHeaders, fixLengths, mutateHeader } from './packet';
import { mutatePayload } from './payload';

const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
const MAX_FRAME = 65535 + 64;

function packets(c: Capture): Rec[] {
  return c.records.filter(isPacket);
}

function copyRec(r: Rec): Rec {
  return { ...r, head: Buffer.from(r.head), data: Buffer.from(r.data), tail: Buffer.from(r.tail) };
}

function headerField(r: Rand, c: Capture, ops: string[]): boolean {
  const cands = packets(c).filter((p) => findIpHeaders(p.data).length > 0);
  if (cands.length === 0) return false;
  const rec = pick(r, cands);
  const h = pick(r, findIpHeaders(rec.data));
  mutateHeader(r, rec.data, h, ops);
  ops[ops.length - 1] += ` (record ${c.records.indexOf(rec)})`;
  return true;
}

function payloadText(r: Rand, c: Capture, ops: string[]): boolean {
  const cands: Array<{ rec: Rec; h: ReturnType<typeof findIpHeaders>[number] }> = [];
  for (const rec of packets(c)) {
    for (const h of findIpHeaders(rec.data)) if (h.payload >= 0 && h.payload < rec.data.length) cands.push({ rec, h });
  }
  if (cands.length === 0) return false;
  // Prefer payloads with text in them: that is where the JSON-RPC and HTTP parsers are.
  const texty = cands.filter((x) => x.rec.data.subarray(x.h.payload).includes('"') || x.rec.data.subarray(x.h.payload).includes('HTTP'));
  const { rec, h } = pick(r, texty.length && r() < 0.85 ? texty : cands);
  const payload = mutatePayload(r, rec.data.subarray(h.payload), ops);
  ops[ops.length - 1] += ` (record ${c.records.indexOf(rec)})`;
  // No IP packet is longer than 64 KiB; past that only the reader's record cap would be tested.
  rec.data = Buffer.concat([rec.data.subarray(0, h.payload), payload]).subarray(0, MAX_FRAME);
  if (r() < 0.9) fixLengths(rec.data, h);
  return true;
}

function timestamp(r: Rand, c: Capture, ops: string[]): boolean {
  const recs = packets(c).filter((p) => p.type === PCAP || p.type === EPB || p.type === PB);
  if (recs.length === 0) return false;
  const i = int(r, recs.length);
  const rec = recs[i];
  const at = rec.type === PCAP ? 0 : 4;
  const kind = int(r, 4);
  if (kind === 0) {
    const v = pick(r, [0, 0xffffffff, 0x7fffffff, 0x80000000, 1]);
    putU32(rec.head, at, v, rec.le);
    if (rec.type !== PCAP) putU32(rec.head, at + 4, pick(r, [0, 0xffffffff]), rec.le);
    ops.push(`timestamp high word 0x${v.toString(16)} (record ${c.records.indexOf(rec)})`);
  } else if (kind === 1) {
    // pcap: a fraction past one second (micro- or nanoseconds); pcapng: the low word.
    const v = pick(r, [999999, 1000000, 999999999, 1000000000, 0xffffffff]);
    putU32(rec.head, at + 4, v, rec.le);
    ops.push(`timestamp low word ${v} (record ${c.records.indexOf(rec)})`);
  } else if (kind === 2 && i > 0) {
    // Time going backwards: an earlier record's time minus a little, or far back.
    const prev = recs[int(r, i)];
    const hi = getU32(prev.head, at, prev.le);
    putU32(rec.head, at, Math.max(0, hi - pick(r, [0, 1, 3600, 86400 * 365])), rec.le);
    putU32(rec.head, at + 4, getU32(prev.head, at + 4, prev.le), rec.le);
    ops.push(`timestamp backwards (record ${c.records.indexOf(rec)})`);
  } else {
    for (const x of recs.slice(i)) {
      putU32(x.head, at, int(r, 2 ** 32), x.le);
      putU32(x.head, at + 4, int(r, 2 ** 32), x.le);
    }
    ops.push(`timestamps random from record ${c.records.indexOf(rec)}`);
  }
  return true;
}

function int64(v: bigint, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigInt64LE(v);
  else b.writeBigInt64BE(v);
  return b;
}

function interfaceOptions(r: Rand, c: Capture, ops: string[]): boolean {
  if (c.format === 'pcap') {
    const h = c.fileHeader;
    const kind = int(r, 4);
    if (kind === 0) {
      const v = pick(r, [0, 1, 101, 113, 276, 228, 229, 147, 0xffff, 0x10000001]);
      putU32(h, 20, v, c.le);
      ops.push(`pcap link type ${v}`);
    } else if (kind === 1) {
      const v = pick(r, [0, 1, 14, 65535, 0xffffffff]);
      putU32(h, 16, v, c.le);
      ops.push(`pcap snap length ${v}`);
    } else if (kind === 2) {
      // Microseconds <-> nanoseconds: the fraction is read at the other scale.
      const magic = getU32(h, 0, c.le);
      putU32(h, 0, magic === 0xa1b2c3d4 ? 0xa1b23c4d : 0xa1b2c3d4, c.le);
      ops.push('pcap time scale switched');
    } else {
      const v = pick(r, [0, 1, 2, 3, 5, 0xffff]);
      (c.le ? h.writeUInt16LE.bind(h) : h.writeUInt16BE.bind(h))(v, 6);
      ops.push(`pcap version minor ${v}`);
    }
    return true;
  }
  const idbs = c.records.filter((x) => x.type === IDB && x.head.length >= 8);
  if (idbs.length === 0) return false;
  const idb = pick(r, idbs);
  const opts = idbOptions(idb).filter((o) => o.code !== OPT_IF_TSRESOL && o.code !== OPT_IF_TSOFFSET);
  const kind = int(r, 4);
  if (kind === 0 || kind === 2) {
    const v = pick(r, [0, 1, 3, 9, 12, 15, 16, 19, 20, 63, 0x7f, 0x80, 0x81, 0xa0, 0xbf, 0xc0, 0xff]);
    opts.push({ code: OPT_IF_TSRESOL, value: Buffer.from([v]) });
    ops.push(`if_tsresol 0x${v.toString(16)}`);
  }
  if (kind === 1 || kind === 2) {
    const v = pick(r, [-(2n ** 63n), 2n ** 63n - 1n, -1n, 2n ** 40n, -(2n ** 40n), 2n ** 53n, 253402300800n, -62135596801n]);
    opts.push({ code: OPT_IF_TSOFFSET, value: int64(v, idb.le) });
    ops.push(`if_tsoffset ${v}`);
  }
  if (kind === 3) {
    const v = pick(r, [0, 1, 101, 113, 276, 0xffff]);
    (idb.le ? idb.head.writeUInt16LE.bind(idb.head) : idb.head.writeUInt16BE.bind(idb.head))(v, 0);
    ops.push(`interface link type ${v}`);
  }
  setIdbOptions(idb, opts);
  return true;
}

/** Packets of another committed capture put into this one (its link type may differ). */
function splice(r: Rand, c: Capture, other: Capture, ops: string[]): boolean {
  const theirs = packets(other);
  const mine = c.records.filter((x) => x.type === PCAP || x.type === EPB);
  if (theirs.length === 0 || mine.length === 0) return false;
  const n = 1 + int(r, Math.min(theirs.length, 20));
  const from = int(r, theirs.length);
  const at = c.records.indexOf(pick(r, mine));
  const shape = c.records[at];
  const added = theirs.slice(from, from + n).map((t) => ({ ...copyRec(shape), data: Buffer.from(t.data), orig: null }));
  c.records.splice(at + int(r, 2), 0, ...added);
  ops.push(`spliced ${added.length} packet(s) of another capture at record ${at}`);
  return true;
}

function records(r: Rand, c: Capture, ops: string[]): boolean {
  const pk = packets(c);
  if (pk.length === 0) return false;
  const rec = pick(r, pk);
  const i = c.records.indexOf(rec);
  switch (int(r, 9)) {
    case 0:
      c.records.splice(i, 0, ...Array.from({ length: 1 + int(r, 3) }, () => copyRec(rec)));
      ops.push(`record ${i} duplicated`);
      return true;
    case 1:
      c.records.splice(i, 1 + int(r, 3));
      ops.push(`record(s) from ${i} deleted`);
      return true;
    case 2: {
      const j = c.records.indexOf(pick(r, pk));
      [c.records[i], c.records[j]] = [c.records[j], c.records[i]];
      ops.push(`records ${i} and ${j} swapped`);
      return true;
    }
    case 3: {
      // Cut by a snap length: fewer bytes captured than were on the wire.
      const keep = int(r, rec.data.length + 1);
      rec.orig = rec.orig ?? rec.data.length;
      rec.data = rec.data.subarray(0, keep);
      ops.push(`record ${i} cut to ${keep} of ${rec.orig} bytes`);
      return true;
    }
    case 4: {
      const h = findIpHeaders(rec.data).find((x) => x.protocol === 6 && x.payload > 0 && x.payload < rec.data.length - 1);
      if (h === undefined) return false;
      // One TCP segment sent as two: the second starts later in sequence space.
      const cut = h.payload + 1 + int(r, rec.data.length - h.payload - 1);
      const first = copyRec(rec);
      first.data = rec.data.subarray(0, cut);
      fixLengths(first.data, h);
      const second = copyRec(rec);
      second.data = Buffer.concat([rec.data.subarray(0, h.payload), rec.data.subarray(cut)]);
      second.data.writeUInt32BE((second.data.readUInt32BE(h.transport + 4) + cut - h.payload) >>> 0, h.transport + 4);
      fixLengths(second.data, h);
      c.records.splice(i, 1, ...(r() < 0.3 ? [second, first] : [first, second]));
      ops.push(`record ${i} split into two segments at payload byte ${cut - h.payload}`);
      return true;
    }
    case 5: {
      // Many copies of one packet from ever new source ports: a flood of flows.
      const h = findIpHeaders(rec.data).find((x) => x.transport >= 0);
      if (h === undefined) return false;
      const n = pick(r, [100, 1000, 3000]);
      const flood = Array.from({ length: n }, (_, k) => {
        const x = copyRec(rec);
        x.data.writeUInt16BE((1024 + k) & 0xffff, h.transport);
        return x;
      });
      c.records.splice(i, 0, ...flood);
      ops.push(`record ${i} repeated ${n} times from new source ports`);
      return true;
    }
    case 6: {
      const h = findIpHeaders(rec.data).find((x) => x.transport >= 0);
      const frames = h === undefined ? null : fragmentFrame(r, rec.data, h, ops);
      if (frames === null) return false;
      c.records.splice(i, 1, ...frames.map((data) => ({ ...copyRec(rec), data, orig: null })));
      ops[ops.length - 1] += ` (record ${i})`;
      return true;
    }
    case 7: {
      // Of the segments that carry data (most records are bare ACKs).
      const carrying = pk.filter((p) => findIpHeaders(p.data).some((x) => x.protocol === 6 && x.payload >= 0 && x.payload < p.data.length));
      if (carrying.length === 0) return false;
      const seg = pick(r, carrying);
      const h = findIpHeaders(seg.data).find((x) => x.protocol === 6 && x.payload >= 0 && x.payload < seg.data.length)!;
      const frames = longLineSegments(r, seg.data, h, ops) as Buffer[];
      const at = c.records.indexOf(seg);
      c.records.splice(at, 1, ...frames.map((data) => ({ ...copyRec(seg), data, orig: null })));
      ops[ops.length - 1] += ` (record ${at})`;
      return true;
    }
    default: {
      if (rec.type !== EPB && rec.type !== PB) {
        rec.data = Buffer.alloc(0);
        ops.push(`record ${i} emptied`);
        return true;
      }
      const v = pick(r, [1, 2, 255, 0xffff, 0xffffffff]);
      if (rec.type === EPB) putU32(rec.head, 0, v, rec.le);
      else (rec.le ? rec.head.writeUInt16LE.bind(rec.head) : rec.head.writeUInt16BE.bind(rec.head))(v & 0xffff, 0);
      ops.push(`record ${i} interface id ${v}`);
      return true;
    }
  }
}

/**
 * One to `max` structure-aware mutations of `c` (in place). `other` is a
 * second capture to splice packets from. Returns false when none applied.
 */
export function mutateStructure(r: Rand, c: Capture, other: Capture | null, ops: string[], max = 3): boolean {
  const n = 1 + int(r, max);
  let applied = false;
  for (let k = 0; k < n; k++) {
    const what = int(r, 12);
    if (what < 3) applied = headerField(r, c, ops) || applied;
    else if (what < 6) applied = payloadText(r, c, ops) || applied;
    else if (what < 8) applied = timestamp(r, c, ops) || applied;
    else if (what < 9) applied = interfaceOptions(r, c, ops) || applied;
    else if (what < 10) applied = (other !== null && splice(r, c, other, ops)) || applied;
    else applied = records(r, c, ops) || applied;
  }
  return applied;
}
