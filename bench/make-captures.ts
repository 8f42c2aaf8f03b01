/**
 * Builds the benchmark captures, reproducibly (fixed seeds; the same bytes on
 * every machine for the same sources), into bench/data/ (not committed):
 *
 *   mixed  about 1.44 GB of packets, 333-byte average frame, ~4.3 M packets:
 *          web (TLS, HTTP), DNS, QUIC, NTP and interactive sessions of
 *          realistic sizes, like the capture in issue #5;
 *   small  3 M frames of at most 95 bytes (ACK streams, short connections,
 *          DNS, RTP, small UDP);
 *   flood  1 million distinct flows: a spoofed SYN flood and a port scan.
 *
 * Each one embeds copies of every capture in pcaps/samples and pcaps/real
 * ("sources") at known times, the opening hosts' addresses rewritten per copy
 * so every copy is its own set of flows. A manifest beside each capture
 * (NAME.json) lists the copies, their address maps and time shifts, from
 * which bench/run.ts derives the findings poolwatch must report.
 *
 *   node dist/bench/make-captures.js [--quick] [--only mixed,small,flood] [--force]
 *
 * A capture is rebuilt only when its manifest is missing or was made from
 * other parameters or other source captures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSignatures } from '../src/detect/signatures';
import { clientHello, dnsMessage, serverHelloMessage, tlsRecords } from '../test/support/craft-protocols';
import { PcapStream, dataDir, foldChecksum, optionValue, repoRoot, rng, wordSum } from './common';
import { addressOf, loadSource, locate, resegment, rewrite, sha256, sourceFiles, type Source } from './sources';

/** Bumped whenever the generator's output changes for the same parameters. */
const GENERATOR_VERSION = 8;

export type CaptureKind = 'mixed' | 'small' | 'flood';
export const CAPTURE_KINDS: CaptureKind[] = ['mixed', 'small', 'flood'];

export interface CaptureParams {
  kind: CaptureKind;
  seed: number;
  /** mixed: stop once this many packet bytes are written. */
  packetBytes: number;
  /** small: stop after this many packets. flood: distinct flood/scan flows. */
  count: number;
  /** Capture time the background spans, seconds. */
  durationS: number;
  /** Copies of each source capture embedded. */
  copies: number;
  /** Concurrent background flows. */
  slots: number;
  /** Largest frame (small: 95); sources' TCP segments are split to fit. */
  maxFrame: number;
}

export function captureParams(kind: CaptureKind, quick: boolean): CaptureParams {
  const q = quick ? 1 : 0;
  switch (kind) {
    case 'mixed':
      return { kind, seed: 501, packetBytes: q ? 64e6 : 1.44e9, count: 0, durationS: q ? 6 : 120, copies: q ? 3 : 40, slots: q ? 300 : 3000, maxFrame: 1514 };
    case 'small':
      return { kind, seed: 502, packetBytes: 0, count: q ? 150_000 : 3_000_000, durationS: q ? 2 : 20, copies: q ? 2 : 20, slots: q ? 500 : 2000, maxFrame: 95 };
    case 'flood':
      return { kind, seed: 503, packetBytes: 0, count: q ? 20_000 : 1_000_000, durationS: q ? 0.2 : 5, copies: q ? 2 : 20, slots: 64, maxFrame: 1514 };
  }
}

export function captureName(kind: CaptureKind, quick: boolean): string {
  return quick ? `${kind}-quick` : kind;
}

export interface Embed {
  source: string;
  copy: number;
  /** Added to every source timestamp, whole milliseconds. */
  shiftMs: number;
  /** Opening hosts' addresses: source text to text in this copy. */
  addresses: { [from: string]: string };
  /** Index (0-based) of the copy's first record in the capture. */
  firstRecord: number;
  records: number;
}

export interface Manifest {
  name: string;
  file: string;
  generatorVersion: number;
  params: CaptureParams;
  sources: Array<{ file: string; sha256: string; frames: number; clients: string[] }>;
  packets: number;
  packetBytes: number;
  fileBytes: number;
  averageFrame: number;
  maxFrame: number;
  /** Frames above params.maxFrame (source UDP datagrams that cannot be split). */
  oversizeFrames: number;
  backgroundFlows: { [kind: string]: number };
  firstUs: number;
  lastUs: number;
  seconds: number;
  embeds: Embed[];
  /** True when embedded TCP segments were split: packet and byte counts of findings then differ from the sources'. */
  resegmented: boolean;
}

// ------------------------------------------------------------------ background synthesis

const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

/** TCP option layouts: none (20-byte header), timestamps (32), a Linux SYN (40), MSS only as scanners send (24). */
const OPT_NONE = 0;
const OPT_TS = 1;
const OPT_SYN = 2;
const OPT_MSS = 3;
const OPT_LENGTH = [0, 12, 20, 4];

/** One background conversation; side 0 is the client. */
class Flow {
  v6 = false;
  c: Uint8Array = new Uint8Array(4);
  s: Uint8Array = new Uint8Array(4);
  cport = 0;
  sport = 0;
  cseq = 0;
  sseq = 0;
  tsval = 0;
  /** Uses TCP timestamps (Linux, macOS) rather than bare headers (some Windows stacks). */
  ts = true;
  mac = 0;
  ipId = 0;
  ttlC = 64;
  ttlS = 57;
}

const BLOCK = 1 << 22;

/** Where a flow's payload bytes come from, in stream order across segments. */
interface Payload {
  fill(s: Synth, b: Buffer, at: number, n: number): void;
}

/** Fixed bytes (a ClientHello, an HTTP header), then `then`, or random bytes once they run out. */
class Bytes implements Payload {
  private off = 0;
  constructor(
    readonly buf: Buffer,
    readonly then: Payload | null = null,
  ) {}
  fill(s: Synth, b: Buffer, at: number, n: number): void {
    const k = Math.max(0, Math.min(n, this.buf.length - this.off));
    this.buf.copy(b, at, this.off, this.off + k);
    this.off += k;
    if (n > k) {
      if (this.then !== null) this.then.fill(s, b, at + k, n - k);
      else s.randomInto(b, at + k, n - k);
    }
  }
}

