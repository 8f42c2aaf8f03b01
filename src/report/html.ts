/**
 * The report as one self-contained HTML page for people who do not read JSON: per host, a
 * timeline of its mining sessions, then every finding with its evidence and connections, and
 * the inputs the report was made from.
 *
 * Self-contained means the file works copied onto a laptop with no network: the charting
 * library (Chart.js, MIT) is embedded whole, and a Content-Security-Policy forbids every
 * fetch, so the page cannot leak an investigation to a server even if a value tried to.
 *
 * Everything shown was chosen by the other side (logins, agents, pool names, file names):
 * it is first neutralised as for a terminal (controls, bidi overrides and invisible characters
 * shown as escapes) and then HTML-escaped. The chart data travels as JSON in a
 * `<script type="application/json">` with `<` written as \u003c, so no value can close the
 * script element.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { forTerminal, safeJson } from './escape';
import type { Finding, Summary } from './finding';
import { CHART_SCRIPT } from './html-chart';
import { durationText, hostStories, poolLabel, sessionsOf, type HostStory } from './hosts';

export { coveredSeconds, hostStories, type HostStory } from './hosts';

/** Text for an HTML element or a quoted attribute. */
export function html(text: string | number | null | undefined): string {
  if (text === null || text === undefined) return '';
  return forTerminal(String(text)).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON for a `<script type="application/json">`: nothing in it can end the element. */
function scriptJson(value: unknown): string {
  return safeJson(value).replace(/</g, '\\u003c');
}

let chartLibrary: string | null = null;

function chartJs(): string {
  if (chartLibrary === null) {
    // The package exports no path to its browser build; it sits beside the CommonJS entry.
    const text = readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
    // A library that contained "</script" would end its own element early.
    chartLibrary = text.replace(/<\/script/gi, '<\\/script');
  }
  return chartLibrary;
}

function rate(hps: number | null): string {
  if (hps === null) return '';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s'];
  let v = hps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** The data each host's chart draws: one row per finding, one bar per session. */
function chartData(story: HostStory): unknown {
  return {
    rows: story.findings.map((f) => forTerminal(`${poolLabel(f)} ${f.protocol}${f.hashrate !== null ? ` · ${rate(f.hashrate)}` : ''}`)),
    bars: story.findings.flatMap((f, row) => sessionsOf(f).map((s) => ({ row, start: s.start, end: Math.max(s.end, s.start + 1), confidence: f.confidence }))),
  };
}

function findingBlock(f: Finding, index: number): string {
  const field = (name: string, value: string | number | null) => (value === null || value === '' ? '' : `<tr><th>${name}</th><td>${html(value)}</td></tr>`);
  const connections = (f.connections ?? [])
    .map((c) => `<tr><td>${html(c.srcPort)}</td><td><code>${html(c.communityId)}</code></td><td>${html(c.firstSeen)}</td><td>${html(c.lastSeen)}</td><td>${html(c.packets)}</td><td>${html(c.bytes)}</td></tr>`)
    .join('');
  const omitted = f.connectionsOmitted ? `<p class="note">${html(f.connectionsOmitted)} more connection(s) not listed.</p>` : '';
  return `<section class="finding ${html(f.confidence)}" id="finding-${index}">
<h3><span class="badge ${html(f.confidence)}">${html(f.confidence.toUpperCase())}</span> ${html(f.host)} → ${html(poolLabel(f))} <small>${html(f.protocol)}</small></h3>
<table class="fields">${field('pool', f.poolName)}${field('first seen', f.firstSeen)}${field('last seen', f.lastSeen)}${field('login / wallet', f.login)}${field('worker', f.worker)}${field('agent', f.agent)}${field('miner software', f.minerSoftware)}${field('coin', f.coin)}${field('algorithms', f.algorithms.join(', '))}${field('difficulty', f.difficulty)}${field('jobs', f.jobs)}${field('shares submitted / accepted / rejected', `${f.sharesSubmitted} / ${f.sharesAccepted} / ${f.sharesRejected}`)}${field('hash rate', f.hashrate !== null ? `${rate(f.hashrate)} (95 %: ${rate(f.hashrateLow)} to ${rate(f.hashrateHigh)} over ${f.hashrateWindowSeconds} s)` : f.hashrateNote)}${field('work (hashes)', f.work)}${field('mining time', durationText(f.miningSeconds))}${field('miner claims', rate(f.reportedHashrate))}${field('flows, packets, bytes', `${f.flows}, ${f.packets}, ${f.bytes}`)}</table>
<h4>Evidence</h4><ul>${f.evidence.map((e) => `<li>${html(e)}</li>`).join('')}</ul>
${connections ? `<h4>Connections</h4><table class="list"><tr><th>miner port</th><th>Community ID</th><th>first seen</th><th>last seen</th><th>packets</th><th>bytes</th></tr>${connections}</table>${omitted}` : ''}
</section>`;
}

function hostBlock(story: HostStory, index: number): string {
  return `<section class="host" id="host-${index}">
<h2>${html(story.host)} <span class="badge ${html(story.confidence)}">${html(story.confidence.toUpperCase())}</span></h2>
<p>${html(story.sessions)} session(s) to ${html(story.pools.length)} pool endpoint(s), mining ${html(durationText(story.miningSeconds))} between ${html(story.firstSeen)} and ${html(story.lastSeen)}.</p>
<div class="chart" style="height:${80 + 28 * story.findings.length}px"><canvas data-chart="${index}" aria-label="timeline of ${html(story.host)}"></canvas></div>
<script type="application/json" id="chart-data-${index}">${scriptJson(chartData(story))}</script>
</section>`;
}

function summaryBlock(summary: Summary): string {
  const extra = summary as unknown as Record<string, unknown>;
  const inputs = Array.isArray(extra.inputs) ? (extra.inputs as Array<Record<string, unknown>>) : [];
  const inputRows = inputs
    .map((i) => `<tr><td>${html(String(i.path ?? i.file ?? ''))}</td><td>${html(String(i.size ?? ''))}</td><td><code>${html(String(i.sha256 ?? ''))}</code></td><td>${html(String(i.firstPacket ?? ''))}</td><td>${html(String(i.lastPacket ?? ''))}</td></tr>`)
    .join('');
  const warnings = summary.warnings.length ? `<h3>Warnings</h3><ul>${summary.warnings.map((w) => `<li>${html(w)}</li>`).join('')}</ul>` : '';
  return `<section class="summary"><h2>Inputs</h2>
<p>${html(summary.files)} file(s), ${html(summary.packets)} packets, ${html(summary.bytes)} bytes, ${html(summary.flows)} TCP connections followed, ${html(summary.findings)} finding(s)${extra.interrupted === true ? ', <strong>interrupted before the end of input</strong>' : ''}.</p>
${inputRows ? `<table class="list"><tr><th>file</th><th>bytes</th><th>SHA-256</th><th>first packet</th><th>last packet</th></tr>${inputRows}</table>` : ''}
${warnings}</section>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#1d232a}
h1{margin:.2em 0}h2{border-bottom:1px solid #ccd;padding-bottom:.2em;margin-top:1.6em}small{color:#667}
table{border-collapse:collapse;margin:.4em 0}th,td{text-align:left;padding:.15em .6em;vertical-align:top}
table.list th{border-bottom:1px solid #ccd}table.fields th{color:#556;font-weight:normal;white-space:nowrap}
td{word-break:break-all}code{font-size:12px}.chart{position:relative;width:100%}
.badge{font-size:11px;padding:.1em .5em;border-radius:3px;color:#fff;vertical-align:middle}
.badge.high{background:#b3261e}.badge.medium{background:#c77700}.badge.low{background:#55708a}
.finding{border-left:4px solid #ccd;padding:.2em 1em;margin:1em 0}.finding.high{border-color:#b3261e}
.finding.medium{border-color:#c77700}.note{color:#667}.nowrap{white-space:nowrap;word-break:normal}#errors{color:#b3261e}`;

/** The whole report as one HTML document. */
export function renderHtml(findings: Finding[], summary: Summary): string {
  const stories = hostStories(findings);
  const hostRows = stories
    .map((s, i) => `<tr><td class="nowrap"><a href="#host-${i}">${html(s.host)}</a></td><td>${s.pools.map(html).join('<br>')}</td><td>${html(s.firstSeen)}</td><td>${html(s.lastSeen)}</td><td>${html(durationText(s.miningSeconds))}</td><td>${html(s.sessions)}</td><td><span class="badge ${html(s.confidence)}">${html(s.confidence.toUpperCase())}</span></td></tr>`)
    .join('');
  let index = 0;
  const findingBlocks = stories.flatMap((s) => s.findings.map((f) => findingBlock(f, index++))).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>poolwatch report: ${html(findings.length)} finding(s)</title><style>${STYLE}</style></head>
<body data-charts-drawn="0">
<h1>poolwatch report</h1>
<p>${html(findings.length)} finding(s) on ${html(stories.length)} host(s). Times are capture times, UTC.</p>
<div id="errors"></div>
<h2>Hosts</h2>
${stories.length ? `<table class="list"><tr><th>host</th><th>pools</th><th>first seen</th><th>last seen</th><th>mining time</th><th>sessions</th><th>confidence</th></tr>${hostRows}</table>` : '<p>Nothing was flagged.</p>'}
${stories.map(hostBlock).join('\n')}
<h2>Findings</h2>
${findingBlocks || '<p>None.</p>'}
${summaryBlock(summary)}
<script>${chartJs()}</script>
<script>${CHART_SCRIPT}</script>
</body></html>
`;
}
