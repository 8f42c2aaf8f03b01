/**
 * Runs the CLI as a child process, the way a user does. The shim below is the
 * compiled twin of bin/poolwatch.js that works wherever the tests were built.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const SHIM = join(__dirname, 'cli-shim.js');

export function runCli(args: string[], input?: Buffer): CliResult {
  const r = spawnSync(process.execPath, [SHIM, ...args], { input, encoding: 'buffer', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** JSON lines of a jsonl report, split into findings and the summary. */
export function parseJsonl(text: string): { findings: Array<{ [k: string]: unknown }>; summary: { [k: string]: unknown } } {
  const lines = text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { [k: string]: unknown });
  const summary = lines.pop();
  if (summary === undefined || summary.type !== 'summary') throw new Error(`report has no summary line: ${text.slice(0, 500)}`);
  return { findings: lines, summary };
}