/** A stream of TLS records (application data unless told otherwise) of random, encrypted-looking bodies. */
class TlsRecords implements Payload {
  private body = 0;
  private readonly head = Buffer.alloc(5);
  private headAt = 5;
  constructor(
    private remaining: number,
    private readonly type = 23,
  ) {}
  fill(s: Synth, b: Buffer, at: number, n: number): void {
    while (n > 0) {
      if (this.headAt < 5) {
        const k = Math.min(n, 5 - this.headAt);
        this.head.copy(b, at, this.headAt, this.headAt + k);
        this.headAt += k;
        at += k;
        n -= k;
        this.remaining -= k;
      } else if (this.body > 0 || this.remaining <= 5) {
        const k = this.body > 0 ? Math.min(n, this.body) : n;
        s.randomInto(b, at, k);
        this.body = Math.max(0, this.body - k);
        at += k;
        n -= k;
        this.remaining -= k;
      } else {
        // TLS 1.3 records carry at most 2^14 bytes of plaintext plus the AEAD tag and type byte.
        this.body = Math.min(16401, this.remaining - 5);
        this.head[0] = this.type;
        this.head[1] = 3;
        this.head[2] = 3;
        this.head.writeUInt16BE(this.body, 3);
        this.headAt = 0;
      }
    }
  }
}

/** Writes synthetic TCP/UDP frames straight into a PcapStream. */
class Synth {
  now = 0;
  /** Random bytes that stand for encrypted payload, and prefix sums of its 16-bit words for O(1) checksums. */
  readonly block: Buffer;
  private readonly prefix: Float64Array;
  private readonly routerMac = Buffer.from([0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x01]);

