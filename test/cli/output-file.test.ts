import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFileError, planOutput, writeReportFile } from '../../src/cli/output-file';

const tmp = mkdtempSync(join(tmpdir(), 'pw-output-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dir(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d);
  return d;
}

async function refusal(path: string): Promise<string> {
  try {
    await writeReportFile(path, 'report\n');
  } catch (e) {
    expect(e).toBeInstanceOf(OutputFileError);
    return (e as Error).message;
  }
  throw new Error(`${path} was written`);
}

describe('writeReportFile', () => {
  test('a new file gets the text, the mode the umask gives, and no temp file is left', async () => {
    const d = dir('new');
    const out = join(d, 'r.jsonl');
    await writeReportFile(out, 'one\n');
    expect(readFileSync(out, 'utf8')).toBe('one\n');
    expect(statSync(out).mode & 0o777).toBe(0o666 & ~process.umask());
    expect(readdirSync(d)).toEqual(['r.jsonl']);
  });

  test('a regular file is replaced by rename (new inode) and keeps its mode', async () => {
    const d = dir('replace');
    const out = join(d, 'r.json');
    writeFileSync(out, 'old old old old\n');
    chmodSync(out, 0o640);
    const before = statSync(out).ino;
    await writeReportFile(out, 'new\n');
    expect(readFileSync(out, 'utf8')).toBe('new\n');
    expect(statSync(out).ino).not.toBe(before);
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readdirSync(d)).toEqual(['r.json']);
  });

  test('a symlink is written through to its target, which is replaced atomically; the link stays', async () => {
    const d = dir('link');
    const real = join(d, 'real.jsonl');
    writeFileSync(real, 'old\n');
    const link = join(d, 'link.jsonl');
    symlinkSync('real.jsonl', link);
    await writeReportFile(link, 'through\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.jsonl');
    expect(readFileSync(real, 'utf8')).toBe('through\n');
    expect(readdirSync(d).sort()).toEqual(['link.jsonl', 'real.jsonl']);
  });

  test('a dangling symlink is refused and its target is not created', async () => {
    const d = dir('dangling');
    const victim = join(d, 'victim');
    symlinkSync(victim, join(d, 'out.jsonl'));
    expect(await refusal(join(d, 'out.jsonl'))).toMatch(/out\.jsonl: symlink to a missing/);
    expect(existsSync(victim)).toBe(false);
  });

  test('a FIFO is written in place to its reader and is still a FIFO', async () => {
    const d = dir('fifo');
    const fifo = join(d, 'pipe');
    const mk = spawn('mkfifo', [fifo]);
    await new Promise((r) => mk.on('exit', r));
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (b: Buffer) => (got += b.toString()));
    const done = new Promise((r) => reader.on('exit', r));
    await writeReportFile(fifo, 'to the reader\n');
    await done;
    expect(got).toBe('to the reader\n');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(d)).toEqual(['pipe']);
  });

  test('/dev/full: a one-line error naming it; /dev/null: written in place; both stay character devices', async () => {
    expect(await refusal('/dev/full')).toBe('/dev/full: no space left on device');
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    await writeReportFile('/dev/null', 'discarded\n');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readFileSync('/dev/null').length).toBe(0);
  });

  test('the temp name is not predictable: symlinks planted at the old FILE.tmp-PID name are never followed', async () => {
    const d = dir('attack');
    const victim = join(d, 'victim');
    writeFileSync(victim, 'precious\n');
    const out = join(d, 'r.jsonl');
    for (const name of [`${out}.tmp-${process.pid}`, `${out}.tmp`, join(d, '.r.jsonl.tmp')]) symlinkSync(victim, name);
    await writeReportFile(out, 'report\n');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(out, 'utf8')).toBe('report\n');
    expect(lstatSync(out).isFile()).toBe(true);
  });

  test('a directory, a missing folder and a file as folder are found by planOutput, before anything is written', () => {
    const d = dir('checks');
    expect(() => planOutput(d)).toThrow(`${d}: is a directory`);
    expect(() => planOutput(join(d, 'nope', 'r.jsonl'))).toThrow(`${join(d, 'nope', 'r.jsonl')}: folder ${join(d, 'nope')}: no such file or directory`);
    expect(() => planOutput(join(d, 'missing-file'))).not.toThrow();
    writeFileSync(join(d, 'plain'), '');
    expect(() => planOutput(join(d, 'plain', 'r.jsonl'))).toThrow(/a part of the path is not a directory|is not a directory/);
    expect(planOutput('/dev/null').kind).toBe('in-place');
    expect(planOutput('-').kind).toBe('stdout');
  });
});
