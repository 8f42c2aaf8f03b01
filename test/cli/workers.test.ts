import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scan } from '../../src/cli/scan';
import { makeLogger } from '../../src/cli/log';
import { writePcapng } from '../../src/capture/writer';
import { packageRoot } from '../../src/paths';
import { runCli } from '../support/cli';
import { Conversation, ether } from '../support/craft';

/** The report without its timing, which is the one field that may differ between runs. */
function report(args: string[], input?: Buffer): string {
  const r = runCli(args, input);
  expect(r.status).toBe(0);
  return r.stdout.replace(/"seconds":[0-9.e+-]+/, '"seconds":0');
}

describe('scan --workers', () => {
  test('two and three threads report exactly what one does', async () => {
    const pcaps = join(packageRoot(), 'pcaps');
    const one = report(['scan', pcaps, '-f', 'jsonl']);
    expect(one.split('\n').filter((l) => l.includes('"type":"finding"')).length).toBeGreaterThan(2);
    expect(report(['scan', pcaps, '-f', 'jsonl', '--workers', '2'])).toBe(one);
    // The command line refuses more threads than CPUs (two on the machine this is developed on); the
    // scan itself takes any number, and three threads are two shards.
    const out = join(mkdtempSync(join(tmpdir(), 'pw-workers-')), 'three.jsonl');
    const status = await scan({ paths: [pcaps], format: 'jsonl', output: out, signatures: [], maxFlows: 262144, idleTimeout: 600, inspectBytes: 8192, workers: 3 }, makeLogger('silent'));
    expect(status).toBe(0);
    expect(readFileSync(out, 'utf8').replace(/"seconds":[0-9.e+-]+/, '"seconds":0')).toBe(one);
  });

  test('stdin too: only the decoding thread reads the input', () => {
    const file = join(packageRoot(), 'pcaps', 'real', 'xmrig-tls.pcap');
    const one = report(['scan', file, '-f', 'jsonl']);
    const piped = report(['scan', '-', '-f', 'jsonl', '--workers', '2'], readFileSync(file));
    expect(piped.split('\n').filter((l) => l.includes('"type":"finding"')).length).toBe(1);
    expect(piped.replace(/"file":"[^"]*"/g, '')).toBe(one.replace(/"file":"[^"]*"/g, ''));
  });

  test('a frame far larger than a read buffer, arriving on stdin in small pieces, after a few frames still in flight', () => {
    // A short mining session (its verdicts not yet a full batch), then a 5 MiB frame (many empty
    // parse calls, more than the job ring holds, and a read buffer replaced), then more traffic.
    const login = '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","pass":"x","agent":"XMRig/6.16.0"}}\n';
    const session = new Conversation({ client: '10.9.0.2', server: '198.51.100.9', clientPort: 40400, serverPort: 3333 }).handshake().client(login);
    // (Not IP: an IP packet cannot be that long; the frame only has to be parsed, by both threads.)
    const big = { tsNs: session.frames[session.frames.length - 1].tsNs + 1000n, data: ether(Buffer.alloc(5 * 1024 * 1024, 0x41), 0x88b5) };
    const after = new Conversation({ client: '10.9.0.5', server: '198.51.100.9', clientPort: 40401, serverPort: 3333, startMs: Date.UTC(2026, 0, 15, 9, 1) }).handshake().client(login);
    const capture = writePcapng([{ interfaces: [{ linkType: 1, snapLength: 0 }], records: [...session.frames, big, ...after.frames] }]);
    const one = report(['scan', '-', '-f', 'jsonl'], capture);
    expect(one.split('\n').filter((l) => l.includes('"type":"finding"')).length).toBe(2);
    expect(report(['scan', '-', '-f', 'jsonl', '--workers', '2'], capture)).toBe(one);
  });
});
