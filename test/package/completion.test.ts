/** Shell completion through yargs: the scripts it prints, and the answers the shell asks it for. */
import { runCli } from '../support/cli';

describe('poolwatch completion', () => {
  // yargs picks the script by $SHELL; the children inherit this process's environment.
  const shell = process.env.SHELL;
  beforeEach(() => {
    process.env.SHELL = '/bin/bash';
  });
  afterAll(() => {
    if (shell === undefined) delete process.env.SHELL;
    else process.env.SHELL = shell;
  });

  test('prints a bash script that asks poolwatch for its completions', () => {
    const r = runCli(['completion']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('mapfile -t type_list < <(poolwatch --get-yargs-completions "${args[@]}")');
    expect(r.stdout).toMatch(/^complete -o bashdefault -o default -F _poolwatch_yargs_completions poolwatch$/m);
  });

  test('prints a zsh script under zsh', () => {
    process.env.SHELL = '/usr/bin/zsh';
    const r = runCli(['completion']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('#compdef poolwatch');
    expect(r.stdout).toContain('poolwatch --get-yargs-completions');
  });

  test('commands, then a command\'s options, then an option\'s choices', () => {
    const ask = (...words: string[]) => runCli(['--get-yargs-completions', 'poolwatch', ...words]).stdout.split('\n').filter(Boolean);
    expect(ask('')).toEqual(expect.arrayContaining(['scan', 'live', 'interfaces', 'signatures', 'completion']));
    expect(ask('scan', '--')).toEqual(expect.arrayContaining(['--format', '--output', '--workers']));
    expect(ask('scan', '--format', '')).toEqual(['jsonl', 'json', 'csv', 'table', 'eve']);
  });
});
