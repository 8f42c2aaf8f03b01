import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../../src/paths';
import { parseJsonl, runCli } from '../support/cli';
import { SHIM, fifoWriter, hasControls, hostileText, mkfifo, sharedTempDir, startCli, write } from './child';

const sample = join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap');
const tmp = sharedTempDir('pw-cli-inputs-');

describe('inputs that cannot be read', () => {
  test('a missing input is named on one line; the others are still scanned and reported (exit 2)', () => {
    const missing = join(tmp, 'missing.pcap');
    const r = runCli(['scan', missing, sample, '-f', 'jsonl']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${missing}: no such file or directory`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect(summary).toMatchObject({ files: 1, warnings: [`${missing}: no such file or directory`] });
  });

  test('with --exit-code, a finding wins over a bad input; without a finding the bad input still gives 2', () => {
    const missing = join(tmp, 'gone.pcap');
    const notes = join(tmp, 'notes.txt');
    writeFileSync(notes, 'not packets\n');
    expect(runCli(['scan', missing, sample, '-f', 'jsonl', '--exit-code', '3']).status).toBe(3);
    expect(runCli(['scan', notes, sample, '-f', 'jsonl', '--exit-code', '3']).status).toBe(3);
    expect(runCli(['scan', notes, missing, '-f', 'jsonl', '--exit-code', '3']).status).toBe(2);
  });

  test('an unreadable subfolder is a warning and the rest of the walk is scanned (run as an unprivileged user)', async () => {
    const root = join(tmp, 'case');
    mkdirSync(join(root, 'locked'), { recursive: true });
    mkdirSync(join(root, 'open'));
    copyFileSync(sample, join(root, 'locked', 'hidden.pcap'));
    copyFileSync(sample, join(root, 'open', 'a.pcap'));
    chmodSync(join(root, 'locked'), 0o000);
    const r = await startCli(['scan', root, '-f', 'jsonl'], { uid: 65534 }).done;
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(`${join(root, 'locked')}: cannot read folder: permission denied`)]);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect(summary).toMatchObject({ files: 1, warnings: [`${join(root, 'locked')}: cannot read folder: permission denied`] });
    // The folder named on the command line itself: that is a bad input (exit 2).
    const named = await startCli(['scan', join(root, 'locked'), join(root, 'open'), '-f', 'jsonl'], { uid: 65534 }).done;
    expect(named.status).toBe(2);
    expect(named.stderr).toContain(`${join(root, 'locked')}: cannot read folder: permission denied`);
    expect(parseJsonl(named.stdout).findings).toHaveLength(1);
    chmodSync(join(root, 'locked'), 0o755);
  });

  test('gzip and plain captures through a named FIFO are read once, without hanging', async () => {
    for (const [name, bytes] of [['gz.fifo', gzipSync(readFileSync(sample))], ['plain.fifo', readFileSync(sample)]] as const) {
      const fifo = join(tmp, name);
      mkfifo(fifo);
      const run = startCli(['scan', fifo, '-f', 'jsonl'], { timeoutMs: 20_000 });
      const w = await fifoWriter(fifo);
      await write(w, bytes);
      w.end();
      const r = await run.done;
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      expect(parseJsonl(r.stdout).findings).toHaveLength(1);
    }
  });

  test('a hostile file name reaches stderr neutralised, on one line', () => {
    const evil = join(tmp, hostileText('x'));
    writeFileSync(evil, 'not a capture');
    const r = runCli(['scan', evil, sample, '-f', 'jsonl']);
    expect(r.status).toBe(2);
    expect(hasControls(r.stderr)).toBe(false);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('\\x1b]52;c;');
  });
});

describe('messages on a terminal', () => {
  /** Runs the CLI with a pseudo-terminal for stdin, stdout and stderr; returns what the terminal showed. */
  function onTerminal(args: string[]): { status: number | null; shown: string } {
    const r = spawnSync('/usr/bin/python3', ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)', process.execPath, SHIM, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TERM: 'dumb' },
    });
    return { status: r.status, shown: r.stdout };
  }

  test('are plain lines (no JSON, no stack); --log-level keeps pino JSON lines', () => {
    const notes = join(tmp, 'tty-notes.txt');
    writeFileSync(notes, 'not packets\n');
    const out = join(tmp, 'tty.jsonl');
    const plain = onTerminal(['scan', notes, sample, '-o', out]);
    expect(plain.status).toBe(2);
    expect(plain.shown).toContain(`poolwatch: ${notes}: not a pcap or pcapng capture`);
    expect(plain.shown).not.toContain('"level"');
    const json = onTerminal(['scan', notes, sample, '-o', out, '--log-level', 'warn']);
    expect(json.status).toBe(2);
    expect(json.shown).toMatch(/\{"level":50,.*"msg":".*tty-notes\.txt: not a pcap/);
  });

  test('damage in a capture is shown as FILE: offset N: message', () => {
    const whole = readFileSync(sample);
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const r = onTerminal(['scan', cut, '-o', join(tmp, 'cut.jsonl')]);
    expect(r.status).toBe(0);
    expect(r.shown).toMatch(new RegExp(`poolwatch: warning: ${cut.replace(/[.]/g, '\\.')}: offset \\d+: `));
  });
});
