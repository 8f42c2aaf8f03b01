/**
 * A package that installs: the committed tree (git archive HEAD, as a fresh clone has it)
 * is packed with `npm pack` (its prepack builds the code), installed globally into a
 * temporary prefix from npm's cache where it can, and run from another folder with
 * nothing of the checkout in reach. Before package.json had `files` and `prepack`, the
 * tarball held no dist/ and the installed command failed with "Cannot find module
 * '../dist/src/cli/main.js'".
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';

const ROOT = packageRoot();
const UNIT = join(ROOT, 'deploy', 'poolwatch-live.service');

/** The environment of a user's shell: nothing that points poolwatch at this checkout. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.POOLWATCH_ROOT;
  delete env.INIT_CWD;
  // Under `npm test`, npm's own variables (the project's prefix among them) would steer the npm run here.
  for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
  return { ...env, SHELL: '/bin/bash', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: userEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return r;
}

function must(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} exited ${String(r.status)}:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

const hasGit = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).status === 0;
const hasSystemd = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

(hasGit ? describe : describe.skip)('npm pack, npm install -g, run from anywhere', () => {
  let tmp = '';
  let tarball = '';
  let prefix = '';
  let installed = '';
  let bin = '';
  let elsewhere = '';
  let entries: string[] = [];
  const seconds: { [step: string]: number } = {};

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'poolwatch-pack-'));
    const src = join(tmp, 'clone');
    mkdirSync(src);
    let t = Date.now();
    must(run('sh', ['-c', `git -C "${ROOT}" archive --format=tar HEAD | tar -x -C "${src}"`], tmp, 60_000), 'git archive');
    // The clone's `npm ci`: its dependencies, without the download.
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    const name = must(run('npm', ['pack', '--silent', '--pack-destination', tmp], src, 240_000), 'npm pack').trim().split('\n').pop()!;
    tarball = join(tmp, name);
    seconds.pack = (Date.now() - t) / 1000;
    entries = must(run('tar', ['-tzf', tarball], tmp, 60_000), 'tar -t').split('\n').filter(Boolean);
    prefix = join(tmp, 'prefix');
    t = Date.now();
    must(run('npm', ['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], tmp, 240_000), 'npm install -g');
    seconds.install = (Date.now() - t) / 1000;
    installed = join(prefix, 'lib', 'node_modules', 'poolwatch');
    bin = join(prefix, 'bin', 'poolwatch');
    elsewhere = join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    process.stderr.write(`pack.test: npm pack ${seconds.pack.toFixed(1)} s, npm install -g ${seconds.install.toFixed(1)} s\n`);
  }, 480_000);

  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds the built code, signatures, samples, unit and addon sources, and no tests', () => {
    for (const f of ['dist/src/cli/main.js', 'dist/src/shard/worker.js', 'dist/src/report/eve.js', 'bin/poolwatch.js', 'signatures/pools.txt', 'pcaps/samples/xmrig-stratum.pcap', 'pcaps/samples/web-browsing.pcapng', 'deploy/poolwatch-live.service', 'native/afpacket/install.js', 'native/afpacket/afpacket.c', 'native/afpacket/binding.gyp', 'README.md', 'package.json']) {
      expect(entries).toContain(`package/${f}`);
    }
    expect(entries.filter((e) => /^package\/(test|bench|src|dist\/test|dist\/bench|dist\/pcaps|scripts|\.ci)\//.test(e) || /\.(map|ts)$/.test(e))).toEqual([]);
  });

  test('the installed command scans the bundled samples from another folder, with its own signatures', () => {
    const r = run(bin, ['scan', join(installed, 'pcaps', 'samples'), '-f', 'jsonl'], elsewhere, 60_000);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string; pool?: string; files?: number });
    expect(lines.filter((l) => l.type === 'finding').map((l) => `${l.host} -> ${l.pool}`)).toEqual(['10.1.2.3 -> 198.51.100.7']);
    expect(lines[lines.length - 1]).toMatchObject({ type: 'summary', files: 2 });
    expect(must(run(bin, ['signatures', 'check'], elsewhere, 60_000), 'signatures check')).toMatch(/^signatures OK: \d+ pool domains/);
    expect(must(run(bin, ['--version'], elsewhere, 60_000), '--version').trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  test('--format eve from the installed package', () => {
    const out = must(run(bin, ['scan', join(installed, 'pcaps', 'samples'), '--format', 'eve'], elsewhere, 60_000), 'scan --format eve');
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { event_type: string });
    expect(lines.map((l) => l.event_type)).toEqual(['alert']);
  });

  test('shell completion: a script for bash, and the completions it asks for', () => {
    const script = must(run(bin, ['completion'], elsewhere, 60_000), 'completion');
    expect(script).toContain('poolwatch --get-yargs-completions');
    expect(script).toMatch(/^complete .* poolwatch$/m);
    const commands = must(run(bin, ['--get-yargs-completions', 'poolwatch', ''], elsewhere, 60_000), 'completions').split('\n');
    expect(commands).toEqual(expect.arrayContaining(['scan', 'live', 'interfaces', 'signatures', 'completion']));
    const formats = must(run(bin, ['--get-yargs-completions', 'poolwatch', 'scan', '--format', ''], elsewhere, 60_000), 'format completions').split('\n');
    expect(formats).toEqual(expect.arrayContaining(['jsonl', 'csv', 'eve']));
  });

  (hasSystemd ? test : test.skip)('the systemd unit verifies against the installed command', () => {
    const unit = join(tmp, 'poolwatch-live.service');
    writeFileSync(unit, readFileSync(UNIT, 'utf8').replace(/^ExecStart=\/usr\/local\/bin\/poolwatch /m, `ExecStart=${bin} `));
    expect(readFileSync(unit, 'utf8')).toContain(`ExecStart=${bin} live `);
    const r = run('systemd-analyze', ['verify', unit], tmp, 60_000);
    // Unknown keys and bad values are only warnings to systemd: any line naming the unit is a failure here.
    expect(r.stderr.split('\n').filter((l) => l.includes('poolwatch-live.service'))).toEqual([]);
    expect(r.status).toBe(0);
  });
});

describe('deploy/poolwatch-live.service', () => {
  const text = existsSync(UNIT) ? readFileSync(UNIT, 'utf8') : '';
  const settings = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m !== null) settings.set(m[1], [...(settings.get(m[1]) ?? []), m[2]]);
  }
  const one = (k: string) => settings.get(k)?.join(' ');

  test('hardened: raw capture the only privilege, a read-only system, its own state and log folders', () => {
    expect(one('AmbientCapabilities')).toBe('CAP_NET_RAW');
    expect(one('CapabilityBoundingSet')).toBe('CAP_NET_RAW');
    for (const k of ['NoNewPrivileges', 'DynamicUser', 'PrivateTmp', 'ProtectHome', 'PrivateDevices', 'ProtectKernelModules', 'ProtectKernelTunables', 'RestrictSUIDSGID']) expect([k, one(k)]).toEqual([k, 'yes']);
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('StateDirectory')).toBe('poolwatch');
    expect(one('LogsDirectory')).toBe('poolwatch');
    expect(one('RestrictAddressFamilies')?.split(' ').sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
    // V8 needs writable and executable pages; PrivateNetwork would hide the mirror port.
    expect(settings.has('MemoryDenyWriteExecute')).toBe(false);
    expect(settings.has('PrivateNetwork')).toBe(false);
  });

  test('writes only where the sandbox lets it: the output and report under the state and log folders', () => {
    const exec = one('ExecStart') ?? '';
    expect(exec).toMatch(/^\/usr\/local\/bin\/poolwatch live -i \$\{POOLWATCH_INTERFACE\} /);
    expect(exec).toContain('-o /var/log/poolwatch/');
    expect(exec).toContain('--report /var/lib/poolwatch/');
    expect(one('RestartPreventExitStatus')).toBe('2');
  });

  (hasSystemd ? test : test.skip)('systemd-analyze security rates its exposure low', () => {
    const unit = join(mkdtempSync(join(tmpdir(), 'poolwatch-unit-')), 'poolwatch-live.service');
    writeFileSync(unit, text.replace(/^ExecStart=\/usr\/local\/bin\/poolwatch /m, 'ExecStart=/bin/true '));
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unit], { encoding: 'utf8', timeout: 60_000 });
    const m = /Overall exposure level for poolwatch-live\.service: (\d+\.\d+)/.exec(r.stdout + r.stderr);
    expect(m).not.toBeNull();
    // systemd's scale: 0 safest, 10 unprotected; below 3.5 it calls "OK".
    expect(Number(m![1])).toBeLessThan(3.5);
    rmSync(join(unit, '..'), { recursive: true, force: true });
  });
});
