/** Shell completion through yargs: the scripts it prints, and the answers the shell asks it for. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SHIM = join(__dirname, '..', 'support', 'cli-shim.js');

/** The CLI as a child; yargs picks the script by $SHELL, so the test says which shell. */
function cli(args: string[], shell = '/bin/bash'): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SHIM, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SHELL: shell, ZSH_NAME: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('poolwatch completion', () => {
  test('prints a bash script that asks poolwatch for its completions', () => {
    const r = cli(['completion']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('mapfile -t type_list < <(poolwatch --get-yargs-completions "${args[@]}")');
    expect(r.stdout).toMatch(/^complete -o bashdefault -o default -F _poolwatch_yargs_completions poolwatch$/m);
  });

  test('prints a zsh script under zsh', () => {
    const r = cli(['completion'], '/usr/bin/zsh');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('#compdef poolwatch');
    expect(r.stdout).toContain('poolwatch --get-yargs-completions');
  });

  test("commands, then a command's options, then an option's choices", () => {
    const ask = (...words: string[]) => cli(['--get-yargs-completions', 'poolwatch', ...words]).stdout.split('\n').filter(Boolean);
    expect(ask('')).toEqual(expect.arrayContaining(['scan', 'live', 'interfaces', 'signatures', 'completion']));
    expect(ask('scan', '--')).toEqual(expect.arrayContaining(['--format', '--output', '--workers']));
    expect(ask('scan', '--format', '')).toEqual(['jsonl', 'json', 'csv', 'table', 'eve', 'html']);
  });
});
