/**
 * Findings to a syslog receiver as RFC 5424 messages: over UDP (one message per
 * datagram, RFC 5426), TCP or a Unix stream socket (octet-counting framing,
 * RFC 6587; rsyslog's imptcp `path=`, syslog-ng's unix-stream()). Stream
 * transports reconnect with a back-off while records wait in the bounded
 * backlog; `publish` never waits. TCP syslog has no acknowledgement: `sent`
 * counts what the kernel took, and what was in its buffer when a receiver died
 * is unknowable (RELP would say; no maintained Node client for it exists).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { Backlog, DEFAULT_BACKLOG, Pause, type FindingSink, type SinkLog, type SinkMessage, type SinkStats } from './sink';
import { FACILITIES, formatSyslog, octetCounted, type SyslogHeader } from './syslog-format';

export type SyslogTarget =
  | { transport: 'udp' | 'tcp'; host: string; port: number; url: string }
  | { transport: 'unix'; path: string; url: string };

/** --syslog udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH (port 514 when left out); throws a one-line error naming the option. */
export function parseSyslogTarget(url: string): SyslogTarget {
  const bad = (why: string): Error => new Error(`--syslog "${url}": ${why} (expected udp://HOST:PORT, tcp://HOST:PORT or unix:///PATH)`);
  const m = /^(udp|tcp|unix):\/\/(.*)$/.exec(url);
  if (m === null) throw bad('unknown scheme');
  if (m[1] === 'unix') {
    if (!m[2].startsWith('/') || m[2].length < 2) throw bad('a Unix socket needs an absolute path');
    if (Buffer.byteLength(m[2]) > 107) throw bad('Unix socket paths are at most 107 bytes');
    return { transport: 'unix', path: m[2], url };
  }
  const hp = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]]+))(?::(\d{1,5}))?$/.exec(m[2]);
  if (hp === null) throw bad('not HOST:PORT');
  const host = hp[1] ?? hp[2];
  if (hp[1] !== undefined && !isIPv6(host)) throw bad(`${host} is not an IPv6 address`);
  const port = hp[3] === undefined ? 514 : Number(hp[3]);
  if (port < 1 || port > 65535) throw bad(`port ${port} is out of range`);
  return { transport: m[1] as 'udp' | 'tcp', host, port, url };
}

/** A facility name (daemon, local0 .. local7, ...) or number 0..23. */
export function parseFacility(text: string): number {
  if (/^\d+$/.test(text) && Number(text) <= 23) return Number(text);
  const f = FACILITIES[text.toLowerCase()];
  if (f === undefined) throw new Error(`--syslog-facility "${text}": not a facility (${Object.keys(FACILITIES).join(', ')} or 0..23)`);
  return f;
}

export interface SyslogSinkOptions {
  log: SinkLog;
  /** Facility number (default 1, user). */
  facility?: number;
  appName?: string;
  /** HOSTNAME field: the sensor (default: this machine's host name). */
  hostname?: string;
  backlog?: number;
}

/** The largest UDP payload over IPv4; a bigger message cannot be one datagram. */
const UDP_MAX = 65_507;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;

export class SyslogSink implements FindingSink {
  readonly name: string;
  private readonly header: SyslogHeader;
  private readonly backlog: Backlog<Buffer>;
  private readonly pause = new Pause();
  private sent = 0;
  private failed = 0;
  private lastError: string | null = null;
  /** Writes handed to the socket whose callback has not come. */
  private inflight = 0;
  private udp: UdpSocket | null = null;
  private stream: Socket | null = null;
  private connected = false;
  private blocked = false;
  private connecting = false;
  private failures = 0;
  private refusedLogged = false;
  private warned = false;
  private closing = false;
  private finished = false;

  constructor(
    readonly target: SyslogTarget,
    private readonly opts: SyslogSinkOptions,
  ) {
    this.name = `syslog:${target.url}`;
    this.header = { facility: opts.facility ?? 1, appName: opts.appName ?? 'poolwatch', hostname: opts.hostname ?? hostname(), procId: String(process.pid) };
    this.backlog = new Backlog(opts.backlog ?? DEFAULT_BACKLOG);
  }

  publish(message: SinkMessage): void {
    if (this.closing) {
      this.failed++;
      return;
    }
    // Full: refuse before formatting, so a receiver that stopped reading costs the capture nothing per record.
    if (this.backlog.length >= this.backlog.cap) {
      this.failed++;
      if (!this.refusedLogged) {
        this.refusedLogged = true;
        this.opts.log.warn({ sink: this.name, backlog: this.backlog.cap }, `${this.name}: backlog of ${this.backlog.cap} records is full; new records are dropped and counted until the receiver takes them`);
      }
      return;
    }
    const text = formatSyslog(this.header, message.event, message.confidence, message.fields, message.value);
    const frame = this.target.transport === 'udp' ? Buffer.from(text, 'utf8') : octetCounted(text);
    if (this.target.transport === 'udp' && frame.length > UDP_MAX) {
      this.fail(`message of ${frame.length} bytes is larger than a UDP datagram can be; use tcp://`);
      return;
    }
    this.backlog.push(frame);
    this.pump();
  }

