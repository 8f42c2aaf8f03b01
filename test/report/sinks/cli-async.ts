/**
 * The CLI as a child process without blocking the test's event loop (runCli in
 * test/support/cli.ts waits synchronously, which would stall a broker client
 * or server running in the test process meanwhile).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { CliResult } from '../../support/cli';

export { parseJsonl } from '../../support/cli';

const SHIM = join(__dirname, '..', '..', 'support', 'cli-shim.js');

export function runCliAsync(args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SHIM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(t);
      resolve({ status, stdout, stderr });
    });
  });
}
