/**
 * The lab, live: real XMRig 6.16.0 (one thread) mines against the stand-in
 * pool inside throw-away network namespaces after a DNS lookup, tcpdump
 * records the wire, and poolwatch must report the session with the miner's
 * login, rig id, agent, the pool's DNS name and at least the shares the pool
 * received. Needs root and `ip netns` (CI runs as root); skipped elsewhere,
 * with the reason in the test name. Leaves no namespace and no process behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths';
import { labAvailable, listLabNamespaces, missingTools, pidAlive, type Lab } from '../../pcaps/lab/netns';
import { SCENARIOS, record } from '../../pcaps/lab/scenarios';
import { expectFinding, scanCapture } from './scan-cli';

const avail = labAvailable();
const maybe = avail.ok ? describe : describe.skip;
// A real miner and real processes on a shared 2-core machine: one retry, with the first failure logged,
// so a scheduling hiccup does not fail CI while a real fault still does.
jest.retryTimes(1, { logErrorsBeforeRetry: true });
const title = avail.ok ? 'live lab' : `live lab (skipped: ${avail.why}; needs root and ip netns)`;

maybe(title, () => {
  const out = mkdtempSync(join(tmpdir(), 'pw-live-lab-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('real XMRig against the stand-in pool, recorded and scanned', async () => {
    // Root with namespaces but without the lab's programs is a set-up error, not a reason to skip.
    expect(missingTools(['ip', 'dnsmasq', 'tcpdump', 'openssl'])).toEqual([]);
    const scenario = SCENARIOS.find((s) => s.name === 'xmrig-plain-dns')!;
    let lab: Lab | undefined;
    const entry = await record(scenario, out, join(packageRoot(), 'pcaps', 'lab', '.cache'), out, (l) => (lab = l));

    // Nothing left behind: the run's namespaces are gone and every process it started has exited.
    expect(lab).toBeDefined();
    const left = listLabNamespaces();
    expect(left).not.toContain(lab!.clientNs);
    expect(left).not.toContain(lab!.serverNs);
    expect(lab!.procs.map((p) => p.name)).toEqual(expect.arrayContaining(['dnsmasq', 'tcpdump', 'pool', 'xmrig']));
    expect(lab!.procs.filter((p) => pidAlive(p.pid)).map((p) => `${p.name} ${p.pid}`)).toEqual([]);

    const exp = entry.expect.findings[0];
    expect(exp.sharesSubmittedAtLeast).toBeGreaterThanOrEqual(1);
    expect(exp.agent).toMatch(/^XMRig\/6\.16\.0 /);
    const r = scanCapture(join(out, entry.file));
    expectFinding(r.findings, exp);
    expect(r.findings).toHaveLength(1);
  }, 90_000);
});
