/**
 * Regenerates the real-program captures under pcaps/real/ and their manifest.
 *
 *   node dist/pcaps/lab/record.js [--only NAME[,NAME...]] [--out DIR] [--list]
 *
 * Needs root, iproute2, dnsmasq, tcpdump, openssl, curl, openssh (client and
 * server) and ethtool; see pcaps/lab/README.md.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { labAvailable, missingTools } from './netns';
import { SCENARIOS, record, type CaptureEntry } from './scenarios';
import { packageRoot } from '../../src/paths';

interface Manifest {
  about: string;
  regenerate: string;
  captures: CaptureEntry[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--list')) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(24)} ${s.kind.padEnd(7)} ${s.description}`);
    return;
  }
  const avail = labAvailable();
  if (!avail.ok) throw new Error(`the lab cannot run here: ${avail.why}`);
  const missing = missingTools();
  if (missing.length) throw new Error(`the lab needs: ${missing.join(', ')}`);
  const root = packageRoot();
  const outDir = resolve(arg('--out') ?? join(root, 'pcaps', 'real'));
  const cacheDir = resolve(arg('--cache') ?? join(root, 'pcaps', 'lab', '.cache'));
  const workDir = join(cacheDir, 'work');
  mkdirSync(workDir, { recursive: true });
  const only = arg('--only')?.split(',');
  const chosen = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  if (only && chosen.length !== only.length) throw new Error(`unknown scenario in ${only.join(',')}; --list shows them`);

  const manifestPath = join(outDir, 'manifest.json');
  const manifest: Manifest = existsSync(manifestPath)
    ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest)
    : { about: '', regenerate: '', captures: [] };
  manifest.about =
    'Real programs recorded by tcpdump (full snap length) on the watched host\'s veth inside a throw-away network namespace lab; every address is 10.0.0.0/8 inside the lab and nothing left the machine. "expect" is what a correct `poolwatch scan FILE --format jsonl` reports: benign captures expect no finding.';
  manifest.regenerate = 'npx tsc -p . && sudo node dist/pcaps/lab/record.js [--only NAME]';

  const t0 = Date.now();
  for (const s of chosen) {
    const t = Date.now();
    process.stderr.write(`recording ${s.name} ... `);
    const entry = await record(s, outDir, cacheDir, workDir);
    const i = manifest.captures.findIndex((c) => c.scenario === s.name);
    if (i >= 0) manifest.captures[i] = entry;
    else manifest.captures.push(entry);
    // Keep the manifest in scenario order whatever was re-recorded.
    manifest.captures.sort((a, b) => SCENARIOS.findIndex((x) => x.name === a.scenario) - SCENARIOS.findIndex((x) => x.name === b.scenario));
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    process.stderr.write(`${entry.packets} packets, ${entry.bytes} bytes, ${JSON.stringify(entry.observed)} (${((Date.now() - t) / 1000).toFixed(1)} s)\n`);
  }
  process.stderr.write(`done: ${chosen.length} scenario(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
