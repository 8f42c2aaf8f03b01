/**
 * Mining over HTTP JSON-RPC: getwork and getblocktemplate (Bitcoin-family
 * solo mining and old miners), monerod's get_block_template / submit_block,
 * and eth_getWork / eth_submitWork against a node. Protocol word "getwork";
 * a note names the method actually used.
 *
 * Signals: client headers X-Mining-Extensions / X-Mining-Hashrate, a miner
 * User-Agent on a JSON-RPC POST, a mining method in the request body; server
 * headers X-Long-Polling / X-Stratum / X-Reject-Reason / X-Roll-NTime and a
 * work or template result. Plain HTTP (browsing, APIs, node queries) gives no
 * evidence and the direction returns VERDICT_NOT_THIS.
 *
 * Each direction is parsed as a sequence of HTTP/1.x messages (Content-Length
 * or chunked bodies; only a bounded prefix of each body is kept). Responses are
 * matched to requests in order, as HTTP/1.1 pipelining requires.
 */
import { Direction, Evidence, LEVEL_HIGH, LEVEL_MEDIUM } from '../../evidence';
import type { Signatures } from '../../signatures';
import { coinFromWallet, splitLogin } from '../../wallet';
import { VERDICT_MINING, VERDICT_NOT_THIS, VERDICT_UNDECIDED, type StreamClassifier } from '../../classifier';
import { hasControl, latin1 } from '../../text';
import { couldStart, findStart, headEnd, isWork, parseHead, parseJson, type Json, type Message } from './messages';

const MAX_HEAD = 8 * 1024;
const MAX_BODY = 16 * 1024;
/** Bytes looked through for a start line when the capture began inside a message. */
const MAX_SYNC = 4 * 1024;

/** The mining methods a client calls are listed in signatures/methods.txt (dialect getwork). */
const WORD = 'getwork';

/** monerod answers both names; Bitcoin's getblocktemplate has array params. */
const TEMPLATE_METHODS = new Set(['getblocktemplate', 'get_block_template', 'getminingcandidate']);
const SUBMIT_METHODS = new Set(['submitblock', 'submit_block', 'eth_submitWork', 'submitminingsolution']);

const enum Mode {
  Sync,
  Head,
  Body,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailer,
  Done,
}

class Side {
  mode = Mode.Sync;
  head = '';
  body: Uint8Array | null = null;
  bodyLen = 0;
  remaining = 0;
  msg: Message | null = null;
  synced = 0;
  not = false;
  /** Plain (non-mining) messages still allowed before giving up. */
  allowance = 3;
}

export class HttpMiningSession implements StreamClassifier {
  private s0 = new Side();
  private s1 = new Side();
  private found = false;
  /** Methods of requests awaiting answers, oldest first (null for a non-mining request). */
  private asked: (string | null)[] = [];
  private ev: Evidence = null as unknown as Evidence;

  constructor(private readonly sigs: Signatures) {}

  feed(dir: Direction, data: Uint8Array, start: number, end: number, ev: Evidence): number {
    this.ev = ev;
    const s = dir === 0 ? this.s0 : this.s1;
    if (s.not && !this.found) return VERDICT_NOT_THIS;
    let i = start;
    while (i < end && !(s.not && !this.found)) i = this.step(dir, s, data, i, end);
    if (this.found && ev.level >= LEVEL_MEDIUM) return VERDICT_MINING;
    return s.not ? VERDICT_NOT_THIS : VERDICT_UNDECIDED;
  }

  /** Bytes of `dir` were lost: find the next start line. */
  gap(dir: Direction): void {
    const s = dir === 0 ? this.s0 : this.s1;
    s.mode = Mode.Sync;
    s.head = '';
    s.synced = 0;
    s.msg = null;
  }

