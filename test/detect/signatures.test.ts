import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainProblem, normalizeName, SuffixMap } from '../../src/detect/domain';
import { Evidence } from '../../src/detect/evidence';
import { JsonRpcSession } from '../../src/detect/jsonrpc/session';
import { loadSignatureDirs, loadSignatures, MAX_SIGNATURE_FILE_BYTES, SignatureError } from '../../src/detect/signatures';
import { packageRoot } from '../../src/paths';
import { ATTACKS, dangerousIn } from '../report/hostile';
import { runCli } from '../support/cli';

const temps: string[] = [];

function siteDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-sig-'));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** The SignatureError thrown by loading `files` as an extra folder. */
function loadError(files: Record<string, string>): { err: SignatureError; dir: string } {
  const dir = siteDir(files);
  try {
    loadSignatures([dir]);
  } catch (e) {
    if (e instanceof SignatureError) return { err: e, dir };
    throw e;
  }
  throw new Error('expected a SignatureError');
}

describe('shipped signatures', () => {
  const sig = loadSignatures();

  test('load, with at least 150 pool domains and every other list filled', () => {
    const s = sig.summary();
    expect(s.pools).toBeGreaterThanOrEqual(150);
    expect(s.allowlist).toBeGreaterThanOrEqual(2);
    expect(s.agents).toBeGreaterThanOrEqual(20);
    expect(s.methods).toBeGreaterThanOrEqual(30);
    expect(s.ports).toBeGreaterThanOrEqual(11);
    expect(sig.pools()).toHaveLength(s.pools);
  });

  test('the built-in load is parsed once and shared', () => {
    expect(loadSignatures()).toBe(sig);
  });

  test('pool count equals the data lines of pools.txt', () => {
    const text = readFileSync(join(packageRoot(), 'signatures', 'pools.txt'), 'utf8');
    const lines = text.split('\n').filter((l) => l.replace(/#.*/, '').trim() !== '');
    expect(sig.summary().pools).toBe(lines.length);
  });

  test('no shipped pool entry is dead: none is allowlisted, none sits below another entry', () => {
    for (const p of sig.pools()) {
      expect(sig.isAllowed(p.suffix)).toBe(false);
      // Matching the entry's own name must return the entry itself, not a shorter parent.
      expect(sig.matchPoolDomain(p.suffix)).toBe(p);
      const parent = p.suffix.slice(p.suffix.indexOf('.') + 1);
      if (parent.includes('.')) expect(sig.matchPoolDomain(parent)).toBeNull();
    }
  });

  test('pool domains from the protocol notes are all listed', () => {
    for (const d of ['nanopool.org', '2miners.com', 'f2pool.com', 'supportxmr.com', 'moneroocean.stream', 'minexmr.com', 'ethermine.org', 'poolbinance.com']) {
      expect(sig.matchPoolDomain(d)?.suffix).toBe(d);
    }
  });

  test('suffix match on label boundaries', () => {
    const m = sig.matchPoolDomain('xmr-eu1.nanopool.org');
    expect(m).not.toBeNull();
    expect(m!.suffix).toBe('nanopool.org');
    expect(m!.pool).toBe('Nanopool');
    expect(m!.coins).toContain('xmr');
    expect(sig.matchPoolDomain('notnanopool.org')).toBeNull();
    expect(sig.matchPoolDomain('nanopool.org.evil.example')).toBeNull();
    expect(sig.matchPoolDomain('org')).toBeNull();
    expect(sig.matchPoolDomain('')).toBeNull();
    expect(sig.matchPoolDomain('example.com')).toBeNull();
  });

  test('case and a trailing dot are ignored', () => {
    expect(sig.matchPoolDomain('XMR-EU1.NanoPool.ORG.')?.suffix).toBe('nanopool.org');
    expect(sig.matchPoolDomain('Pool.SupportXMR.com')?.suffix).toBe('supportxmr.com');
  });

  test('a host entry under a general-purpose parent matches only below that host', () => {
    expect(sig.matchPoolDomain('donate.v2.xmrig.com')?.pool).toMatch(/XMRig/);
    expect(sig.matchPoolDomain('xmrig.com')).toBeNull();
    expect(sig.matchPoolDomain('www.bitcoin.com')).toBeNull();
    expect(sig.matchPoolDomain('stratum.pool.bitcoin.com')?.suffix).toBe('pool.bitcoin.com');
  });

  test('the allowlist wins: NTP pool names are never pools', () => {
    expect(sig.isAllowed('pool.ntp.org')).toBe(true);
    expect(sig.isAllowed('0.europe.pool.ntp.org.')).toBe(true);
    expect(sig.isAllowed('ntp.org')).toBe(false);
    expect(sig.isAllowed('nanopool.org')).toBe(false);
    expect(sig.matchPoolDomain('2.Pool.NTP.org')).toBeNull();
  });

  test('miner software from agent strings, longest pattern first', () => {
    expect(sig.minerSoftware('XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0')).toBe('XMRig');
    expect(sig.minerSoftware('xmrig-proxy/6.18.0 (Linux x86_64) libuv/1.44.1')).toBe('XMRig-proxy');
    expect(sig.minerSoftware('cpuminer/2.5.1')).toBe('cpuminer');
    expect(sig.minerSoftware('cpuminer-opt/3.19.0')).toBe('cpuminer-opt');
    expect(sig.minerSoftware('sgminer/5.6.1')).toBe('sgminer');
    expect(sig.minerSoftware('bfgminer/5.5.0')).toBe('bfgminer');
    expect(sig.minerSoftware('GMiner/2.75')).toBe('GMiner');
    expect(sig.minerSoftware('Mozilla/5.0 (X11; Linux x86_64)')).toBeNull();
    expect(sig.minerSoftware('')).toBeNull();
  });

  test('method dialects and roles', () => {
    expect(sig.methodDialect('mining.subscribe')).toBe('stratum-v1');
    expect(sig.methodDialect('mining.hello')).toBe('ethereum-stratum');
    expect(sig.methodDialect('eth_submitLogin')).toBe('eth-proxy');
    expect(sig.methodDialect('keepalived')).toBe('cryptonote');
    expect(sig.methodDialect('getjobtemplate')).toBe('grin');
    expect(sig.methodDialect('getblocktemplate')).toBe('getwork');
    expect(sig.methodDialect('eth_getBalance')).toBeNull();
    expect(sig.methodDialect('Mining.Subscribe')).toBeNull();
    expect(sig.methodInfo('job')).toEqual({ method: 'job', dialects: ['cryptonote', 'grin', 'beam'], role: 'server' });
    expect(sig.methodInfo('mining.notify')?.role).toBe('server');
    expect(sig.methodInfo('mining.submit')?.role).toBe('client');
  });

  test('methods.txt builds the method sets the name-only dialects detect by', () => {
    expect(sig.methodNames('stratum-v1', 'client').has('mining.subscribe')).toBe(true);
    expect(sig.methodNames('stratum-v1', 'client').has('mining.notify')).toBe(false);
    expect(sig.methodNames('stratum-v1', 'server').has('mining.notify')).toBe(true);
    // Sent by either side: says nothing about which one is the miner, so in neither set.
    expect(sig.methodNames('stratum-v1', 'client').has('mining.ping')).toBe(false);
    expect(sig.methodNames('stratum-v1', 'server').has('mining.ping')).toBe(false);
    expect(sig.methodNames('getwork', 'client').has('eth_submitWork')).toBe(true);
    expect(sig.methodNames('eth-proxy', 'client').has('eth_submitWork')).toBe(true);
    expect(sig.methodNames('no-such-dialect', 'client').size).toBe(0);
  });

  test('a site line adds a Stratum v1 method that detection then knows', () => {
    const dir = siteDir({ 'methods.txt': 'mining.site_extension\tstratum-v1\tclient\n' });
    const site = loadSignatures([dir]);
    expect(site.methodNames('stratum-v1', 'client').has('mining.site_extension')).toBe(true);
    const session = new JsonRpcSession(site);
    const ev = new Evidence();
    const line = Buffer.from('{"id":1,"method":"mining.site_extension","params":[]}\n');
    session.feed(0, line, 0, line.length, ev);
    expect(ev.protocol).toBe('stratum-v1');
    expect(ev.notes).toContain('client sent mining.site_extension');
    expect(sig.methodNames('stratum-v1', 'client').has('mining.site_extension')).toBe(false);
  });

  test('pool ports', () => {
    for (const p of [3333, 4444, 5555, 7777, 8888, 9999, 14444, 14433, 45700, 443, 80]) {
      expect(sig.isPoolPort(p)).toBe(true);
    }
    expect(sig.isPoolPort(22)).toBe(false);
    expect(sig.isPoolPort(0)).toBe(false);
    expect(sig.isPoolPort(70000)).toBe(false);
    expect(sig.isPoolPort(-1)).toBe(false);
    expect(sig.portNote(45700)).toMatch(/minergate/i);
    expect(sig.portNote(22)).toBeNull();
  });
});

describe('malformed signature lines', () => {
  const cases: Array<[string, string, string, number, RegExp]> = [
    ['bad domain', 'pools.txt', '# c\nok.example\tOK\t-\nfoo..bar\tX\t-\n', 3, /bad domain 'foo\.\.bar'/],
    ['bad character', 'pools.txt', 'ex_ample.com\tX\t-\n', 1, /bad label 'ex_ample'/],
    ['label too long', 'pools.txt', `${'a'.repeat(64)}.com\tX\t-\n`, 1, /longer than 63/],
    ['name too long', 'pools.txt', `${Array(64).fill('abc').join('.')}.com\tX\t-\n`, 1, /longer than 253/],
    ['single label', 'pools.txt', 'localhost\tX\t-\n', 1, /two labels/],
    ['IP address', 'pools.txt', '10.0.0.1\tX\t-\n', 1, /IP address/],
    ['spaces for tabs', 'pools.txt', 'a.example B -\n', 1, /separated by tabs/],
    ['duplicate pool', 'pools.txt', 'a.example\tA\t-\n\nA.Example\tB\t-\n', 3, /duplicate domain 'a\.example' \(first on line 1\)/],
    ['missing column', 'pools.txt', 'a.example\tA\n', 1, /found 2 column/],
    ['unknown column', 'pools.txt', 'a.example\tA\txmr\textra\n', 1, /unknown column 4 'extra'/],
    ['bad coin', 'pools.txt', 'a.example\tA\txmr,,eth\n', 1, /bad coin/],
    ['bad allowlist domain', 'allowlist.txt', 'pool.ntp.org.\n', 1, /bad domain/],
    ['duplicate allowlist', 'allowlist.txt', 'x.example\nx.example\tagain\n', 2, /duplicate domain/],
    ['unknown dialect', 'methods.txt', 'mining.foo\tstratum-v3\tclient\n', 1, /unknown dialect 'stratum-v3'/],
    ['unknown role', 'methods.txt', 'mining.foo\tstratum-v1\tminer\n', 1, /unknown role 'miner'/],
    ['duplicate method', 'methods.txt', 'a.b\tgetwork\tclient\na.b\tgrin\tclient\n', 2, /duplicate method 'a\.b'/],
    ['bad method name', 'methods.txt', 'a b\tgetwork\tclient\n', 1, /bad method name/],
    ['port out of range', 'ports.txt', '3333\tok\n65536\ttoo big\n', 2, /bad port '65536'/],
    ['port zero', 'ports.txt', '0\n', 1, /bad port '0'/],
    ['port not a number', 'ports.txt', '33a3\n', 1, /bad port '33a3'/],
    ['duplicate port', 'ports.txt', '3333\n03333\n', 2, /duplicate port 3333/],
    ['empty agent pattern', 'agents.txt', 'Foo\tprefix\t\n', 1, /empty agent pattern/],
    ['one-character agent pattern', 'agents.txt', 'Foo\tcontains\tx\n', 1, /too short/],
    ['unknown match kind', 'agents.txt', 'Foo\tregex\tfoo.*\n', 1, /unknown match kind 'regex'/],
    ['duplicate agent', 'agents.txt', 'Foo\tprefix\tfoo\nBar\tprefix\tFOO\n', 2, /duplicate agent pattern/],
  ];

  test.each(cases)('%s', (_what, file, text, line, message) => {
    const { err, dir } = loadError({ [file]: text });
    expect(err.file).toBe(`${dir}/${file}`);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${dir}/${file}:${line}: `)).toBe(true);
  });

  test('an unknown file name in a folder is an error, README and dot-files are not', () => {
    const { err, dir } = loadError({ 'pool.txt': 'a.example\tA\t-\n' });
    expect(err.file).toBe(`${dir}/pool.txt`);
    expect(err.line).toBe(0);
    expect(err.message).toMatch(/unknown signature file/);
    const ok = siteDir({ 'README.md': '# notes', '.keep': '', 'ports.txt': '31337\tlab pool\n' });
    expect(loadSignatures([ok]).isPoolPort(31337)).toBe(true);
  });

  test('a sub-folder is not a signature file', () => {
    const dir = siteDir({});
    mkdirSync(join(dir, 'pools.txt'));
    expect(() => loadSignatures([dir])).toThrow(/not a regular file/);
  });

  test('a missing folder is an error naming it', () => {
    const dir = join(tmpdir(), 'pw-sig-does-not-exist');
    expect(() => loadSignatures([dir])).toThrow(SignatureError);
    expect(() => loadSignatures([dir])).toThrow(/cannot read signature folder/);
  });

  test('a comment after the data and CRLF line ends are fine', () => {
    const dir = siteDir({ 'pools.txt': 'a.example\tA Pool\txmr  # note\r\nb.example\tB\t-\r\n' });
    const sig = loadSignatureDirs([dir]);
    expect(sig.summary().pools).toBe(2);
    expect(sig.matchPoolDomain('x.a.example')).toEqual({ suffix: 'a.example', pool: 'A Pool', coins: ['xmr'] });
  });
});

describe('site folders', () => {
  test('site lists add to the built-in ones', () => {
    const builtin = loadSignatures().summary();
    const dir = siteDir({
      'pools.txt': 'stratum.corp-lab.example\tLab pool\tbtc\n',
      'agents.txt': 'LabMiner\tprefix\tlabminer/\n',
      'methods.txt': 'lab.work\tgetwork\tclient\n',
      'ports.txt': '31337\tlab\n',
    });
    const sig = loadSignatures([dir]);
    const s = sig.summary();
    expect(s.pools).toBe(builtin.pools + 1);
    expect(s.agents).toBe(builtin.agents + 1);
    expect(sig.matchPoolDomain('eu.stratum.corp-lab.example')?.pool).toBe('Lab pool');
    expect(sig.matchPoolDomain('xmr-eu1.nanopool.org')?.suffix).toBe('nanopool.org');
    expect(sig.minerSoftware('LabMiner/1.0')).toBe('LabMiner');
    expect(sig.methodDialect('lab.work')).toBe('getwork');
    expect(sig.isPoolPort(31337)).toBe(true);
    // The shared built-in object is untouched by the merge.
    expect(loadSignatures().matchPoolDomain('stratum.corp-lab.example')).toBeNull();
    expect(loadSignatures().isPoolPort(31337)).toBe(false);
  });

  test('a site allowlist entry beats a built-in pool', () => {
    const dir = siteDir({ 'allowlist.txt': 'xmr-eu1.nanopool.org\tour own test pool\n' });
    const sig = loadSignatures([dir]);
    expect(sig.matchPoolDomain('xmr-eu1.nanopool.org')).toBeNull();
    expect(sig.isAllowed('XMR-EU1.nanopool.org.')).toBe(true);
    expect(sig.matchPoolDomain('xmr-us1.nanopool.org')?.suffix).toBe('nanopool.org');
  });

  test('a later folder replaces an entry with the same key', () => {
    const a = siteDir({ 'pools.txt': 'x.example\tFirst\t-\n' });
    const b = siteDir({ 'pools.txt': 'x.example\tSecond\tbtc\n' });
    expect(loadSignatures([a, b]).matchPoolDomain('x.example')?.pool).toBe('Second');
  });

  test('errors in a second folder name that folder', () => {
    const a = siteDir({ 'ports.txt': '1234\n' });
    const b = siteDir({ 'ports.txt': '# header\n99999\n' });
    expect(() => loadSignatures([a, b])).toThrow(`${b}/ports.txt:2: bad port '99999'`);
  });
});

/** The error of loading `dir` as a site folder, checked to be one short neutralised line naming the file. */
function dirError(dir: string): SignatureError {
  try {
    loadSignatureDirs([dir]);
  } catch (e) {
    if (!(e instanceof SignatureError)) throw e;
    expect(e.message.split('\n')).toHaveLength(1);
    expect(dangerousIn(e.message)).toEqual([]);
    expect(e.message.length).toBeLessThan(400 + dir.length);
    return e;
  }
  throw new Error('expected a SignatureError');
}

describe('unusable signature files and hostile contents (issue #13)', () => {
  test('a folder where a file is expected', () => {
    const dir = siteDir({});
    mkdirSync(join(dir, 'agents.txt'));
    expect(dirError(dir).message).toBe(`${dir}/agents.txt: not a regular file: a folder`);
  });

  test('a broken link is named, not a raw ENOENT', () => {
    const dir = siteDir({});
    symlinkSync(join(dir, 'gone.txt'), join(dir, 'pools.txt'));
    expect(dirError(dir).message).toBe(`${dir}/pools.txt: cannot open: no such file or folder (or a broken link)`);
  });

  test('a FIFO or a device is refused at once, never waited on or read', () => {
    const dir = siteDir({});
    expect(spawnSync('mkfifo', [join(dir, 'ports.txt')]).status).toBe(0);
    const t0 = Date.now();
    expect(dirError(dir).message).toBe(`${dir}/ports.txt: not a regular file`);
    expect(Date.now() - t0).toBeLessThan(2000);
    const dev = siteDir({});
    symlinkSync('/dev/zero', join(dev, 'pools.txt'));
    expect(dirError(dev).message).toBe(`${dev}/pools.txt: not a regular file`);
  });

  test('a file over the size limit is refused from fstat, before anything is read', () => {
    const dir = siteDir({ 'pools.txt': '' });
    // Sparse: 8 GiB that reading would need 8 GiB of memory for (Node refuses over 2 GiB).
    truncateSync(join(dir, 'pools.txt'), 8 * 1024 ** 3);
    const t0 = Date.now();
    expect(dirError(dir).message).toBe(`${dir}/pools.txt: ${8 * 1024 ** 3} bytes, over the limit of 64 MiB for a signature file`);
    expect(Date.now() - t0).toBeLessThan(1000);
    const justOver = siteDir({ 'pools.txt': '' });
    truncateSync(join(justOver, 'pools.txt'), MAX_SIGNATURE_FILE_BYTES + 1);
    expect(dirError(justOver).message).toMatch(/over the limit of 64 MiB/);
  });

  test('a folder that is a file, or missing, says so plainly', () => {
    const dir = siteDir({ 'pools.txt': 'a.example\tA\t-\n' });
    expect(dirError(join(dir, 'pools.txt')).message).toBe(`${dir}/pools.txt: cannot read signature folder: not a folder`);
    expect(dirError(join(dir, 'nope')).message).toBe(`${dir}/nope: cannot read signature folder: no such file or folder (or a broken link)`);
  });

  test('an unreadable file names the file and says permission denied', () => {
    const dir = siteDir({ 'pools.txt': 'a.example\tA\t-\n' });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'pools.txt'), 0o000);
    const expected = `${dir}/pools.txt: cannot open: permission denied`;
    if (process.getuid?.() !== 0) {
      expect(dirError(dir).message).toBe(expected);
      return;
    }
    // root reads anything: load it as nobody in a child process, from this build.
    const module = join(__dirname, '..', '..', 'src', 'detect', 'signatures.js');
    const script = `try { require(${JSON.stringify(module)}).loadSignatureDirs([${JSON.stringify(dir)}]); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/', env: { PATH: process.env.PATH, POOLWATCH_ROOT: packageRoot() } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`SignatureError: ${expected}\n`);
  });

  test('a 50 MB line gives a short message with a marked excerpt of the value', () => {
    const long = 'x'.repeat(50_000_000);
    const dir = siteDir({ 'pools.txt': `ok.example\tOK\t-\n${long}.example\tBig\t-\n` });
    const t0 = Date.now();
    const msg = dirError(dir).message;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(msg).toBe(`${dir}/pools.txt:2: bad domain '${'x'.repeat(80)}…(+49999928)': domain longer than 253 characters`);
    const ports = siteDir({ 'ports.txt': `${'9'.repeat(50_000_000)}\n` });
    expect(dirError(ports).message).toBe(`${ports}/ports.txt:1: bad port '${'9'.repeat(80)}…(+49999920)' (1-65535)`);
  });

  test('escape sequences, bidi and C1 in a bad value or a file name are shown escaped, never raw', () => {
    const label = siteDir({ 'pools.txt': `a\x1b]0;owned\x07.example\tP\t-\n` });
    expect(dirError(label).message).toBe(`${label}/pools.txt:1: bad domain 'a\\x1b]0;owned\\x07.example': bad label 'a\\x1b]0;owned\\x07'`);
    const coin = siteDir({ 'pools.txt': `b.example\tP\txmr\u202e\u0085,btc\n` });
    expect(dirError(coin).message).toBe(`${coin}/pools.txt:1: bad coin 'xmr\\u202e\\x85' (comma-separated tickers, or - when unknown)`);
    const method = siteDir({ 'methods.txt': `mining.${ATTACKS.clearScreen}\tstratum-v1\tclient\n` });
    expect(dirError(method).message).toBe(`${method}/methods.txt:1: bad method name 'mining.\\x1b[2J\\x1b[3J\\x1b[H'`);
    const name = siteDir({ [`pools${ATTACKS.clearScreen}.txt`]: '' });
    expect(dirError(name).message).toMatch(/pools\\x1b\[2J\\x1b\[3J\\x1b\[H\.txt: unknown signature file/);
    // A folder name with a newline (the user's) cannot start a second line either.
    const parent = siteDir({});
    const nl = join(parent, `site\n${'HIGH   10.6.6.6'}`);
    mkdirSync(nl);
    writeFileSync(join(nl, 'ports.txt'), 'abc\n');
    expect(dirError(nl).message).toBe(`${parent}/site\\x0aHIGH   10.6.6.6/ports.txt:1: bad port 'abc' (1-65535)`);
  });

  test('poolwatch signatures check prints such an error as one short plain line and exits 2', () => {
    const dir = siteDir({ 'agents.txt': `Evil\tprefix\t${'\x1b[2J'.repeat(2_000_000)}\n` });
    const r = runCli(['signatures', 'check', '--signatures', dir]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`poolwatch: ${dir}/agents.txt:1: control character in agent pattern\n`);
    const big = siteDir({ 'ports.txt': `${ATTACKS.osc52Clipboard}${'x'.repeat(5_000_000)}\n` });
    const r2 = runCli(['signatures', 'check', '--signatures', big]);
    expect(r2.status).toBe(2);
    expect(r2.stderr.split('\n')).toEqual([expect.stringMatching(/^poolwatch: .*ports\.txt:1: bad port '\\x1b\]52;c;.*…\(\+\d+\)' \(1-65535\)$/), '']);
    expect(r2.stderr.length).toBeLessThan(300);
  });

  test('invalid UTF-8 reaches a message as U+FFFD, not as raw bytes', () => {
    const dir = siteDir({});
    writeFileSync(join(dir, 'ports.txt'), Buffer.from([0x31, 0xff, 0x9b, 0x32, 0x0a]));
    const msg = dirError(dir).message;
    expect(msg).toBe(`${dir}/ports.txt:1: bad port '1\ufffd\ufffd2' (1-65535)`);
  });
});

describe('domain helpers', () => {
  test('domainProblem', () => {
    expect(domainProblem('nanopool.org')).toBeNull();
    expect(domainProblem('xmr-eu1.nanopool.org')).toBeNull();
    expect(domainProblem('-bad.example')).toMatch(/bad label/);
    expect(domainProblem('bad-.example')).toMatch(/bad label/);
    expect(domainProblem('a..b')).toMatch(/empty label/);
    expect(domainProblem('')).toMatch(/empty/);
  });

  test('normalizeName', () => {
    expect(normalizeName('A.Example.')).toBe('a.example');
    expect(normalizeName('a.example')).toBe('a.example');
    expect(normalizeName('.')).toBe('');
  });

  test('SuffixMap picks the longest suffix', () => {
    const m = new SuffixMap<string>();
    m.set('example.com', 'short');
    m.set('pool.example.com', 'long');
    expect(m.longest('a.pool.example.com')).toBe('long');
    expect(m.longest('b.example.com')).toBe('short');
    expect(m.longest('pool.example.com')).toBe('long');
    expect(m.longest('xexample.com')).toBeUndefined();
    expect(m.covers('com')).toBe(false);
  });
});
