/**
 * Preloaded into a poolwatch process by bench/profile.ts (node -r): samples
 * every allocation, also of objects the GC has since collected (that is where
 * per-packet garbage shows). On exit it writes { profile } as JSON to
 * $PW_HEAP_PROFILE.
 */
import * as fs from 'node:fs';
import { Session } from 'node:inspector';

const target = process.env.PW_HEAP_PROFILE;
if (target !== undefined && target !== '') {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: Number(process.env.PW_HEAP_INTERVAL ?? 16384),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  // The in-thread inspector session answers synchronously, so this works inside 'exit'.
  process.on('exit', () => {
    session.post('HeapProfiler.stopSampling', (err, res) => {
      if (err !== null) {
        process.stderr.write(`heap-sampler: ${err.message}\n`);
        return;
      }
      fs.writeFileSync(target, JSON.stringify({ profile: res.profile }));
    });
  });
}
