import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder that holds package.json and signatures/, found from wherever the
 * compiled code runs; POOLWATCH_ROOT overrides it (a build kept outside the checkout).
 */
export function packageRoot(): string {
  const forced = process.env.POOLWATCH_ROOT;
  if (forced) return forced;
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'signatures'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`poolwatch: cannot find the package folder above ${__dirname}`);
    dir = up;
  }
}
