/**
 * A real Prometheus (Debian's prometheus package) scraping one target every
 * second: config and TSDB in a temp folder, web on a free loopback port,
 * ended by its PID. The tests ask its HTTP API what it scraped.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServerProcess, freeTcpPort, tempDir, unavailable, waitFor, which } from './process';

export class Prometheus {
  readonly dir = tempDir('poolwatch-prometheus-');
  port = 0;
  private proc: ServerProcess | null = null;

  static unavailable(): string | null {
    return unavailable('prometheus (Debian package prometheus)', which('prometheus') === null ? 'prometheus is not installed' : null);
  }

  async start(target: string, job = 'poolwatch'): Promise<void> {
    this.port = await freeTcpPort();
    const conf = join(this.dir.path, 'prometheus.yml');
    writeFileSync(conf, `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: ${job}\n    static_configs:\n      - targets: ['${target}']\n`);
    this.proc = new ServerProcess('prometheus', [
      which('prometheus')!,
      `--config.file=${conf}`,
      `--storage.tsdb.path=${join(this.dir.path, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`,
      '--log.level=warn',
    ]);
    await waitFor('prometheus to be ready', 30_000, async () => {
      this.proc!.assertRunning();
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}/-/ready`);
        return r.ok ? true : undefined;
      } catch {
        return undefined;
      }
    });
  }

  /** An instant query's vector result. */
  async query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const r = await fetch(`http://127.0.0.1:${this.port}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as { status: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`query ${q} failed: ${JSON.stringify(body)}`);
    return body.data.result;
  }

  async stop(): Promise<void> {
    try {
      if (this.proc) await this.proc.stop();
    } finally {
      this.dir.rm();
    }
  }

  get output(): string {
    return this.proc?.output ?? '';
  }
}
