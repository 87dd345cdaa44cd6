// Report -> markdown, the default form: the tables people paste into a write-up.

import { DEPTH_BUCKETS, type Report } from './model.js';
import { DASH, seconds } from './format.js';
import type { Comparison } from './compare.js';
import {
  breakdownRows, byTurnRows, cacheRows, compareCacheRows, compareDepthRows, compareMethodLine, compareRunRows, compareWallsRows,
  depthRows, methodLine, outcomesRows, runRows, sweepLine, wallsRows, type TableData,
} from './tables.js';

export function table(header: string[], rows: string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function renderTable(t: TableData): string {
  return t.empty !== undefined && t.rows.length === 0 ? `_${t.empty}_` : table(t.header, t.rows);
}

const outcomesTable = (r: Report): string => renderTable(outcomesRows(r));
const wallsTable = (r: Report): string => renderTable(wallsRows(r));
const runTable = (r: Report): string => renderTable(runRows(r));
const depthTable = (r: Report): string => renderTable(depthRows(r));
const byTurnTable = (r: Report): string => renderTable(byTurnRows(r));
const cacheTable = (r: Report): string => renderTable(cacheRows(r));
const breakdownTable = (r: Report): string => renderTable(breakdownRows(r));

export function honestSection(r: Report): string {
  const h = r.honest;
  const out: string[] = h.lines.map((l) => `- ${l}`);
  if (h.substrateByKind.length > 0) {
    out.push('', 'Substrate errors by kind:', '');
    out.push(
      table(
        ['kind', 'total', ...r.harnesses],
        h.substrateByKind.map((k) => [k.kind, String(k.total), ...r.harnesses.map((x) => String(k.byHarness[x] ?? 0))]),
      ),
    );
  }
  if (h.restarts.length > 0) {
    out.push('', 'Serving restarts:', '');
    out.push(
      table(
        ['at', 'reason', 'took', 'after trials'],
        h.restarts.map((x) => [x.at, x.reason ?? DASH, seconds(x.durationS), x.trialsDone === null ? DASH : String(x.trialsDone)]),
      ),
    );
  }
  return out.join('\n');
}

export function renderMarkdown(r: Report): string {
  const parts: string[] = [`# pairbench report: sweep ${r.sweep.id}`, ''];
  if (r.notice) parts.push(`> **${r.notice}**`, '');
  parts.push(sweepLine(r), '', methodLine(r), '');
  parts.push('## Outcomes per harness and task', '', outcomesTable(r), '');
  parts.push('## Clean-trial walls per task', '', wallsTable(r), '');
  parts.push('## The run as a whole', '', runTable(r), '');
  parts.push(
    '## Time to first token and decode by input depth',
    '',
    `Median per bucket of prompt tokens (${DEPTH_BUCKETS.map((b) => b.label).join(', ')}), over the turns of finished trials.`,
    '',
    depthTable(r),
    '',
  );
  parts.push('## Time to first token by turn', '', byTurnTable(r), '');
  parts.push('## Prompt tokens served from cache', '', cacheTable(r), '');
  parts.push(
    '## Where the wall goes',
    '',
    'Seconds per clean trial and share of wall. Model time is the sum of turn model times (TTFT, then decode); "other" is the wall left over.',
    '',
    breakdownTable(r),
    '',
  );
  parts.push('## Honest read', '', honestSection(r), '');
  return parts.join('\n');
}


export function renderCompareMarkdown(c: Comparison): string {
  const a = c.a.sweep.id;
  const b = c.b.sweep.id;
  const parts: string[] = [`# pairbench compare: ${a} → ${b}`, ''];
  if (c.notice) parts.push(`> **${c.notice}**`, '');
  parts.push(`a: ${a} (${sweepLine(c.a)})`, '', `b: ${b} (${sweepLine(c.b)})`, '', compareMethodLine(c), '');
  parts.push('## Clean-trial walls per task', '', renderTable(compareWallsRows(c)), '');
  parts.push('## The run as a whole', '', renderTable(compareRunRows(c)), '');
  parts.push('## Time to first token and decode by input depth', '', renderTable(compareDepthRows(c)), '');
  parts.push('## Prompt tokens served from cache', '', renderTable(compareCacheRows(c)), '');
  parts.push(`## Honest read: ${a}`, '', honestSection(c.a), '', `## Honest read: ${b}`, '', honestSection(c.b), '');
  return parts.join('\n');
}
