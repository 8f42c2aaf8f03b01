/**
 * Without the libpcap binding (the optional `cap` package did not build, or
 * was never installed) and without the AF_PACKET addon, `live` must say so and
 * how to fix it; `interfaces` needs neither on Linux.
 * The compiled program is copied beside a node_modules that has every package
 * but cap, so Node's own module resolution fails as it would on such a machine.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const build = join(__dirname, '..', '..');
const modules = dirname(dirname(require.resolve('pino/package.json')));
const tmp = mkdtempSync(join(tmpdir(), 'pw-live-nocap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('without the cap package or the addon, live says the libpcap binding is missing and how to install it (exit 2); interfaces still lists', () => {
  mkdirSync(join(tmp, 'node_modules'));
  for (const name of readdirSync(modules)) if (name !== 'cap') symlinkSync(join(modules, name), join(tmp, 'node_modules', name));
  cpSync(join(build, 'src'), join(tmp, 'src'), { recursive: true });
  cpSync(join(build, 'test', 'support'), join(tmp, 'test', 'support'), { recursive: true });
  // The addon is left out as a build without it would be (POOLWATCH_LIVE_ENGINE=cap: as if it had not built).
  const env = { ...process.env, POOLWATCH_LIVE_ENGINE: 'cap' };
  const run = (args: string[]) => spawnSync(process.execPath, [join(tmp, 'test', 'support', 'cli-shim.js'), ...args], { encoding: 'utf8', timeout: 30_000, env });
  // An interface that exists nowhere: even a mistake here could never capture anything.
  const r = run(['live', '-i', 'pw-nocap0']);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('live capture needs the libpcap binding, the optional npm package "cap", which is not installed or did not build');
  expect(r.stderr).toContain('apt-get install libpcap-dev python3 make g++ && npm rebuild cap');
  expect(r.stderr).toContain('(the AF_PACKET engine cannot be used either: POOLWATCH_LIVE_ENGINE=cap)');
  if (process.platform === 'linux') {
    const list = run(['interfaces', '--json']);
    expect(list.status).toBe(0);
    const names = (JSON.parse(list.stdout) as Array<{ name: string }>).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(['lo', 'any']));
  }
});
