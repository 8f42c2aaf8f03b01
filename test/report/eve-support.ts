/** Test helpers for EVE: Suricata's schema compiled by ajv, and findings of a committed capture. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { loadSignatures } from '../../src/detect/signatures';
import type { Finding } from '../../src/report/finding';
import { packageRoot } from '../../src/paths';
import { scanInputs } from '../../src/scan-inputs';

export const ROOT = packageRoot();
const SCHEMA_FILE = join(ROOT, 'test', 'fixtures', 'suricata', 'eve-schema.json');

/**
 * Suricata's EVE schema as ajv validates it. The schema names no draft; it uses $defs
 * (2019-09 on), so it is read as draft 2020-12, the draft Python's jsonschema applies
 * to a schema that names none. `optional` is Suricata's own annotation and
 * `additionalProperites` (sic) a misspelling in its flow.bypassed: neither
 * validates anything, and ajv's strict mode is told so rather than turned off.
 * `extra` adds top-level properties the vendored commit lacks (see the README beside it).
 */
export function eveValidator(extra: { [name: string]: object } = {}): ValidateFunction {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { properties: { [k: string]: object } };
  Object.assign(schema.properties, extra);
  const ajv = new Ajv2020({ allErrors: true });
  ajv.addKeyword({ keyword: 'optional', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'additionalProperites', schemaType: 'boolean' });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Every capture committed under pcaps/ (git's list; a walk of the folder where there is no git). */
export function committedCaptures(): string[] {
  const isCapture = (p: string) => /\.pcap(ng)?(\.gz)?$/.test(p);
  try {
    const out = execFileSync('git', ['ls-files', '-z', 'pcaps'], { cwd: ROOT, encoding: 'utf8' });
    const files = out.split('\0').filter(isCapture);
    if (files.length > 0) return files.map((f) => join(ROOT, f)).sort();
  } catch {
    /* not a git checkout: walk */
  }
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : isCapture(e.name) ? [join(dir, e.name)] : []));
  return walk(join(ROOT, 'pcaps')).sort();
}

export function rel(path: string): string {
  return relative(ROOT, path);
}

const sigs = loadSignatures();

/** The findings of one capture, as `poolwatch scan FILE` makes them. */
export async function findingsOf(file: string): Promise<Finding[]> {
  const analyzer = new Analyzer(sigs, { ...DEFAULT_ANALYZER_OPTIONS });
  await scanInputs([{ path: file, explicit: true }], analyzer, () => undefined);
  return analyzer.finish();
}