  constructor(
    readonly out: PcapStream,
    readonly random: () => number,
  ) {
    this.block = Buffer.allocUnsafe(BLOCK);
    for (let i = 0; i < BLOCK; i += 4) this.block.writeUInt32LE((random() * 4294967296) >>> 0, i);
    this.prefix = new Float64Array(BLOCK / 2 + 1);
    for (let i = 0; i < BLOCK / 2; i++) this.prefix[i + 1] = this.prefix[i] + ((this.block[2 * i] << 8) | this.block[2 * i + 1]);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  /** Word sum of `len` random-block bytes from an even offset (the block holds what the payload copies). */
  private blockSum(off: number, len: number): number {
    const even = len & ~1;
    let s = this.prefix[(off + even) >> 1] - this.prefix[off >> 1];
    if (len & 1) s += this.block[off + len - 1] << 8;
    return s;
  }

  private ethernet(b: Buffer, o: number, f: Flow, dir: number, v6: boolean): void {
    const host = dir === 0 ? o + 6 : o;
    const router = dir === 0 ? o : o + 6;
    this.routerMac.copy(b, router);
    b[host] = 0x3c;
    b[host + 1] = 0xfd;
    b[host + 2] = 0xfe;
    b[host + 3] = (f.mac >>> 16) & 255;
    b[host + 4] = (f.mac >>> 8) & 255;
    b[host + 5] = f.mac & 255;
    b[o + 12] = v6 ? 0x86 : 0x08;
    b[o + 13] = v6 ? 0xdd : 0x00;
  }

  /** IP header at o for `l4` transport bytes; returns the pseudo-header word sum. */
  private ip(b: Buffer, o: number, f: Flow, dir: number, proto: number, l4: number): number {
    const src = dir === 0 ? f.c : f.s;
    const dst = dir === 0 ? f.s : f.c;
    if (f.v6) {
      b.writeUInt32BE(0x60000000, o);
      b.writeUInt16BE(l4, o + 4);
      b[o + 6] = proto;
      b[o + 7] = dir === 0 ? f.ttlC : f.ttlS;
      b.set(src, o + 8);
      b.set(dst, o + 24);
      return wordSum(b, o + 8, o + 40) + proto + l4;
    }
    b[o] = 0x45;
    b[o + 1] = 0;
    b.writeUInt16BE(20 + l4, o + 2);
    b.writeUInt16BE((f.ipId = (f.ipId + 1) & 0xffff), o + 4);
    b[o + 6] = 0x40;
    b[o + 7] = 0;
    b[o + 8] = dir === 0 ? f.ttlC : f.ttlS;
    b[o + 9] = proto;
    b[o + 10] = 0;
    b[o + 11] = 0;
    b.set(src, o + 12);
    b.set(dst, o + 16);
    b.writeUInt16BE(foldChecksum(wordSum(b, o, o + 20)), o + 10);
    return wordSum(b, o + 12, o + 20) + proto + l4;
  }

  /** `n` random-block bytes into b at `at` (encrypted or compressed payload). */
  randomInto(b: Buffer, at: number, n: number): void {
    const from = this.int(0, BLOCK - n - 1);
    this.block.copy(b, at, from, from + n);
  }

  /**
   * One TCP segment at `now` with `len` payload bytes taken from `src` (random
   * bytes when null). Sequence numbers advance per side.
   */
  tcp(f: Flow, dir: number, flags: number, len = 0, src: Payload | null = null, opts = -1): void {
    const opt = opts >= 0 ? opts : flags & SYN ? (f.ts ? OPT_SYN : OPT_MSS) : f.ts ? OPT_TS : OPT_NONE;
    const hl = 20 + OPT_LENGTH[opt];
    const ipl = f.v6 ? 40 : 20;
    const frameLen = Math.max(60, 14 + ipl + hl + len);
    const b = this.out.buf;
    const o = this.out.begin(Math.floor(this.now), frameLen);
    this.ethernet(b, o, f, dir, f.v6);
    const pseudo = this.ip(b, o + 14, f, dir, 6, hl + len);
    const t = o + 14 + ipl;
    const seq = dir === 0 ? f.cseq : f.sseq;
    const ack = dir === 0 ? f.sseq : f.cseq;
    b.writeUInt16BE(dir === 0 ? f.cport : f.sport, t);
    b.writeUInt16BE(dir === 0 ? f.sport : f.cport, t + 2);
    b.writeUInt32BE(seq >>> 0, t + 4);
    b.writeUInt32BE(flags & ACK ? ack >>> 0 : 0, t + 8);
    b[t + 12] = (hl / 4) << 4;
    b[t + 13] = flags;
    b.writeUInt16BE(flags & SYN ? 64240 : 502, t + 14);
    b[t + 16] = b[t + 17] = b[t + 18] = b[t + 19] = 0;
    let p = t + 20;
    f.tsval = (f.tsval + 1) >>> 0;
    if (opt === OPT_TS) {
      b[p] = 1;
      b[p + 1] = 1;
      b[p + 2] = 8;
      b[p + 3] = 10;
      b.writeUInt32BE(f.tsval, p + 4);
      b.writeUInt32BE((f.tsval ^ 0x5a5a5a5a) >>> 0, p + 8);
      p += 12;
    } else if (opt === OPT_SYN) {
      b.writeUInt32BE(0x020405b4, p); // MSS 1460
      b.writeUInt32BE(0x0402080a, p + 4); // SACK permitted, timestamps
      b.writeUInt32BE(f.tsval, p + 8);
      b.writeUInt32BE(flags & ACK ? (f.tsval ^ 0x5a5a5a5a) >>> 0 : 0, p + 12);
      b.writeUInt32BE(0x01030307, p + 16); // NOP, window scale 7
      p += 20;
    } else if (opt === OPT_MSS) {
      b.writeUInt32BE(0x020405b4, p);
      p += 4;
    }
    let sum = pseudo + wordSum(b, t, p);
    if (len > 0) {
      if (src !== null) {
        src.fill(this, b, p, len);
        sum += wordSum(b, p, p + len);
      } else {
        const from = this.int(0, (BLOCK - len) >> 1) * 2;
        this.block.copy(b, p, from, from + len);
        sum += this.blockSum(from, len);
      }
    }
    b.writeUInt16BE(foldChecksum(sum), t + 16);
    if (frameLen > 14 + ipl + hl + len) b.fill(0, p + len, o + frameLen);
    const advance = len + (flags & (SYN | FIN) ? 1 : 0);
    if (dir === 0) f.cseq = (f.cseq + advance) >>> 0;
    else f.sseq = (f.sseq + advance) >>> 0;
  }

  /** One UDP datagram at `now` with `len` payload bytes from `src` (random bytes when null). */
  udp(f: Flow, dir: number, len: number, src: Payload | null = null): void {
    const ipl = f.v6 ? 40 : 20;
    const frameLen = Math.max(60, 14 + ipl + 8 + len);
    const b = this.out.buf;
    const o = this.out.begin(Math.floor(this.now), frameLen);
    this.ethernet(b, o, f, dir, f.v6);
    const pseudo = this.ip(b, o + 14, f, dir, 17, 8 + len);
    const u = o + 14 + ipl;
    b.writeUInt16BE(dir === 0 ? f.cport : f.sport, u);
    b.writeUInt16BE(dir === 0 ? f.sport : f.cport, u + 2);
    b.writeUInt16BE(8 + len, u + 4);
    b[u + 6] = b[u + 7] = 0;
    let sum = pseudo + wordSum(b, u, u + 8);
    if (src !== null) {
      src.fill(this, b, u + 8, len);
      sum += wordSum(b, u + 8, u + 8 + len);
    } else if (len > 0) {
      const from = this.int(0, (BLOCK - len) >> 1) * 2;
      this.block.copy(b, u + 8, from, from + len);
      sum += this.blockSum(from, len);
    }
    b.writeUInt16BE(foldChecksum(sum) || 0xffff, u + 6);
    if (frameLen > 14 + ipl + 8 + len) b.fill(0, u + 8 + len, o + frameLen);
  }
}

const CHANGE_CIPHER_SPEC = Buffer.from([20, 3, 3, 0, 1, 1]);

/** Addresses and application bytes the background flows draw from. */
class World {
  readonly clients4: Uint8Array[] = [];
  readonly clients6: Uint8Array[] = [];
  readonly servers4: Uint8Array[] = [];
  readonly servers6: Uint8Array[] = [];
  readonly resolver4 = Uint8Array.from([10, 160, 0, 53]);
  readonly resolver6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53]);
  readonly names: string[] = [];
  readonly hellos: Buffer[] = [];
  readonly gets: Buffer[] = [];
  readonly dnsPairs: Array<[Buffer, Buffer]> = [];
  /** Query/answer pairs whose frames stay within 95 bytes over IPv4. */
  readonly smallDns: Array<[Buffer, Buffer]> = [];
  readonly ntp = Buffer.alloc(48, 0);
  readonly sshBanner = Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
  /** ServerHello record and ChangeCipherSpec, what a TLS 1.3 server sends in clear. */
  readonly serverFirst = Buffer.concat([tlsRecords(serverHelloMessage(true), 16384, 22, 0x0303), CHANGE_CIPHER_SPEC]);

  constructor(random: () => number, avoid: Set<string>) {
    const pick = (n: number) => Math.floor(random() * n);
    const fresh = (make: () => Uint8Array): Uint8Array => {
      for (;;) {
        const a = make();
        const hex = Buffer.from(a).toString('hex');
        if (!avoid.has(hex)) {
          avoid.add(hex);
          return a;
        }
      }
    };
    // Watched hosts inside 10.160.0.0/12; servers in a few public-looking /16s (never routed: the bytes stay in a file).
    for (let i = 0; i < 20000; i++) this.clients4.push(fresh(() => Uint8Array.from([10, 160 + pick(16), pick(256), 1 + pick(254)])));
    for (let i = 0; i < 5000; i++) this.clients6.push(fresh(() => Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0x10, 0x00, 0, pick(256), 0, 0, 0, 0, pick(256), pick(256), pick(256), 1 + pick(254)])));
    const prefixes = [[23, 32], [104, 16], [142, 250], [151, 101], [13, 224], [52, 84], [185, 199], [172, 217], [31, 13], [157, 240], [93, 184], [146, 75]];
    for (let i = 0; i < 6000; i++) {
      const p = prefixes[pick(prefixes.length)];
      this.servers4.push(fresh(() => Uint8Array.from([p[0], p[1], pick(256), 1 + pick(254)])));
    }
    for (let i = 0; i < 2000; i++) this.servers6.push(fresh(() => Uint8Array.from([0x26, 0x06, 0x47, 0x00, 0, pick(16), 0, 0, 0, 0, 0, 0, 0, 0, pick(256), 1 + pick(254)])));
    const sigs = loadSignatures();
    const hosts = ['www', 'api', 'cdn', 'static', 'img', 'login', 'assets', 'edge', 'media', 'app', 'docs', 'news'];
    const orgs = ['example', 'contoso', 'fabrikam', 'northwind', 'adatum', 'tailspin', 'wingtip', 'litware', 'proseware', 'lucerne', 'alpine', 'relecloud'];
    const tlds = ['com', 'net', 'org', 'io', 'co.uk', 'de'];
    for (const h of hosts) for (const o of orgs) for (const t of tlds) {
      const name = `${h}.${o}.${t}`;
      // Ordinary sites only: a name under a pool domain would make a finding nobody expects.
      if (sigs.matchPoolDomain(name) === null) this.names.push(name);
    }
    for (let i = 0; i < 400; i++) {
      const name = this.names[pick(this.names.length)];
      const big = random() < 0.15;
      this.hellos.push(clientHello({ sni: name, alpn: ['h2', 'http/1.1'], grease: random() < 0.6, tls13: true, padTo: big ? undefined : 512, keyShareBytes: big ? 1216 : 32 }));
      const path = `/${['index.html', 'api/v2/items', 'static/app.js', 'img/logo.png', 'news/today', 'search?q=weather'][pick(6)]}`;
      this.gets.push(
        Buffer.from(
          `GET ${path} HTTP/1.1\r\nHost: ${name}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n` +
            `Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n`,
        ),
      );
    }
    for (let i = 0; i < 1500; i++) {
      const name = this.names[pick(this.names.length)];
      const aaaa = random() < 0.3;
      const id = pick(65536);
      const q = dnsMessage({ id, questions: [{ name, type: aaaa ? 28 : 1 }], edns: random() < 0.5 });
      const answers = [];
      const cname = random() < 0.3 ? `${name.split('.')[1]}.edgesuite.net` : null;
      if (cname !== null) answers.push({ name, type: 5, ttl: 300, data: cname });
      for (let k = 1 + pick(3); k > 0; k--) {
        const a = aaaa ? this.servers6[pick(this.servers6.length)] : this.servers4[pick(this.servers4.length)];
        answers.push({ name: cname ?? name, type: aaaa ? 28 : 1, ttl: 60 + pick(3600), data: addressOf(a) });
      }
      const r = dnsMessage({ id, response: true, flags: 0x0180, questions: [{ name, type: aaaa ? 28 : 1 }], answers });
      this.dnsPairs.push([q, r]);
      if (!aaaa) {
        const short = `${hosts[pick(hosts.length)].slice(0, 3)}.${orgs[pick(orgs.length)].slice(0, 6)}.io`;
        if (sigs.matchPoolDomain(short) !== null) continue;
        const sq = dnsMessage({ id, questions: [{ name: short, type: 1 }] });
        const sr = dnsMessage({ id, response: true, flags: 0x0180, questions: [{ name: short, type: 1 }], answers: [{ name: short, type: 1, ttl: 300, data: addressOf(this.servers4[pick(this.servers4.length)]) }] });
        if (14 + 20 + 8 + sr.length <= 95) this.smallDns.push([sq, sr]);
      }
    }
    this.ntp[0] = 0x23;
  }
}

