import { spawn } from 'node:child_process';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { parseJsonl, runCli } from '../support/cli';
import { mkfifo, sharedTempDir, startCli } from './child';

const sample = join(packageRoot(), 'pcaps', 'samples', 'xmrig-stratum.pcap');
const tmp = sharedTempDir('pw-cli-output-');

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at |Error:|internal error|Unhandled/);
}

describe('scan -o', () => {
  test('a FIFO is written in place to its reader, and is still a FIFO', async () => {
    const fifo = join(tmp, 'report.fifo');
    mkfifo(fifo);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (b: Buffer) => (got += b.toString()));
    const readerDone = new Promise((r) => reader.on('exit', r));
    const r = await startCli(['scan', sample, '-f', 'jsonl', '-o', fifo]).done;
    await readerDone;
    expect(r.status).toBe(0);
    expect(parseJsonl(got).findings).toHaveLength(1);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  test('/dev/full: one line naming it, exit 1, and it stays a character device', () => {
    const r = runCli(['scan', sample, '-f', 'jsonl', '-o', '/dev/full']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^poolwatch: \/dev\/full: no space left on device\n$|"msg":"\/dev\/full: no space left on device"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    noStack(r.stderr);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  test('/dev/null is written in place and stays a character device', () => {
    const r = runCli(['scan', sample, '-f', 'jsonl', '-o', '/dev/null']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  test('a symlink: its target is replaced atomically, the link stays; a dangling one is refused before the scan', () => {
    const d = join(tmp, 'links');
    mkdirSync(d);
    writeFileSync(join(d, 'real.jsonl'), 'old\n');
    symlinkSync('real.jsonl', join(d, 'link.jsonl'));
    const r = runCli(['scan', sample, '-o', join(d, 'link.jsonl')]);
    expect(r.status).toBe(0);
    expect(readlinkSync(join(d, 'link.jsonl'))).toBe('real.jsonl');
    expect(parseJsonl(readFileSync(join(d, 'real.jsonl'), 'utf8')).findings).toHaveLength(1);
    symlinkSync(join(d, 'planted-target'), join(d, 'dangling.jsonl'));
    const refused = runCli(['scan', sample, '-o', join(d, 'dangling.jsonl')]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('dangling.jsonl: symlink to a missing');
    expect(readdirSync(d).sort()).toEqual(['dangling.jsonl', 'link.jsonl', 'real.jsonl']);
  });

  test('symlinks planted at the old predictable temp names are never written through', () => {
    const d = join(tmp, 'planted');
    mkdirSync(d);
    const victim = join(d, 'victim');
    writeFileSync(victim, 'precious\n');
    const out = join(d, 'r.jsonl');
    // The old writer used FILE.tmp-PID: plant the next few hundred PIDs the child may get.
    const next = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    for (let pid = next; pid < next + 300; pid++) symlinkSync(victim, `${out}.tmp-${pid}`);
    const r = runCli(['scan', sample, '-o', out]);
    expect(r.status).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(out).isFile()).toBe(true);
    expect(parseJsonl(readFileSync(out, 'utf8')).findings).toHaveLength(1);
    expect(readdirSync(d).filter((n) => !n.startsWith('r.jsonl.tmp-'))).toEqual(['r.jsonl', 'victim']);
  });

  test('a missing or unwritable output folder is found before the scan starts (exit 2, one line)', async () => {
    // The input is a FIFO nobody writes to: a scan that started would wait on it forever.
    const never = join(tmp, 'never.fifo');
    mkfifo(never);
    const missing = await startCli(['scan', never, '-o', join(tmp, 'no-such-folder', 'r.jsonl')], { timeoutMs: 15_000 }).done;
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`poolwatch: ${join(tmp, 'no-such-folder', 'r.jsonl')}: folder ${join(tmp, 'no-such-folder')}: no such file or directory\n`);
    const locked = join(tmp, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const unwritable = await startCli(['scan', never, '-o', join(locked, 'r.jsonl')], { uid: 65534, timeoutMs: 15_000 }).done;
    expect(unwritable.status).toBe(2);
    expect(unwritable.stderr).toBe(`poolwatch: ${join(locked, 'r.jsonl')}: folder ${locked}: permission denied\n`);
    const dir = await startCli(['scan', never, '-o', tmp], { timeoutMs: 15_000 }).done;
    expect(dir.status).toBe(2);
    expect(dir.stderr).toBe(`poolwatch: ${tmp}: is a directory\n`);
  });
});

describe('scan to stdout', () => {
  test('stdout on a full disk (/dev/full): one line, exit 1, no unhandled error event', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = await startCli(['scan', sample, '-f', 'jsonl'], { stdio: ['ignore', full, 'pipe'] }).done;
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^(poolwatch: <stdout>: no space left on device|\{.*"msg":"<stdout>: no space left on device".*\})\n$/);
      noStack(r.stderr);
    } finally {
      closeSync(full);
    }
  });

  test('a reader that went away (EPIPE): quiet, exit 1', async () => {
    const run = startCli(['scan', sample, '-f', 'jsonl'], { stdio: ['ignore', 'pipe', 'pipe'] });
    run.child.stdout?.destroy();
    const r = await run.done;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
  });
});