  /** Consumes some bytes from i in the current mode; returns the new position. */
  private step(dir: Direction, s: Side, b: Uint8Array, i: number, end: number): number {
    switch (s.mode) {
      case Mode.Sync: {
        // Normally the direction starts with a start line; after a mid-message pickup or a gap, look for the next one.
        if (s.synced === 0 && s.head === '' && couldStart(b, i, end)) {
          s.mode = Mode.Head;
          return i;
        }
        // A start line may straddle two calls: keep a short tail of the previous text.
        const before = s.head;
        const joined = before + latin1(b, i, end);
        const at = findStart(joined);
        const binaryStart = s.synced === 0 && at !== 0 && hasControl(b, i, Math.min(end, i + 64));
        if (at < 0 || binaryStart) {
          s.synced += end - i;
          s.head = joined.slice(-24);
          if (s.synced > MAX_SYNC || binaryStart) s.not = true;
          return end;
        }
        s.mode = Mode.Head;
        s.head = at < before.length ? before.slice(at) : '';
        return at < before.length ? i : i + (at - before.length);
      }
      case Mode.Head: {
        // Some clients send a stray CRLF after a body.
        if (s.head === '' && (b[i] === 0x0d || b[i] === 0x0a)) return i + 1;
        const text = latin1(b, i, end);
        const joined = s.head + text;
        const stop = headEnd(joined);
        if (stop < 0) {
          s.head = joined;
          if (joined.length > MAX_HEAD) s.not = true;
          return end;
        }
        const used = stop - s.head.length;
        const msg = parseHead(joined.slice(0, stop));
        s.head = '';
        if (!msg) {
          s.not = true;
          return end;
        }
        this.startBody(dir, s, msg);
        return i + used;
      }
      case Mode.Body: {
        const n = Math.min(s.remaining, end - i);
        keep(s, b, i, i + n);
        s.remaining -= n;
        if (s.remaining === 0) this.finish(dir, s);
        return i + n;
      }
      case Mode.ChunkSize:
      case Mode.ChunkEnd:
      case Mode.Trailer: {
        // Line-based parts of a chunked body.
        const nl = b.indexOf(0x0a, i);
        const stop = nl < 0 || nl >= end ? end : nl;
        s.head += latin1(b, i, stop);
        if (s.head.length > 1024) {
          s.not = true;
          return end;
        }
        if (stop === end) return end;
        const lineText = s.head.trim();
        s.head = '';
        if (s.mode === Mode.ChunkEnd) s.mode = Mode.ChunkSize;
        else if (s.mode === Mode.Trailer) {
          if (lineText === '') this.finish(dir, s);
        } else {
          const size = parseInt(lineText.split(';')[0], 16);
          if (!Number.isFinite(size) || size < 0) {
            s.not = true;
            return end;
          }
          if (size === 0) s.mode = Mode.Trailer;
          else {
            s.remaining = size;
            s.mode = Mode.ChunkData;
          }
        }
        return stop + 1;
      }
      case Mode.ChunkData: {
        const n = Math.min(s.remaining, end - i);
        keep(s, b, i, i + n);
        s.remaining -= n;
        if (s.remaining === 0) s.mode = Mode.ChunkEnd;
        return i + n;
      }
      default:
        return end;
    }
  }

  private startBody(dir: Direction, s: Side, msg: Message): void {
    s.msg = msg;
    s.bodyLen = 0;
    // A body that cannot be JSON-RPC (HTML, images) is skipped; the head alone decides.
    const type = msg.headers.get('content-type');
    if (type !== undefined && !/json|text\/plain/i.test(type)) {
      this.judge(dir, s, msg, null);
      s.msg = null;
    }
    if (/chunked/i.test(msg.headers.get('transfer-encoding') ?? '')) {
      s.mode = Mode.ChunkSize;
      return;
    }
    const cl = msg.headers.get('content-length');
    const n = cl !== undefined ? parseInt(cl, 10) : 0;
    if (n > 0) {
      s.remaining = n;
      s.mode = Mode.Body;
      return;
    }
    // No body (or one running to the close, which is not read): judge by the head.
    s.mode = Mode.Head;
    if (s.msg !== null) this.judge(dir, s, msg, null);
  }