type FlowGen = Generator<void, void, void>;

interface Background {
  /** A new flow's generator; each `next()` writes exactly one frame at `synth.now`. */
  start(): FlowGen;
  counts: { [kind: string]: number };
}

function newFlow(s: Synth, w: World, v6: boolean, sport: number, udp = false): Flow {
  const f = new Flow();
  f.v6 = v6;
  f.c = v6 ? w.clients6[s.int(0, w.clients6.length - 1)] : w.clients4[s.int(0, w.clients4.length - 1)];
  f.s = v6 ? w.servers6[s.int(0, w.servers6.length - 1)] : w.servers4[s.int(0, w.servers4.length - 1)];
  f.cport = s.int(32768, 60999);
  f.sport = sport;
  f.cseq = (s.random() * 4294967296) >>> 0;
  f.sseq = (s.random() * 4294967296) >>> 0;
  f.tsval = (s.random() * 4294967296) >>> 0;
  f.ts = udp || s.random() < 0.8;
  f.mac = f.c[f.c.length - 1] | (f.c[f.c.length - 2] << 8) | (f.c[f.c.length - 3] << 16);
  f.ipId = s.int(0, 65535);
  f.ttlC = v6 ? 64 : s.random() < 0.8 ? 64 : 128;
  f.ttlS = s.int(40, 60);
  return f;
}

/** Sends `total` bytes from `dir` in full segments, the other side acking every second one (delayed ACK). */
function* bulk(s: Synth, f: Flow, dir: number, total: number, src: Payload | null = null): FlowGen {
  const mss = (f.v6 ? 1440 : 1460) - (f.ts ? 12 : 0);
  let sent = 0;
  let unacked = 0;
  while (sent < total) {
    const len = Math.min(mss, total - sent);
    yield s.tcp(f, dir, sent + len >= total ? PSH | ACK : ACK, len, src);
    sent += len;
    if (++unacked === 2 || sent >= total) {
      yield s.tcp(f, 1 - dir, ACK);
      unacked = 0;
    }
  }
}