  stats(): SinkStats {
    return { name: this.name, sent: this.sent, backlog: this.backlog.length + this.inflight, failed: this.failed, lastError: this.lastError };
  }

  async flush(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while ((this.backlog.length > 0 || this.inflight > 0) && Date.now() < end) {
      this.pump();
      await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, end - Date.now()))));
    }
    return this.backlog.length === 0 && this.inflight === 0;
  }

  async close(ms: number): Promise<SinkStats> {
    const end = Date.now() + ms;
    await this.flush(ms);
    this.closing = true;
    this.pause.wake();
    this.failed += this.backlog.clear();
    if (this.udp !== null) {
      const u = this.udp;
      this.udp = null;
      await new Promise<void>((r) => u.close(() => r()));
    }
    if (this.stream !== null) {
      const s = this.stream;
      // end() lets written data go out; a receiver that never reads must not hold the exit, so destroy at the deadline.
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          s.destroy();
          r();
        }, Math.max(200, end - Date.now()));
        s.once('close', () => {
          clearTimeout(t);
          r();
        });
        s.end();
      });
    }
    // Writes whose callback has not come by now count as lost; a late callback changes nothing.
    this.finished = true;
    this.failed += this.inflight;
    this.inflight = 0;
    return this.stats();
  }

  /** A write's or datagram's callback. */
  private settled(err: Error | null | undefined): void {
    if (this.finished) return;
    this.inflight--;
    if (err) {
      this.failed++;
      this.noteFailure(err.message);
    } else this.sent++;
  }

  private fail(why: string, count = 1): void {
    this.failed += count;
    this.lastError = why;
  }

  private pump(): void {
    if (this.closing) return;
    if (this.target.transport === 'udp') this.pumpUdp();
    else this.pumpStream();
  }

  private pumpUdp(): void {
    if (this.target.transport !== 'udp') return;
    if (this.udp === null) {
      const t = this.target;
      const u = createSocket(isIPv6(t.host) ? 'udp6' : 'udp4');
      u.on('error', (e) => this.fail(e.message));
      u.unref();
      this.udp = u;
    }
    const u = this.udp;
    let frame: Buffer | undefined;
    while ((frame = this.backlog.shift()) !== undefined) {
      this.inflight++;
      u.send(frame, this.target.port, this.target.host, (err) => this.settled(err));
    }
  }

  private pumpStream(): void {
    if (this.stream === null) {
      if (!this.connecting) this.open();
      return;
    }
    if (!this.connected || this.blocked) return;
    const s = this.stream;
    let frame: Buffer | undefined;
    while (!this.blocked && (frame = this.backlog.shift()) !== undefined) {
      this.inflight++;
      const ok = s.write(frame, (err) => this.settled(err));
      if (!ok) {
        this.blocked = true;
        s.once('drain', () => {
          this.blocked = false;
          this.pumpStream();
        });
      }
    }
  }

  private open(): void {
    const t = this.target;
    this.connecting = true;
    const s = t.transport === 'unix' ? connect({ path: t.path }) : connect({ host: (t as { host: string }).host, port: (t as { port: number }).port });
    s.setNoDelay(true);
    s.unref();
    this.stream = s;
    s.once('connect', () => {
      this.connecting = false;
      this.connected = true;
      if (this.warned) this.opts.log.info({ sink: this.name }, `${this.name}: connected again, sending ${this.backlog.length} waiting record(s)`);
      this.warned = false;
      this.failures = 0;
      this.pumpStream();
    });
    s.on('error', (e) => this.noteFailure(e.message));
    s.once('close', () => {
      this.stream = null;
      this.connected = false;
      this.connecting = true;
      this.blocked = false;
      if (this.closing) return;
      this.failures++;
      void this.pause.sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.failures - 1, 5))).then(() => {
        this.connecting = false;
        if (!this.closing && this.backlog.length > 0) this.pumpStream();
      });
    });
  }

  /** Logs the first failure of a run of them; the next success says the receiver is back. */
  private noteFailure(why: string): void {
    this.lastError = why;
    if (this.warned) return;
    this.warned = true;
    this.opts.log.warn({ sink: this.name, backlog: this.backlog.length, err: why }, `${this.name}: cannot send: ${why}; records wait in the backlog (stream transports reconnect and retry)`);
  }
}
