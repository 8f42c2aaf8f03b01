/**
 * `poolwatch collect` without a broker: a port with nothing behind it is one
 * error line and exit 1; bad options are one-line usage errors. Reading two
 * producers' findings from a real broker is in kafka.test.ts.
 */
import { runCli } from '../../support/cli';
import { freeTcpPort } from '../../servers/process';
import { runCliAsync } from './cli-async';

describe('poolwatch collect without a broker', () => {
  test('nothing listening: one error line naming topic and brokers, exit 1, no report', async () => {
    const port = await freeTcpPort();
    const r = await runCliAsync(['collect', '--kafka-brokers', `127.0.0.1:${port}`, '--kafka-topic', 'findings', '--idle', '1'], 60_000);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).msg).toMatch(new RegExp(`^collect: cannot read findings from 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  }, 60_000);

  test('bad options are one-line usage errors', () => {
    const cases: [string[], RegExp][] = [
      [['--kafka-brokers', 'nohost'], /^poolwatch: --kafka-brokers: "nohost" is not host:port\n$/],
      [['--kafka-brokers', 'a:1', '--kafka-topic', 'a b'], /^poolwatch: --kafka-topic: "a b" is not a Kafka topic name/],
      [['--kafka-brokers', 'a:1', '--idle', '0'], /^poolwatch: --idle is in seconds/],
      [[], /^poolwatch: Missing required argument: kafka-brokers/],
    ];
    for (const [opts, want] of cases) {
      const r = runCli(['collect', ...opts]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(want);
    }
  });
});