function* handshake(s: Synth, f: Flow): FlowGen {
  yield s.tcp(f, 0, SYN);
  yield s.tcp(f, 1, SYN | ACK);
  yield s.tcp(f, 0, ACK);
}

function* teardown(s: Synth, f: Flow): FlowGen {
  if (s.random() < 0.1) {
    yield s.tcp(f, 0, RST | ACK);
    return;
  }
  yield s.tcp(f, 0, FIN | ACK);
  yield s.tcp(f, 1, FIN | ACK);
  yield s.tcp(f, 0, ACK);
}

/** Response sizes: mostly small objects, a tail of large downloads (log-normal, median 8 KB, at most 1 MB). */
function responseSize(s: Synth): number {
  const u1 = Math.max(1e-12, s.random());
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * s.random());
  return Math.min(1_000_000, Math.max(200, Math.round(8000 * Math.exp(1.3 * z))));
}

/**
 * A TLS 1.3 handshake as a SPAN port sees it: the ClientHello in clear, the
 * ServerHello and ChangeCipherSpec, then only encrypted records.
 */
function* tlsHandshake(s: Synth, w: World, f: Flow): FlowGen {
  yield* handshake(s, f);
  const hello = w.hellos[s.int(0, w.hellos.length - 1)];
  yield* bulk(s, f, 0, hello.length, new Bytes(hello));
  const encrypted = s.int(2500, 5000);
  yield* bulk(s, f, 1, w.serverFirst.length + encrypted, new Bytes(w.serverFirst, new TlsRecords(encrypted)));
  yield s.tcp(f, 0, PSH | ACK, 64, new Bytes(CHANGE_CIPHER_SPEC, new TlsRecords(58)));
  const ticket = s.int(90, 560);
  yield s.tcp(f, 1, PSH | ACK, ticket, new TlsRecords(ticket));
}

function* https(s: Synth, w: World, f: Flow): FlowGen {
  yield* tlsHandshake(s, w, f);
  for (let r = 1 + Math.floor(-Math.log(Math.max(1e-9, s.random())) * 2); r > 0; r--) {
    const ask = s.int(40, 900);
    yield s.tcp(f, 0, PSH | ACK, ask, new TlsRecords(ask));
    const size = responseSize(s);
    yield* bulk(s, f, 1, size, new TlsRecords(size));
  }
  yield* teardown(s, f);
}

