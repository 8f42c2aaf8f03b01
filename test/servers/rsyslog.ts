/**
 * A real rsyslogd (Debian's rsyslog) for the syslog sink tests: its own config
 * in a temp folder, imudp and imtcp on free loopback ports, imptcp on a Unix
 * stream socket in the folder, and omfile writing one JSON object per message
 * with what rsyslog parsed (RFC 5424 fields) and the raw message it received.
 * `rsyslogd -n -f CONF -i PIDFILE`, ended by its PID.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ServerProcess, freeTcpPort, freeUdpPort, tempDir, unavailable, waitFor, which } from './process';

/** One message as rsyslog stored it. */
export interface Received {
  input: string;
  pri: string;
  hostname: string;
  app: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
  raw: string;
}

export class Rsyslog {
  readonly dir = tempDir('poolwatch-rsyslog-');
  readonly out = join(this.dir.path, 'messages.jsonl');
  readonly socket = join(this.dir.path, 'log.sock');
  udpPort = 0;
  tcpPort = 0;
  private proc: ServerProcess | null = null;

  /** Why rsyslog cannot run here (skips loudly; throws under CI), or null. */
  static unavailable(): string | null {
    return unavailable('rsyslogd (Debian package rsyslog)', which('rsyslogd') === null ? 'rsyslogd is not installed' : null);
  }

  /** Starts rsyslogd; `tcpPort` picks the TCP port (a sink already trying it), else a free one. */
  async start(tcpPort?: number): Promise<void> {
    this.udpPort = await freeUdpPort();
    this.tcpPort = tcpPort ?? (await freeTcpPort());
    const conf = join(this.dir.path, 'rsyslog.conf');
    writeFileSync(
      conf,
      `global(workDirectory="${this.dir.path}" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imptcp")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="input" name="inputname" format="jsonf")
  property(outname="pri" name="pri" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
  property(outname="raw" name="rawmsg" format="jsonf")
}
input(type="imudp" address="127.0.0.1" port="${this.udpPort}" rcvbufSize="8m")
input(type="imtcp" address="127.0.0.1" port="${this.tcpPort}")
input(type="imptcp" path="${this.socket}" unlink="on")
*.* action(type="omfile" file="${this.out}" template="fields" flushOnTXEnd="on" asyncWriting="off")
`,
    );
    this.proc = new ServerProcess('rsyslogd', [which('rsyslogd')!, '-n', '-f', conf, '-i', join(this.dir.path, 'rsyslogd.pid')]);
    await waitFor('rsyslogd to listen on TCP and the Unix socket', 15_000, async () => {
      this.proc!.assertRunning();
      if (!existsSync(this.socket)) return undefined;
      return (await canConnect(this.tcpPort)) ? true : undefined;
    });
  }

  /** Every message stored so far. */
  messages(): Received[] {
    if (!existsSync(this.out)) return [];
    const lines = readFileSync(this.out, 'utf8').split('\n');
    // The last piece is empty, or a line rsyslog is still writing.
    lines.pop();
    return lines
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Received);
  }

  async stop(): Promise<void> {
    try {
      if (this.proc) await this.proc.stop();
    } finally {
      this.dir.rm();
    }
  }

  get output(): string {
    return this.proc?.output ?? '';
  }
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
