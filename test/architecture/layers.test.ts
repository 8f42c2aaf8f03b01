/**
 * Data flows one way: capture -> decode -> flow -> detect -> report, with the
 * analyzer, the input walk, --workers (shard), live and the CLI on top. No
 * file of a stage may import a later stage, or a stage above the pipeline:
 * checked here on the import statements of every file under src/
 * (imports, re-exports, require() and import() of relative paths).
 *
 * Run it alone with: scripts/dev-test.sh NAME test/architecture
 * (or, in a build, npx jest dist/test/architecture).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { packageRoot } from '../../src/paths';

/** Rank of each part of src/: a file may import its own rank or lower. */
const RANKS: { [part: string]: number } = {
  capture: 0,
  decode: 1,
  flow: 2,
  detect: 3,
  report: 4,
  'analyzer.ts': 5,
  'scan-inputs.ts': 5,
  shard: 5,
  live: 5,
  cli: 6,
};
/** Utilities with no pipeline imports of their own, for every stage. */
const SHARED = new Set(['escape.ts', 'paths.ts']);

/** "from -> to" for every import of a src/ file from a later part (or a part not in RANKS). */
function violations(root: string): string[] {
  const src = join(root, 'src');
  const out: string[] = [];
  for (const file of tsFiles(src)) {
    const from = relative(src, file);
    const rank = rankOf(from);
    const text = readFileSync(file, 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const to = relative(src, resolve(dirname(file), ref.fileName));
      if (to.startsWith('..')) {
        out.push(`${from} -> ${to} (outside src/)`);
        continue;
      }
      const target = SHARED.has(to + '.ts') ? -1 : rankOf(to + '.ts');
      if (rank === null || target === null) out.push(`${from} -> ${to} (not in any stage)`);
      else if (target > rank) out.push(`${from} -> ${to}`);
    }
  }
  return out.sort();
}

function rankOf(path: string): number | null {
  const part = path.split('/')[0];
  if (SHARED.has(part)) return -1;
  return part in RANKS ? RANKS[part] : null;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('pipeline layers', () => {
  test('no file under src/ imports a later stage of the pipeline', () => {
    expect(violations(packageRoot())).toEqual([]);
  });

  test('imports of every form are seen, and only backward ones are flagged', () => {
    const root = mkdtempSync(join(tmpdir(), 'pw-layers-'));
    try {
      const write = (path: string, text: string): void => {
        mkdirSync(dirname(join(root, 'src', path)), { recursive: true });
        writeFileSync(join(root, 'src', path), text);
      };
      write('flow/a.ts', "import type { A } from '../detect/a';\nimport { B } from '../decode/b';\nimport { P } from '../paths';\n");
      write('decode/b.ts', "export { C } from '../flow/c';\nconst d = require('../report/d');\ntype E = import('../cli/e').E;\nimport { F } from './f';\n");
      write('report/r.ts', "import { Run } from '../shard/run';\nimport { Other } from '../other/x';\n");
      write('cli/main.ts', "import { Analyzer } from '../analyzer';\nimport { Report } from '../report/r';\n");
      expect(violations(root)).toEqual([
        'decode/b.ts -> cli/e',
        'decode/b.ts -> flow/c',
        'decode/b.ts -> report/d',
        'flow/a.ts -> detect/a',
        'report/r.ts -> other/x (not in any stage)',
        'report/r.ts -> shard/run',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