  private finish(dir: Direction, s: Side): void {
    const msg = s.msg;
    s.mode = Mode.Head;
    if (msg === null) return;
    const body = s.body && s.bodyLen > 0 ? Buffer.from(s.body.buffer, s.body.byteOffset, s.bodyLen).toString('utf8') : null;
    s.bodyLen = 0;
    this.judge(dir, s, msg, body);
  }

  private judge(dir: Direction, s: Side, msg: Message, body: string | null): void {
    const compressed = /gzip|deflate|br/i.test(msg.headers.get('content-encoding') ?? '');
    const json = body !== null && !compressed ? parseJson(body) : null;
    const mining = msg.request ? this.request(dir, msg, json) : this.response(dir, msg, json, body);
    if (mining) return;
    const jsonRpc = json !== null || /json/i.test(msg.headers.get('content-type') ?? '');
    s.allowance -= jsonRpc ? 1 : 3;
    if (s.allowance <= 0 && !this.found) s.not = true;
  }

  private request(dir: Direction, msg: Message, json: Json | null): boolean {
    const h = msg.headers;
    const method = json && typeof json.method === 'string' ? json.method : null;
    const miningMethod = method !== null && this.sigs.methodNames(WORD, 'client').has(method) ? method : null;
    const ua = h.get('user-agent') ?? null;
    const software = ua ? this.sigs.minerSoftware(ua) : null;
    const ext = h.get('x-mining-extensions');
    const rate = h.get('x-mining-hashrate');
    this.asked.push(miningMethod);
    if (this.asked.length > 8) this.asked.shift();
    if (!miningMethod && ext === undefined && rate === undefined && !(software && json !== null && method !== null)) return false;

    const ev = this.ev;
    ev.protocol = 'getwork';
    // cgminer and BFGMiner send their rate in decimal hashes per second.
    if (rate !== undefined) ev.reportHashrate(rate, false);
    if (ua) {
      ev.agent = ua.slice(0, 200);
      if (software) ev.minerSoftware = software;
    }
    const host = (h.get('host') ?? '').replace(/:\d+$/, '').toLowerCase();
    if (/[a-z]/.test(host) && host.includes('.') && !host.includes(':')) ev.domain = host;
    const auth = h.get('authorization');
    if (auth && /^basic\s+/i.test(auth)) {
      const user = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8').split(':')[0];
      if (user) this.login(user);
    }
    const p = json ? json.params : undefined;
    const po = p && typeof p === 'object' && !Array.isArray(p) ? (p as Json) : null;
    const pa = Array.isArray(p) ? p : null;
    if (po && typeof po.wallet_address === 'string') this.login(po.wallet_address);
    if (method === 'getwork' && pa && pa.length > 0) {
      this.asked[this.asked.length - 1] = 'getwork-submit';
      ev.sharesSubmitted++;
    } else if (miningMethod && SUBMIT_METHODS.has(miningMethod)) {
      ev.sharesSubmitted++;
    }
    if (method === 'getblocktemplate' && pa) {
      const req = pa[0] && typeof pa[0] === 'object' ? (pa[0] as Json) : null;
      if (req && (Array.isArray(req.capabilities) || Array.isArray(req.rules))) ev.note('getblocktemplate request lists capabilities/rules (BIP 22/23)');
    }
    const why = [miningMethod ? `calls ${miningMethod}` : '', ext !== undefined ? `X-Mining-Extensions: ${ext.slice(0, 60)}` : '', rate !== undefined ? 'X-Mining-Hashrate' : '']
      .filter(Boolean)
      .join(', ');
    this.side(dir, true, `HTTP client ${why || 'with a miner User-Agent'}${ua ? ` (User-Agent ${ua.slice(0, 80)})` : ''}`);
    return true;
  }