function* http(s: Synth, w: World, f: Flow): FlowGen {
  yield* handshake(s, f);
  const get = w.gets[s.int(0, w.gets.length - 1)];
  yield s.tcp(f, 0, PSH | ACK, get.length, new Bytes(get));
  const size = responseSize(s);
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\nCache-Control: max-age=3600\r\n\r\n`);
  yield* bulk(s, f, 1, head.length + size, new Bytes(head));
  yield* teardown(s, f);
}

/** SSH (banners in clear, then encrypted packets) or IMAPS (TLS, then small records): many small segments. */
function* interactive(s: Synth, w: World, f: Flow): FlowGen {
  const tls = f.sport !== 22;
  if (tls) yield* tlsHandshake(s, w, f);
  else {
    yield* handshake(s, f);
    yield s.tcp(f, 1, PSH | ACK, w.sshBanner.length, new Bytes(w.sshBanner));
    yield s.tcp(f, 0, PSH | ACK, w.sshBanner.length, new Bytes(w.sshBanner));
  }
  for (let n = s.int(10, 120); n > 0; n--) {
    const up = 36 + 16 * s.int(0, 2);
    const down = 36 + 16 * s.int(0, 6);
    yield s.tcp(f, 0, PSH | ACK, up, tls ? new TlsRecords(up) : null);
    yield s.tcp(f, 1, PSH | ACK, down, tls ? new TlsRecords(down) : null);
    if (s.random() < 0.6) yield s.tcp(f, 0, ACK);
  }
  yield* teardown(s, f);
}

function* dns(s: Synth, w: World, f: Flow, pairs: Array<[Buffer, Buffer]>): FlowGen {
  const [q, r] = pairs[s.int(0, pairs.length - 1)];
  yield s.udp(f, 0, q.length, new Bytes(q));
  if (s.random() < 0.97) yield s.udp(f, 1, r.length, new Bytes(r));
}

/** QUIC v1 header in front of encrypted bytes: long header (Initial) or short header (1-RTT). */
function quicHeader(s: Synth, long: boolean, dcid: Buffer, scid: Buffer, len: number): Buffer {
  if (!long) return Buffer.concat([Buffer.from([0x40 | s.int(0, 63)]), dcid]);
  const h = Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, dcid.length]), dcid, Buffer.from([scid.length]), scid, Buffer.from([0, 0, 0])]);
  // Length (2-byte varint): the rest of the packet after this field.
  h.writeUInt16BE(0x4000 | (len - h.length), h.length - 2);
  return h;
}

function* quic(s: Synth, f: Flow): FlowGen {
  const ccid = Buffer.alloc(8);
  const scid = Buffer.alloc(8);
  s.randomInto(ccid, 0, 8);
  s.randomInto(scid, 0, 8);
  yield s.udp(f, 0, 1252, new Bytes(quicHeader(s, true, scid, ccid, 1252)));
  let left = responseSize(s);
  let n = 0;
  while (left > 0) {
    const len = Math.min(left, 1232);
    yield s.udp(f, 1, len, new Bytes(quicHeader(s, n < 2 && len > 40, ccid, scid, len)));
    left -= len;
    if (++n % 2 === 0) yield s.udp(f, 0, s.int(30, 60), new Bytes(quicHeader(s, false, scid, ccid, 0)));
  }
  yield s.udp(f, 0, s.int(30, 60), new Bytes(quicHeader(s, false, scid, ccid, 0)));
}

function* ntp(s: Synth, w: World, f: Flow): FlowGen {
  yield s.udp(f, 0, 48, new Bytes(w.ntp));
  yield s.udp(f, 1, 48, new Bytes(w.ntp));
}

/** Web, DNS, QUIC, NTP and interactive traffic, steered toward an average frame size. */
function mixedBackground(s: Synth, w: World, targetAverage: number): Background {
  const counts: { [kind: string]: number } = { https: 0, http: 0, quic: 0, interactive: 0, dns: 0, ntp: 0 };
  const start = (): FlowGen => {
    const avg = s.out.packets > 1000 ? s.out.packetBytes / s.out.packets : targetAverage;
    const v6 = s.random() < 0.25;
    // Bulk kinds make the large frames. 0.14 of new flows gives about the target in steady
    // state (measured); a gentle pull on the running average corrects what the mix drifts by.
    const bulkShare = 0.14 * Math.min(3, Math.max(0.3, (targetAverage / avg) ** 4));
    let x = s.random();
    if (x < bulkShare) {
      x /= bulkShare;
      if (x < 0.75) {
        counts.https++;
        return https(s, w, newFlow(s, w, v6, 443));
      }
      if (x < 0.88) {
        counts.http++;
        return http(s, w, newFlow(s, w, v6, 80));
      }
      counts.quic++;
      return quic(s, newFlow(s, w, v6, 443, true));
    }
    x = (x - bulkShare) / (1 - bulkShare);
    if (x < 0.12) {
      counts.interactive++;
      return interactive(s, w, newFlow(s, w, v6, [22, 22, 993][s.int(0, 2)]));
    }
    if (x < 0.95) {
      counts.dns++;
      const f = newFlow(s, w, v6, 53, true);
      f.s = v6 ? w.resolver6 : w.resolver4;
      return dns(s, w, f, w.dnsPairs);
    }
    counts.ntp++;
    return ntp(s, w, newFlow(s, w, false, 123, true));
  };
  return { start, counts };
}

/** A download seen from the side that only acks (asymmetric SPAN): handshake, then bare ACKs. */
function* ackStream(s: Synth, f: Flow): FlowGen {
  yield* handshake(s, f);
  yield s.tcp(f, 0, PSH | ACK, s.int(1, (f.v6 ? 95 - 54 : 95 - 34) - (f.ts ? 32 : 20)));
  for (let n = s.int(20, 400); n > 0; n--) {
    f.sseq = (f.sseq + 2896) >>> 0;
    yield s.tcp(f, 0, ACK);
  }
  yield* teardown(s, f);
}

function* shortTalk(s: Synth, f: Flow): FlowGen {
  yield* handshake(s, f);
  const room = (f.v6 ? 95 - 54 : 95 - 34) - (f.ts ? 32 : 20);
  for (let n = s.int(1, 12); n > 0; n--) {
    yield s.tcp(f, 0, PSH | ACK, s.int(1, room));
    yield s.tcp(f, 1, PSH | ACK, s.int(1, room));
    yield s.tcp(f, 0, ACK);
  }
  yield* teardown(s, f);
}

function* refused(s: Synth, f: Flow): FlowGen {
  yield s.tcp(f, 0, SYN);
  yield s.tcp(f, 1, RST | ACK, 0, null, OPT_NONE);
}

function* rtp(s: Synth, f: Flow): FlowGen {
  for (let n = s.int(50, 600); n > 0; n--) yield s.udp(f, n & 1, 32);
}

function* smallUdp(s: Synth, f: Flow): FlowGen {
  for (let n = s.int(2, 40); n > 0; n--) yield s.udp(f, s.random() < 0.5 ? 0 : 1, s.int(4, f.v6 ? 33 : 53));
}

/** Only frames of at most 95 bytes. */
function smallBackground(s: Synth, w: World): Background {
  const counts: { [kind: string]: number } = { ackStream: 0, shortTalk: 0, refused: 0, dns: 0, rtp: 0, udp: 0 };
  const start = (): FlowGen => {
    const v6 = s.random() < 0.2;
    const x = s.random();
    if (x < 0.1) {
      counts.ackStream++;
      return ackStream(s, newFlow(s, w, v6, 443));
    }
    if (x < 0.3) {
      counts.shortTalk++;
      return shortTalk(s, newFlow(s, w, v6, [80, 443, 8883, 1883][s.int(0, 3)]));
    }
    if (x < 0.45) {
      counts.refused++;
      return refused(s, newFlow(s, w, v6, s.int(1, 1024)));
    }
    if (x < 0.85) {
      counts.dns++;
      const f = newFlow(s, w, false, 53, true);
      f.s = w.resolver4;
      return dns(s, w, f, w.smallDns);
    }
    if (x < 0.9) {
      counts.rtp++;
      return rtp(s, newFlow(s, w, false, s.int(16384, 32767) & ~1, true));
    }
    counts.udp++;
    return smallUdp(s, newFlow(s, w, v6, s.int(1024, 65535), true));
  };
  return { start, counts };
}

/**
 * A spoofed SYN flood against one server (some SYNs answered) and a SYN scan
 * of a /16 (mostly refused): every flow distinct, 1-3 frames each.
 */
function floodBackground(s: Synth): Background {
  const counts: { [kind: string]: number } = { synFlood: 0, scan: 0 };
  const victim = Uint8Array.from([10, 200, 0, 10]);
  const scanner = Uint8Array.from([10, 201, 0, 7]);
  const scanPorts = [21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 1433, 1723, 3306, 3389, 5900, 8080];
  let scanIndex = 0;
  function* synFlood(f: Flow): FlowGen {
    yield s.tcp(f, 0, SYN, 0, null, OPT_NONE);
    if (s.random() < 0.3) yield s.tcp(f, 1, SYN | ACK, 0, null, OPT_MSS);
  }
  function* probe(f: Flow): FlowGen {
    yield s.tcp(f, 0, SYN, 0, null, OPT_MSS);
    const x = s.random();
    if (x < 0.7) yield s.tcp(f, 1, RST | ACK, 0, null, OPT_NONE);
    else if (x < 0.75) {
      yield s.tcp(f, 1, SYN | ACK, 0, null, OPT_MSS);
      yield s.tcp(f, 0, RST, 0, null, OPT_NONE);
    }
  }
  const start = (): FlowGen => {
    const f = new Flow();
    f.ts = false;
    f.cseq = (s.random() * 4294967296) >>> 0;
    f.sseq = (s.random() * 4294967296) >>> 0;
    f.ttlS = 64;
    if (s.random() < 0.7) {
      counts.synFlood++;
      // Spoofed sources anywhere in 1.0.0.0-99.255.255.255 (clear of every range the captures use).
      f.c = Uint8Array.from([s.int(1, 99), s.int(0, 255), s.int(0, 255), s.int(1, 254)]);
      f.s = victim;
      f.cport = s.int(1024, 65535);
      f.sport = 443;
      f.ttlC = s.int(30, 250);
      f.mac = 0x00aa01;
      return synFlood(f);
    }
    counts.scan++;
    const i = scanIndex++;
    f.c = scanner;
    f.s = Uint8Array.from([10, 202 + ((i / 20 / 65536) | 0), ((i / 20) >> 8) & 255, (i / 20) & 255]);
    f.cport = 41337;
    f.sport = scanPorts[i % 20];
    f.ttlC = 44;
    f.mac = 0x00aa02;
    return probe(f);
  };
  return { start, counts };
}

// ------------------------------------------------------------------ embedding the sources

interface Copy {
  source: Source;
  embed: Embed;
  map: Map<string, Buffer>;
  frames: Buffer[][];
  i: number;
  shiftUs: number;
}

/** Min-heap of copies by the time of their next frame. */
class CopyHeap {
  private a: Copy[] = [];
  get size(): number {
    return this.a.length;
  }
  private key(c: Copy): number {
    return c.source.frames[c.i].tsUs + c.shiftUs;
  }
  peekTime(): number {
    return this.a.length === 0 ? Infinity : this.key(this.a[0]);
  }
  push(c: Copy): void {
    const a = this.a;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(a[p]) <= this.key(a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): Copy {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as Copy;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.key(a[l]) < this.key(a[m])) m = l;
        if (r < a.length && this.key(a[r]) < this.key(a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Per-copy replacement addresses: IPv4 from 100.64.0.0/10, IPv6 from fd00:b3c::/32. */
function copyAddress(index: number, v6: boolean): Buffer {
  if (!v6) {
    const n = 0x64400000 + index;
    return Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  }
  const b = Buffer.alloc(16);
  b.writeUInt32BE(0xfd000b3c, 0);
  b.writeUInt32BE(index, 12);
  return b;
}

function planCopies(sources: Source[], p: CaptureParams, startUs: number): Copy[] {
  const copies: Copy[] = [];
  let next = 1;
  const span = p.durationS * 1e6;
  for (let si = 0; si < sources.length; si++) {
    const src = sources[si];
    const dur = src.lastUs - src.firstUs;
    // Long sources get fewer copies, so no single one crowds the capture.
    const n = Math.max(1, Math.min(p.copies, Math.floor(200_000 / src.frames.length)));
    for (let c = 0; c < n; c++) {
      const map = new Map<string, Buffer>();
      const addresses: { [from: string]: string } = {};
      for (const client of src.clients) {
        const to = copyAddress(next++, client.length === 16);
        map.set(client.toString('hex'), to);
        addresses[addressOf(client)] = addressOf(to);
      }
      // Spread copies evenly over the capture, sources staggered within each slot.
      const room = Math.max(0, span - dur);
      const at = startUs + Math.floor((room * (c + (si + 0.5) / sources.length)) / n);
      const shiftMs = Math.round((at - src.firstUs) / 1000);
      const frames = src.frames.map((f) => {
        const r = rewrite(f.data, map);
        return p.maxFrame < 1514 ? resegment(r, p.maxFrame) : [r];
      });
      copies.push({
        source: src,
        map,
        frames,
        i: 0,
        shiftUs: shiftMs * 1000,
        embed: { source: src.file, copy: c, shiftMs, addresses, firstRecord: -1, records: 0 },
      });
    }
  }
  return copies;
}

// ------------------------------------------------------------------ driver

const BASE_US = Date.UTC(2026, 2, 2, 8, 0, 0) * 1000;

async function build(root: string, name: string, p: CaptureParams, sources: Source[]): Promise<Manifest> {
  const dir = dataDir();
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.pcap`);
  const partial = `${file}.partial`;
  const out = new PcapStream(partial);
  const random = rng(p.seed);
  const avoid = new Set<string>();
  for (const src of sources) {
    for (const f of src.frames) {
      const l = locate(f.data);
      if (l === null) continue;
      avoid.add(f.data.subarray(l.addrOff, l.addrOff + l.addrLen).toString('hex'));
      avoid.add(f.data.subarray(l.addrOff + l.addrLen, l.addrOff + 2 * l.addrLen).toString('hex'));
    }
  }
  const world = new World(random, avoid);
  const synth = new Synth(out, random);
  const bg = p.kind === 'mixed' ? mixedBackground(synth, world, 333) : p.kind === 'small' ? smallBackground(synth, world) : floodBackground(synth);
  const copies = planCopies(sources, p, BASE_US);
  const heap = new CopyHeap();
  for (const c of copies) heap.push(c);

  let oversize = 0;
  const emitDue = (until: number): void => {
    while (heap.size > 0 && heap.peekTime() <= until) {
      const c = heap.pop();
      const t = c.source.frames[c.i].tsUs + c.shiftUs;
      if (c.embed.firstRecord < 0) c.embed.firstRecord = out.packets;
      for (const piece of c.frames[c.i]) {
        const at = out.begin(t, piece.length);
        piece.copy(out.buf, at);
        c.embed.records++;
        if (piece.length > p.maxFrame) oversize++;
      }
      if (synth.now < t) synth.now = t;
      if (++c.i < c.frames.length) heap.push(c);
    }
  };

  // Mean gap between background frames, so the background spans durationS.
  const expectedPackets = p.kind === 'mixed' ? p.packetBytes / 333 : p.kind === 'small' ? p.count : p.count * 1.55;
  const meanGap = (p.durationS * 1e6) / expectedPackets;
  synth.now = BASE_US;
  const slots: Array<FlowGen | null> = [];
  let flowsStarted = 0;
  const canStart = (): boolean => p.kind !== 'flood' || flowsStarted < p.count;
  for (let i = 0; i < p.slots; i++) {
    slots.push(bg.start());
    flowsStarted++;
  }
  let live = slots.length;
  const done = (): boolean => (p.kind === 'mixed' ? out.packetBytes >= p.packetBytes : p.kind === 'small' ? out.packets >= p.count : live === 0);
  while (!done()) {
    synth.now += -Math.log(Math.max(1e-12, random())) * meanGap;
    emitDue(synth.now);
    for (;;) {
      const k = Math.floor(random() * slots.length);
      const g = slots[k];
      if (g === null) continue;
      if (!g.next().done) break;
      if (canStart()) {
        slots[k] = bg.start();
        flowsStarted++;
      } else {
        slots[k] = null;
        if (--live === 0) break;
      }
    }
  }
  emitDue(Infinity);
  out.close();
  fs.renameSync(partial, file);

  const manifest: Manifest = {
    name,
    file: path.relative(root, file),
    generatorVersion: GENERATOR_VERSION,
    params: p,
    sources: sources.map((s) => ({ file: s.file, sha256: s.sha256, frames: s.frames.length, clients: s.clients.map(addressOf) })),
    packets: out.packets,
    packetBytes: out.packetBytes,
    fileBytes: out.fileBytes,
    averageFrame: out.packetBytes / out.packets,
    maxFrame: out.maxFrame,
    oversizeFrames: oversize,
    backgroundFlows: bg.counts,
    firstUs: BASE_US,
    lastUs: Math.floor(synth.now),
    seconds: (synth.now - BASE_US) / 1e6,
    embeds: copies.map((c) => c.embed),
    resegmented: p.maxFrame < 1514,
  };
  fs.writeFileSync(manifestPath(name), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

export function manifestPath(name: string): string {
  return path.join(dataDir(), `${name}.json`);
}

export function readManifest(name: string): Manifest | null {
  try {
    return JSON.parse(fs.readFileSync(manifestPath(name), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** True when the capture on disk was made by this generator from these parameters and sources. */
function upToDate(m: Manifest | null, p: CaptureParams, sources: Array<{ file: string; sha256: string }>, root: string): boolean {
  if (m === null || m.generatorVersion !== GENERATOR_VERSION) return false;
  if (JSON.stringify(m.params) !== JSON.stringify(p)) return false;
  if (JSON.stringify(m.sources.map((s) => [s.file, s.sha256])) !== JSON.stringify(sources.map((s) => [s.file, s.sha256]))) return false;
  try {
    return fs.statSync(path.join(root, m.file)).size === m.fileBytes;
  } catch {
    return false;
  }
}

export interface EnsureOptions {
  quick: boolean;
  kinds: CaptureKind[];
  force?: boolean;
  log?: (line: string) => void;
}

/**
 * The capture a bench tool's `--capture mixed|small|flood` (mixed when absent) and `--quick` name,
 * built first if missing or stale, with its absolute path.
 */
export async function namedCapture(args: string[]): Promise<{ manifest: Manifest; file: string }> {
  const kind = optionValue(args, '--capture') ?? 'mixed';
  if (!(CAPTURE_KINDS as string[]).includes(kind)) throw new Error(`--capture ${kind}: expected one of ${CAPTURE_KINDS.join(', ')}`);
  const [manifest] = await ensureCaptures({ quick: args.includes('--quick'), kinds: [kind as CaptureKind] });
  return { manifest, file: path.join(repoRoot(), manifest.file) };
}

/** Builds whichever requested captures are missing or stale; returns their manifests. */
export async function ensureCaptures(o: EnsureOptions): Promise<Manifest[]> {
  const root = repoRoot();
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const files = sourceFiles(root);
  let loaded: Source[] | null = null;
  const result: Manifest[] = [];
  for (const kind of o.kinds) {
    const p = captureParams(kind, o.quick);
    const name = captureName(kind, o.quick);
    // Hashes first: cheap, and enough to tell whether anything must be rebuilt.
    const current = files.map((f) => ({ file: f, sha256: sha256(path.join(root, f)) }));
    const m = readManifest(name);
    if (!o.force && upToDate(m, p, current, root)) {
      result.push(m as Manifest);
      continue;
    }
    if (loaded === null) {
      loaded = [];
      for (const f of files) {
        try {
          loaded.push(await loadSource(root, f));
        } catch (e) {
          log(`make-captures: skipping ${(e as Error).message}`);
        }
      }
      if (loaded.length === 0) throw new Error('make-captures: no source capture to embed (pcaps/samples is empty?)');
    }
    const t = Date.now();
    log(`make-captures: building ${name} ...`);
    const made = await build(root, name, p, loaded);
    log(
      `make-captures: ${made.file}: ${(made.fileBytes / 1e6).toFixed(0)} MB, ${made.packets} packets, average ${made.averageFrame.toFixed(0)} B, ` +
        `${made.embeds.length} embedded copies of ${made.sources.length} sources, ${((Date.now() - t) / 1000).toFixed(1)} s`,
    );
    result.push(made);
  }
  return result;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : CAPTURE_KINDS;
  for (const k of only) if (!CAPTURE_KINDS.includes(k as CaptureKind)) throw new Error(`unknown capture ${k}; choose from ${CAPTURE_KINDS.join(', ')}`);
  await ensureCaptures({ quick: args.includes('--quick'), kinds: only as CaptureKind[], force: args.includes('--force') });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
