// Report -> one self-contained HTML file: inline CSS, the tables, and SVG charts drawn by
// inline script from data embedded in the page. Nothing is fetched, so it opens offline.

import type { Report } from './model.js';
import type { Comparison } from './compare.js';
import { concurrencyWarning, settingsChanges, settingsLine } from './settings-text.js';
import { compareMethodLine, compareSections, conditionLines, honestTables, methodLine, reportSections, sweepLine, type Section, type TableData } from './tables.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Markdown's **bold** is the only markup the shared lines use. */
const inline = (s: string): string => esc(s).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');

function htmlTable(t: TableData): string {
  if (t.rows.length === 0 && t.empty !== undefined) return `<p class="empty">${esc(t.empty)}</p>`;
  return `<div class="scroll"><table><thead><tr>${t.header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

const STYLE = `
:root { --fg:#1d232b; --muted:#5b6673; --line:#d8dee6; --bg:#fff; --warn:#8a1c1c; --warnbg:#fdecea; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0; padding: 24px 32px 48px; max-width: 1200px; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta, .method { color: var(--muted); } .notice { background: var(--warnbg); color: var(--warn); border: 2px solid var(--warn); padding: 10px 14px; font-weight: 700; margin: 12px 0; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; margin: 6px 0 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; white-space: nowrap; } th { background: #f3f5f8; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fafbfc; } .empty { color: var(--muted); font-style: italic; }
.chart { margin: 8px 0 16px; } .chart svg { display: block; max-width: 100%; height: auto; } .chart figcaption { color: var(--muted); font-size: 12px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
svg text { font: 11px system-ui, sans-serif; fill: #39424e; } svg .axis { stroke: #9aa5b1; stroke-width: 1; } svg .grid { stroke: #eef1f4; stroke-width: 1; }
ul.honest li { margin: 3px 0; }
`;

// Plain ES5-style script: no template literals, so it sits in a TypeScript template untouched.
const SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('pb-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7b83', '#6e7781'];
  function color(h) { return COLORS[data.harnesses.indexOf(h) % COLORS.length]; }
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, s, anchor) { var t = el('text', { x: x, y: y, 'text-anchor': anchor || 'start' }, parent); t.textContent = s; return t; }
  function niceMax(v) { if (!(v > 0)) return 1; var p = Math.pow(10, Math.floor(Math.log10(v))); var m = v / p; return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p; }
  function fmt(v) { return v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 0 : 1) + 'k' : String(Math.round(v * 100) / 100); }
  function svgIn(id, w, h) { var host = document.getElementById(id); var s = el('svg', { viewBox: '0 0 ' + w + ' ' + h, width: w, height: h, role: 'img' }); host.insertBefore(s, host.firstChild); return s; }
  function xAxis(s, x0, x1, y, max, label) {
    el('line', { x1: x0, y1: y, x2: x1, y2: y, 'class': 'axis' }, s);
    for (var i = 0; i <= 5; i++) { var x = x0 + (x1 - x0) * i / 5; el('line', { x1: x, y1: 20, x2: x, y2: y, 'class': 'grid' }, s); text(s, x, y + 14, fmt(max * i / 5), 'middle'); }
    text(s, (x0 + x1) / 2, y + 30, label, 'middle');
  }
  function yAxis(s, y0, y1, x, max, label) {
    el('line', { x1: x, y1: y0, x2: x, y2: y1, 'class': 'axis' }, s);
    for (var i = 0; i <= 4; i++) { var y = y0 - (y0 - y1) * i / 4; text(s, x - 6, y + 4, fmt(max * i / 4), 'end'); }
    var t = text(s, 14, (y0 + y1) / 2, label, 'middle'); t.setAttribute('transform', 'rotate(-90 14 ' + ((y0 + y1) / 2) + ')');
  }

  // Wall distribution: a row per task and harness, box from the quartiles, a dot per (thinned) trial.
  (function walls() {
    var rows = data.charts.walls; var rowH = 22; var left = 170; var w = 900; var h = 40 + rows.length * rowH + 40;
    var s = svgIn('chart-walls', w, h); s.setAttribute('data-chart', 'walls');
    var max = 0; rows.forEach(function (r) { if (r.q && r.q[4] > max) max = r.q[4]; }); max = niceMax(max);
    var X = function (v) { return left + (w - left - 20) * v / max; };
    var y0 = 30 + rows.length * rowH;
    xAxis(s, left, w - 20, y0, max, 'clean-trial wall (seconds)');
    rows.forEach(function (r, i) {
      var y = 30 + i * rowH + rowH / 2;
      text(s, left - 8, y + 4, r.task + ' · ' + r.harness + ' (n=' + r.n + ')', 'end');
      if (!r.q) return;
      var c = color(r.harness);
      el('line', { x1: X(r.q[0]), y1: y, x2: X(r.q[4]), y2: y, stroke: c, 'stroke-width': 1 }, s);
      el('rect', { x: X(r.q[1]), y: y - 7, width: Math.max(2, X(r.q[3]) - X(r.q[1])), height: 14, fill: c, 'fill-opacity': 0.18, stroke: c, 'class': 'box' }, s);
      el('line', { x1: X(r.q[2]), y1: y - 7, x2: X(r.q[2]), y2: y + 7, stroke: c, 'stroke-width': 2 }, s);
      r.points.forEach(function (v, k) { el('circle', { cx: X(v), cy: y + ((k * 7) % 11) - 5, r: 2.5, fill: c, 'fill-opacity': 0.7, 'class': 'pt' }, s); });
    });
  })();

  // TTFT against context depth: every (thinned) turn as a dot, per harness.
  (function depth() {
    var w = 900, h = 360, left = 70, bottom = 310;
    var s = svgIn('chart-depth', w, h); s.setAttribute('data-chart', 'ttft-depth');
    var mx = 0, my = 0;
    data.charts.ttftDepth.forEach(function (d) { d.points.forEach(function (p) { if (p[0] > mx) mx = p[0]; if (p[1] > my) my = p[1]; }); });
    mx = niceMax(mx); my = niceMax(my);
    var X = function (v) { return left + (w - left - 20) * v / mx; }; var Y = function (v) { return bottom - (bottom - 20) * v / my; };
    xAxis(s, left, w - 20, bottom, mx, 'prompt tokens (context depth)');
    yAxis(s, bottom, 20, left, my, 'TTFT (ms)');
    data.charts.ttftDepth.forEach(function (d) {
      var c = color(d.harness);
      d.points.forEach(function (p) { el('circle', { cx: X(p[0]), cy: Y(p[1]), r: 2.2, fill: c, 'fill-opacity': 0.55, 'class': 'pt' }, s); });
    });
  })();

  // TTFT by turn: the median per turn index, a line per harness.
  (function byTurn() {
    var w = 900, h = 320, left = 70, bottom = 270;
    var s = svgIn('chart-turns', w, h); s.setAttribute('data-chart', 'ttft-turn');
    var rows = data.turns.byTurn; var mt = 1, my = 0;
    rows.forEach(function (r) { if (r.turnIndex > mt) mt = r.turnIndex; r.cells.forEach(function (c) { if (c.medianTtftMs > my) my = c.medianTtftMs; }); });
    my = niceMax(my); mt = Math.max(5, Math.ceil(mt / 5) * 5); // whole-number turn ticks
    var X = function (v) { return left + (w - left - 20) * v / mt; }; var Y = function (v) { return bottom - (bottom - 20) * v / my; };
    xAxis(s, left, w - 20, bottom, mt, 'turn index');
    yAxis(s, bottom, 20, left, my, 'median TTFT (ms)');
    data.harnesses.forEach(function (hn, hi) {
      var pts = [];
      rows.forEach(function (r) { var c = r.cells[hi]; if (c && c.medianTtftMs !== null) pts.push([X(r.turnIndex), Y(c.medianTtftMs)]); });
      if (pts.length === 0) return;
      el('polyline', { points: pts.map(function (p) { return p.join(','); }).join(' '), fill: 'none', stroke: color(hn), 'stroke-width': 2, 'class': 'series' }, s);
      pts.forEach(function (p) { el('circle', { cx: p[0], cy: p[1], r: 3, fill: color(hn), 'class': 'pt' }, s); });
    });
  })();

  document.querySelectorAll('.legend').forEach(function (host) {
    data.harnesses.forEach(function (hn) { var span = document.createElement('span'); var i = document.createElement('i'); i.style.background = color(hn); span.appendChild(i); span.appendChild(document.createTextNode(hn)); host.appendChild(span); });
  });
  document.body.setAttribute('data-charts-drawn', 'yes');
})();
`;

function page(title: string, notice: string | null, body: string, data: unknown): string {
  // '<' escaped so no string in the data can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body${notice ? ' data-simulated="yes"' : ''}>
${notice ? `<div class="notice" role="alert">${esc(notice)}</div>` : ''}
${body}
${data === null ? '' : `<script type="application/json" id="pb-data">${json}</script>\n<script>${SCRIPT}</script>`}
</body>
</html>
`;
}

const FIGURES: Record<NonNullable<Section['chart']>, string> = {
  walls: `<figure class="chart" id="chart-walls"><div class="legend"></div><figcaption>Clean-trial walls per task and harness: box from the quartiles, a bar at the median, a dot per trial (at most 200 per row).</figcaption></figure>`,
  depth: `<figure class="chart" id="chart-depth"><div class="legend"></div><figcaption>TTFT against prompt tokens, a dot per turn (at most 1,500 per harness).</figcaption></figure>`,
  turns: `<figure class="chart" id="chart-turns"><div class="legend"></div><figcaption>Median TTFT by turn index.</figcaption></figure>`,
};

const heading = (title: string, inner: string): string => `<h2>${esc(title)}</h2>\n${inner}`;

function sections(list: Section[]): string[] {
  return list.map((s) =>
    heading(
      s.title,
      [s.lead === undefined ? null : `<p class="method">${esc(s.lead)}</p>`, htmlTable(s.table), s.chart ? FIGURES[s.chart] : null]
        .filter((x) => x !== null)
        .join('\n'),
    ),
  );
}

export function renderHtml(r: Report): string {
  const body = [
    `<h1>pairbench report: sweep ${esc(r.sweep.id)}</h1>`,
    `<p class="meta">${esc(sweepLine(r))}<br>${esc(settingsLine(r.sweep.settings))}</p>`,
    ...conditionLines(r).map((l) => `<p class="condition"><strong>${esc(l)}</strong></p>`),
    ...warnings([concurrencyWarning(r.sweep.settings)]),
    `<p class="method">${inline(methodLine(r))}</p>`,
    ...sections(reportSections(r)),
    heading('Honest read', honestHtml(r)),
  ].join('\n');
  // The charts read the report itself; the tables are already in the page.
  return page(`pairbench report: ${r.sweep.id}`, r.notice, body, {
    harnesses: r.harnesses,
    turns: { byTurn: r.turns.byTurn },
    charts: r.charts ?? { walls: [], ttftDepth: [] },
  });
}

function warnings(list: (string | null)[]): string[] {
  return list.filter((w): w is string => w !== null).map((w) => `<p class="warning"><strong>${esc(w)}</strong></p>`);
}

function honestHtml(r: Report): string {
  let out = `<ul class="honest">${r.honest.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;
  for (const t of honestTables(r)) out += `<p>${esc(t.lead)}</p>${htmlTable(t.table)}`;
  return out;
}

export function renderCompareHtml(c: Comparison): string {
  const body = [
    `<h1>pairbench compare: ${esc(c.a.sweep.id)} → ${esc(c.b.sweep.id)}</h1>`,
    `<p class="meta">a: ${esc(c.a.sweep.id)} (${esc(sweepLine(c.a))})<br>a: ${esc(settingsLine(c.a.sweep.settings))}<br>` +
      `b: ${esc(c.b.sweep.id)} (${esc(sweepLine(c.b))})<br>b: ${esc(settingsLine(c.b.sweep.settings))}</p>`,
    ...warnings([
      settingsChanges(c.a.sweep.settings, c.b.sweep.settings).join('; ') || null,
      concurrencyWarning(c.a.sweep.settings),
      concurrencyWarning(c.b.sweep.settings),
    ].map((w, i) => (w === null ? null : i === 0 ? `The sweeps differ in settings that change the figures: ${w}.` : `${i === 1 ? 'a' : 'b'}: ${w}`))),
    `<p class="method">${inline(compareMethodLine(c))}</p>`,
    ...sections(compareSections(c)),
    heading(`Honest read: ${c.a.sweep.id}`, honestHtml(c.a)),
    heading(`Honest read: ${c.b.sweep.id}`, honestHtml(c.b)),
  ].join('\n');
  return page(`pairbench compare: ${c.a.sweep.id} → ${c.b.sweep.id}`, c.notice, body, null);
}
