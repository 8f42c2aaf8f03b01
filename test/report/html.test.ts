/**
 * The HTML report (src/report/html.ts) rendered by a real browser: Debian's chromium, headless.
 * The page records on <body> how many charts it drew and how many pixels they painted, and any
 * script error; chromium's own log shows every console message, CSP violations included.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import type { Finding, Summary } from '../../src/report/finding';
import { coveredSeconds, hostStories, renderHtml } from '../../src/report/html';
import { runCli } from '../support/cli';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

function scanJson(path: string): { findings: Finding[]; summary: Summary } {
  const r = runCli(['scan', path, '-f', 'json']);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { findings: Finding[]; summary: Summary };
}

interface Rendered {
  dom: string;
  log: string;
}

function chromium(dir: string, args: string[]): Rendered {
  if (CHROMIUM === undefined) throw new Error('chromium is not installed (apt-get install chromium); .ci/run installs it');
  const profile = mkdtempSync(join(dir, 'profile-'));
  const r = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-logging=stderr', '--v=0', `--user-data-dir=${profile}`, ...args],
    { encoding: 'utf8', timeout: 90_000 },
  );
  if (r.error) throw r.error;
  return { dom: r.stdout, log: r.stderr };
}

function bodyAttribute(dom: string, name: string): string | null {
  const body = /<body[^>]*>/.exec(dom);
  if (body === null) return null;
  const m = new RegExp(`${name}="([^"]*)"`).exec(body[0]);
  return m === null ? null : m[1];
}

/** Console messages and uncaught errors as chromium logs them with --enable-logging=stderr. */
function consoleLines(log: string): string[] {
  return log.split('\n').filter((l) => /CONSOLE|Uncaught|Refused to/.test(l));
}

describe('HTML report', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-html-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the real captures render in headless chromium: one chart per host, painted, no console message', () => {
    const report = scanJson(join(packageRoot(), 'pcaps', 'real'));
    const hosts = new Set(report.findings.map((f) => f.host));
    expect(hosts.size).toBeGreaterThan(0);
    const page = join(dir, 'report.html');
    writeFileSync(page, renderHtml(report.findings, report.summary));

    const run = chromium(dir, ['--dump-dom', `file://${page}`]);
    expect(consoleLines(run.log)).toEqual([]);
    expect(bodyAttribute(run.dom, 'data-errors')).toBeNull();
    expect(bodyAttribute(run.dom, 'data-charts-drawn')).toBe(String(hosts.size));
    // A drawn timeline paints axes, labels and bars: thousands of pixels per chart; a blank canvas none.
    expect(Number(bodyAttribute(run.dom, 'data-chart-pixels'))).toBeGreaterThan(2000 * hosts.size);
    for (const f of report.findings) if (f.login !== null) expect(run.dom).toContain(f.login);

    const shot = join(dir, 'report.png');
    const pictured = chromium(dir, [`--screenshot=${shot}`, '--window-size=1280,1400', '--hide-scrollbars', `file://${page}`]);
    expect(consoleLines(pictured.log)).toEqual([]);
    expect(readFileSync(shot).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    if (process.env.POOLWATCH_HTML_SHOT) writeFileSync(process.env.POOLWATCH_HTML_SHOT, readFileSync(shot));
  });

  test('attacker-chosen values cannot add elements or scripts to the page, nor reach the network', () => {
    const report = scanJson(join(packageRoot(), 'pcaps', 'samples'));
    expect(report.findings.length).toBeGreaterThan(0);
    const hostile = '</script><script>document.title="pwned"</script><img src="http://10.9.9.9/x" onerror="document.title=1">\u202e\u001b[2J';
    const findings = report.findings.map((f) => ({ ...f, login: hostile, agent: hostile, domain: hostile, evidence: [...f.evidence, hostile] }));
    const page = join(dir, 'hostile.html');
    writeFileSync(page, renderHtml(findings, { ...report.summary, warnings: [hostile] }));
    const run = chromium(dir, ['--dump-dom', `file://${page}`]);
    expect(consoleLines(run.log)).toEqual([]);
    expect(bodyAttribute(run.dom, 'data-errors')).toBeNull();
    expect(bodyAttribute(run.dom, 'data-charts-drawn')).toBe('1');
    expect(run.dom).not.toMatch(/<img/i);
    // Neither injected script ran: each would have set the title.
    expect(/<title>([^<]*)<\/title>/.exec(run.dom)?.[1]).toMatch(/^poolwatch report: \d+ finding\(s\)$/);
    expect((run.dom.match(/<script/g) ?? []).length).toBe(2 + 1);
    // Shown, neutralised: the override and the escape sequence appear as their codes.
    expect(run.dom).toContain('\\u202e\\x1b[2J');
  });

  test('a host story counts overlapping sessions once and takes the highest confidence', () => {
    expect(coveredSeconds([[0, 10_000], [5_000, 20_000], [30_000, 31_000]])).toBe(21);
    const base = scanJson(join(packageRoot(), 'pcaps', 'samples')).findings[0];
    const low: Finding = { ...base, confidence: 'low', firstSeen: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:01:00.000Z', connections: [] };
    const high: Finding = { ...base, confidence: 'high', pool: '10.0.0.9', firstSeen: '2026-01-01T00:00:30.000Z', lastSeen: '2026-01-01T00:02:00.000Z', connections: [] };
    const [story] = hostStories([low, high]);
    expect(story.confidence).toBe('high');
    expect(story.firstSeen).toBe('2026-01-01T00:00:00.000Z');
    expect(story.lastSeen).toBe('2026-01-01T00:02:00.000Z');
    expect(story.miningSeconds).toBe(120);
    expect(story.pools).toHaveLength(2);
  });
});
