import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFixtureDb } from '../../fixtures/db/generate.js';
import { runCompare, runReport } from '../../cli/commands/report-run.js';
import { CSV_COLUMNS } from '../../reports/csv.js';
import type { Report } from '../../reports/model.js';
import { buildComparison, type Comparison } from '../../reports/compare.js';
import { loadSweepData, loadSweepsData } from '../../reports/queries.js';
import { renderCompareMarkdown } from '../../reports/markdown.js';
import { renderCompareHtml } from '../../reports/html.js';
import { codeOf } from '../../reports/trial-columns.js';
import { openStore } from '../../store/db.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-report-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const db = join(dir, 'two.db');
generateFixtureDb(db, { sweeps: 2, trials: 4, seed: 21, simulated: true, withSubstrateErrors: 0.2, withPending: true, withRestart: true, sweepSpeed: [1, 0.5] });

/** Splits CSV into records, honouring quoted fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += ch;
  }
  return rows;
}

describe('report formats', () => {
  it('json carries every table as data, with the simulated mark', async () => {
    const r = JSON.parse(await runReport({ db, format: 'json', sweep: 'sweep-1' })) as Report;
    expect(r.kind).toBe('pairbench-report');
    expect(r.sweep.id).toBe('sweep-1');
    expect(r.simulated).toBe(true);
    expect(r.notice).toMatch(/simulated server, not from a model/);
    expect(r.harnesses).toEqual(['terse', 'tmux']);
    expect(r.outcomes).toHaveLength(6);
    expect(r.walls).toHaveLength(3);
    expect(r.walls[0]!.ratios[0]!.value.ci).toHaveLength(2);
    expect(r.run.map((x) => x.harness)).toEqual(['terse', 'tmux']);
    expect(r.turns.buckets.length).toBeGreaterThan(0);
    expect(r.turns.byTurn.length).toBeGreaterThan(0);
    expect(r.turns.cache).toHaveLength(2);
    expect(r.breakdown[0]!.perTrialS).toHaveProperty('exec');
    expect(r.honest.restarts).toHaveLength(1);
    expect(r.honest.pending).toEqual({ running: 1, interrupted: 1 });
    // --json is the same as --format json, and the latest sweep is the default.
    expect(await runReport({ db, json: true })).toBe(await runReport({ db, format: 'json', sweep: 'sweep-2' }));
  });

  it('csv has one row per trial (pending ones included, marked) with turn aggregates', async () => {
    const rows = parseCsv(await runReport({ db, format: 'csv', sweep: 'sweep-1' }));
    const [header, ...body] = rows;
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(body).toHaveLength(2 * 3 * 4 + 2);
    const col = (name: string): number => header!.indexOf(name);
    expect(new Set(body.map((r) => r[col('serving')]))).toEqual(new Set(['simulated']));
    expect(body.filter((r) => r[col('outcome_kind')] === 'pending')).toHaveLength(2);
    const pass = body.find((r) => r[col('status')] === 'pass')!;
    expect(Number(pass[col('turns_recorded')])).toBeGreaterThan(0);
    expect(Number(pass[col('cache_share')])).toBeGreaterThan(0);
  });

  it('compare puts the sweeps side by side with each change and its interval', async () => {
    const c = JSON.parse(await runCompare('sweep-1', 'sweep-2', { db, format: 'json' })) as Comparison;
    expect(c.kind).toBe('pairbench-compare');
    expect(c.a.sweep.id).toBe('sweep-1');
    expect(c.b.sweep.id).toBe('sweep-2');
    expect(c.walls).toHaveLength(6);
    for (const w of c.walls) {
      expect(w.change.ratio).toBeCloseTo(w.b!.meanWallS! / w.a!.meanWallS!, 10);
      expect(w.change.ci![0]).toBeLessThanOrEqual(w.change.ratio!);
      expect(w.change.ci![1]).toBeGreaterThanOrEqual(w.change.ratio!);
    }
    // sweep-2 ran at half the time: every mean wall change is below 1.
    for (const r of c.run) expect(r.wallChange.ratio!).toBeLessThan(1);
    const md = await runCompare('sweep-1', 'sweep-2', { db });
    expect(md).toContain('# pairbench compare: sweep-1 → sweep-2');
    expect(md).toContain('| task | harness | sweep-1 mean wall (n) | sweep-2 mean wall (n) | change [95% CI] | notes |');
    expect(md).toMatch(/simulated server/);
    const csv = parseCsv(await runCompare('sweep-1', 'sweep-2', { db, format: 'csv' }));
    expect(csv).toHaveLength(1 + 2 * (24 + 2));
    expect(await runCompare('sweep-1', 'sweep-2', { db, format: 'html' })).toContain('<table>');
  });

  it('compare built only as far as it prints prints the same as one built whole', () => {
    const store = openStore(db, { readonly: true });
    const whole = loadSweepsData(store, ['sweep-1', 'sweep-2']);
    const lean = loadSweepsData(store, ['sweep-1', 'sweep-2'], 'no-wall-parts');
    store.close();
    // The lean read leaves the wall parts unread: not summed, and nothing kept per row.
    for (const side of lean) expect(side.wallSums).toBeNull();
    for (const side of whole) {
      // Summed per trial in the scan, not kept per turn.
      expect(side.wallSums!.modelMs).toHaveLength(side.trials.length);
      expect(Array.from(side.wallSums!.modelMs).some((x) => x > 0)).toBe(true);
    }
    const full = buildComparison(whole[0]!, whole[1]!, { resamples: 200 });
    const printed = buildComparison(lean[0]!, lean[1]!, { resamples: 200, printedOnly: true });
    expect(printed.a.breakdown).toEqual([]);
    expect(printed.b.turns.byTurn).toEqual([]);
    expect(full.a.turns.byTurn.length).toBeGreaterThan(0);
    expect(renderCompareMarkdown(printed)).toBe(renderCompareMarkdown(full));
    expect(renderCompareHtml(printed)).toBe(renderCompareHtml(full));
  });

  it('compare falls back to its own baseline on a sweep where --baseline has no finished trial', () => {
    const store = openStore(db, { readonly: true });
    const [a, b] = ['sweep-1', 'sweep-2'].map((id) => loadSweepData(store, id));
    store.close();
    // In sweep b, tmux never reached an outcome: every row of it still running.
    const { trials } = b!;
    const tmux = trials.harnessNames.indexOf('tmux');
    for (let i = 0; i < trials.length; i++) if (trials.harness[i] === tmux) trials.status[i] = codeOf(trials.statusNames, 'running');
    const c = buildComparison(a!, b!, { baseline: 'tmux', resamples: 100 });
    expect(c.a.baseline).toBe('tmux');
    expect(c.b.baseline).toBe('terse');
  });

  it('reports every bad flag at once, and an unknown sweep by name with the ones there are', async () => {
    await expect(runReport({ db, format: 'pdf', seed: 'x', resamples: '5' })).rejects.toThrow(/--format pdf[\s\S]*--seed x[\s\S]*--resamples 5/);
    await expect(runReport({ db, sweep: 'nope' })).rejects.toThrow(/no sweep 'nope'.*sweep-2, sweep-1/);
  });
});