  private response(dir: Direction, msg: Message, json: Json | null, body: string | null): boolean {
    const h = msg.headers;
    const asked = this.asked.length > 0 ? this.asked.shift() ?? null : null;
    const ev = this.ev;
    const lp = h.get('x-long-polling');
    const stratum = h.get('x-stratum');
    const reject = h.get('x-reject-reason');
    const roll = h.get('x-roll-ntime');
    const notes: string[] = [];
    if (lp !== undefined) notes.push('X-Long-Polling');
    if (stratum !== undefined) notes.push(`X-Stratum ${stratum.slice(0, 80)}`);
    if (roll !== undefined) notes.push('X-Roll-NTime');
    const result = json ? json.result : undefined;
    const r = result && typeof result === 'object' && !Array.isArray(result) ? (result as Json) : null;
    const error = json ? json.error : undefined;
    let work = false;
    if (r && isWork(r)) {
      work = true;
      ev.jobs++;
      if (typeof r.difficulty === 'number' && r.difficulty > 0) ev.difficulty = r.difficulty;
      if (typeof r.target === 'string') ev.target = r.target;
      notes.push(typeof r.blocktemplate_blob === 'string' ? 'block template (monerod)' : typeof r.previousblockhash === 'string' ? 'block template' : 'getwork data');
    } else if (asked === 'eth_getWork' && Array.isArray(result) && result.length >= 3) {
      work = true;
      ev.jobs++;
      notes.push('eth_getWork work');
    } else if (body !== null && json === null && asked !== null && TEMPLATE_METHODS.has(asked) && /"(coinbasevalue|blocktemplate_blob)"/.test(body)) {
      // A template bigger than the kept prefix: recognised by its keys.
      work = true;
      ev.jobs++;
      notes.push('block template');
    }
    const submitted = asked === 'getwork-submit' || (asked !== null && SUBMIT_METHODS.has(asked));
    if (submitted && json !== null) {
      // getwork / eth_submitWork: true; submitblock: null; submit_block: {"status":"OK"}.
      const ok =
        (error === null || error === undefined) &&
        (result === true || (asked === 'submitblock' && result === null) || (r !== null && r.status === 'OK'));
      if (ok) {
        ev.sharesAccepted++;
        if (ev.difficulty !== null) ev.acceptedWork += ev.difficulty;
      } else {
        ev.sharesRejected++;
        const why = reject ?? (typeof result === 'string' ? result : null);
        if (why) ev.note(`pool rejected a share: ${why.slice(0, 80)}`);
      }
      notes.push(`answer to ${asked === 'getwork-submit' ? 'getwork submit' : asked}`);
    } else if (reject !== undefined) {
      notes.push(`X-Reject-Reason ${reject.slice(0, 60)}`);
    }
    if (!work && !submitted && notes.length === 0) return false;
    ev.protocol = 'getwork';
    this.side(dir, false, `HTTP server answered: ${notes.join(', ')}`);
    return true;
  }

  private login(user: string): void {
    const ev = this.ev;
    const parts = splitLogin(user);
    ev.login = parts.wallet || user;
    if (parts.worker) ev.worker = parts.worker;
    const coin = coinFromWallet(user);
    if (coin) ev.coin = coin;
  }

  private side(dir: Direction, miner: boolean, note: string): void {
    const ev = this.ev;
    this.found = true;
    if (ev.minerDirection === -1) ev.minerDirection = miner ? dir : dir === 0 ? 1 : 0;
    if (miner) ev.minerSpoke = true;
    else ev.poolSpoke = true;
    ev.raise(ev.minerSpoke && ev.poolSpoke ? LEVEL_HIGH : LEVEL_MEDIUM);
    ev.note(note);
  }
}

function keep(s: Side, b: Uint8Array, from: number, to: number): void {
  if (s.msg === null) return;
  const room = MAX_BODY - s.bodyLen;
  const n = Math.min(room, to - from);
  if (n <= 0) return;
  if (s.body === null) s.body = new Uint8Array(MAX_BODY);
  s.body.set(b.subarray(from, from + n), s.bodyLen);
  s.bodyLen += n;
}
