/**
 * The benchmark's own network namespace: a veth pair `va` <-> `vb`, both up, no
 * addresses and IPv6 off, so the kernel sends nothing of its own and the
 * capture holds exactly what is replayed into `vb`. Everything inside is
 * killed by PID before the namespace is deleted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function sh(argv: string[], timeout = 30_000): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

export class Netns {
  readonly name = `pw-livebench-${process.pid}-${randomBytes(2).toString('hex')}`;
  private made = false;

  up(): this {
    sh(['ip', 'netns', 'add', this.name]);
    this.made = true;
    try {
      this.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
      this.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
      sh(['ip', '-n', this.name, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
      sh(['ip', '-n', this.name, 'link', 'set', 'va', 'up']);
      sh(['ip', '-n', this.name, 'link', 'set', 'vb', 'up']);
    } catch (e) {
      this.del();
      throw e;
    }
    return this;
  }

  exec(argv: string[], timeout = 30_000): string {
    return sh(['ip', 'netns', 'exec', this.name, ...argv], timeout);
  }

  /** `argv` inside the namespace; `ip netns exec` execs in place, so the child's PID is the program's own. */
  spawn(argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.name, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
  }

  /** Kills what is left inside by PID, then deletes the namespace; safe to call twice. */
  del(): void {
    if (!this.made) return;
    try {
      for (const pid of sh(['ip', 'netns', 'pids', this.name]).split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    } catch {
      /* no such namespace */
    }
    try {
      sh(['ip', 'netns', 'del', this.name]);
    } catch {
      /* already gone */
    }
    this.made = false;
  }
}
