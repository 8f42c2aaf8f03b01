import { join } from 'node:path';
import { readFileSync, type WriteStream } from 'node:fs';
import { writePcap } from '../../src/capture/writer';
import { miningSession, webSession } from '../../pcaps/generate';
import { toRecords } from '../support/craft';
import { parseJsonl } from '../support/cli';
import { fifoWriter, mkfifo, sharedTempDir, sleep, startCli, write } from './child';

const tmp = sharedTempDir('pw-cli-signals-');
const PCAP_HEADER = 24;

/** The mining session as a whole pcap, and ordinary traffic as records to append to it. */
const head = writePcap(toRecords(miningSession()), { linkType: 1 });
const more = writePcap(toRecords(webSession()), { linkType: 1 }).subarray(PCAP_HEADER);

/**
 * Scans a FIFO that first gets the mining session, then a trickle of ordinary packets (or,
 * with `stall`, nothing more, its writer left open), and signals the scan while it waits.
 */
async function interrupt(name: string, sig: NodeJS.Signals, extra: string[], stall: boolean) {
  const fifo = join(tmp, name);
  mkfifo(fifo);
  const run = startCli(['scan', fifo, '-f', 'jsonl', ...extra], { timeoutMs: 30_000 });
  const w: WriteStream = await fifoWriter(fifo);
  await write(w, head);
  let feeding = !stall;
  const feeder = (async () => {
    while (feeding) {
      await write(w, more);
      await sleep(50);
    }
    // Once the scan has ended, the next write meets no reader (EPIPE): that is the end of the feed.
  })().catch(() => undefined);
  await sleep(1500);
  const sentAt = Date.now();
  run.child.kill(sig);
  const r = await run.done;
  const took = Date.now() - sentAt;
  feeding = false;
  await feeder;
  w.destroy();
  return { ...r, took };
}

describe('a signal during scan', () => {
  test('SIGINT: stops reading, reports what was read with "interrupted": true, exits 130', async () => {
    const r = await interrupt('int.fifo', 'SIGINT', [], false);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(130);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ host: '10.1.2.3', protocol: 'cryptonote', sharesSubmitted: 2 });
    expect(summary).toMatchObject({ interrupted: true, files: 1 });
    expect(summary.warnings).toContain('interrupted by SIGINT: the report covers the packets read until then');
    // The session's 12 packets and some of the trickle after it.
    expect(summary.packets as number).toBeGreaterThan(12);
    expect(r.stderr).toMatch(/interrupted by SIGINT/);
  });

  test('SIGTERM while the input has stalled (a read left pending): report written, exit 143, promptly', async () => {
    const r = await interrupt('term.fifo', 'SIGTERM', [], true);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(143);
    expect(r.took).toBeLessThan(10_000);
    const { findings, summary } = parseJsonl(r.stdout);
    expect(findings).toHaveLength(1);
    expect(summary).toMatchObject({ interrupted: true });
  });

  test('with --workers 2 too, and to an -o file', async () => {
    const out = join(tmp, 'workers.jsonl');
    const r = await interrupt('workers.fifo', 'SIGINT', ['--workers', '2', '-o', out], false);
    expect(r.status).toBe(130);
    const { findings, summary } = parseJsonl(readFileSync(out, 'utf8'));
    expect(findings).toHaveLength(1);
    expect(summary).toMatchObject({ interrupted: true });
  });
});
