// Report -> markdown, the default form: the tables people paste into a write-up.

import type { Report } from './model.js';
import type { Comparison } from './compare.js';
import { concurrencyWarning, settingsChanges, settingsLine } from './settings-text.js';
import { compareMethodLine, compareSections, conditionLines, honestTables, methodLine, reportSections, sweepLine, type Section, type TableData } from './tables.js';

function table(header: string[], rows: string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

function renderTable(t: TableData): string {
  return t.empty !== undefined && t.rows.length === 0 ? `_${t.empty}_` : table(t.header, t.rows);
}

function sections(list: Section[]): string[] {
  return list.flatMap((s) => [`## ${s.title}`, '', ...(s.lead === undefined ? [] : [s.lead, '']), renderTable(s.table), '']);
}

function honestSection(r: Report): string {
  const out: string[] = r.honest.lines.map((l) => `- ${l}`);
  for (const t of honestTables(r)) out.push('', t.lead, '', renderTable(t.table));
  return out.join('\n');
}

export function renderMarkdown(r: Report): string {
  const parts: string[] = [`# pairbench report: sweep ${r.sweep.id}`, ''];
  if (r.notice) parts.push(`> **${r.notice}**`, '');
  parts.push(sweepLine(r), '', settingsLine(r.sweep.settings), '');
  for (const l of conditionLines(r)) parts.push(`**${l}**`, '');
  const warning = concurrencyWarning(r.sweep.settings);
  if (warning) parts.push(`> **${warning}**`, '');
  parts.push(methodLine(r), '');
  parts.push(...sections(reportSections(r)));
  parts.push('## Honest read', '', honestSection(r), '');
  return parts.join('\n');
}

export function renderCompareMarkdown(c: Comparison): string {
  const a = c.a.sweep.id;
  const b = c.b.sweep.id;
  const parts: string[] = [`# pairbench compare: ${a} → ${b}`, ''];
  if (c.notice) parts.push(`> **${c.notice}**`, '');
  parts.push(`a: ${a} (${sweepLine(c.a)})`, '', `a: ${settingsLine(c.a.sweep.settings)}`, '');
  parts.push(`b: ${b} (${sweepLine(c.b)})`, '', `b: ${settingsLine(c.b.sweep.settings)}`, '');
  const changed = settingsChanges(c.a.sweep.settings, c.b.sweep.settings);
  if (changed.length > 0) parts.push(`> **The sweeps differ in settings that change the figures, so every change below includes theirs: ${changed.join('; ')}.**`, '');
  for (const [side, r] of [['a', c.a], ['b', c.b]] as const) {
    const warning = concurrencyWarning(r.sweep.settings);
    if (warning) parts.push(`> **${side}: ${warning}**`, '');
  }
  parts.push(compareMethodLine(c), '');
  parts.push(...sections(compareSections(c)));
  parts.push(`## Honest read: ${a}`, '', honestSection(c.a), '', `## Honest read: ${b}`, '', honestSection(c.b), '');
  return parts.join('\n');
}
