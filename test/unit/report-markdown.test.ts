import { isAgentOutcome } from '../../core/outcomes.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFixtureDb, type FixtureOptions } from '../../fixtures/db/generate.js';
import { openStore } from '../../store/db.js';
import { loadSweepData, type SweepData } from '../../reports/queries.js';
import { codeOf, trialAt, trialRows } from '../../reports/trial-columns.js';
import { buildReport, DEPTH_BUCKETS, SIMULATED_NOTICE, type ReportOptions } from '../../reports/model.js';
import { renderMarkdown } from '../../reports/markdown.js';
import { medianInPlace } from '../../reports/stats.js';
import { ratio, seconds, interval } from '../../reports/format.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-report-md-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let dbCount = 0;
function fixture(options: FixtureOptions): SweepData {
  const path = join(dir, `f${++dbCount}.db`);
  const { sweepIds } = generateFixtureDb(path, options);
  const db = openStore(path, { readonly: true });
  try {
    return loadSweepData(db, sweepIds[sweepIds.length - 1]!);
  } finally {
    db.close();
  }
}

const PAIRED: FixtureOptions = { trials: 4, seed: 3, simulated: true, withSubstrateErrors: 0.15, withRestart: true, withPending: true };
const UNPAIRED: FixtureOptions = { trials: 3, seed: 5, paired: false, harnesses: ['terse', 'tmux', 'terse+think'] };

describe('markdown report snapshots', () => {
  it('holds the paired, simulated fixture with substrate errors, a restart and pending rows', async () => {
    const md = renderMarkdown(buildReport(fixture(PAIRED)));
    await expect(md).toMatchFileSnapshot('./__snapshots__/report-paired.md');
  });

  it('holds the unpaired fixture', async () => {
    const md = renderMarkdown(buildReport(fixture(UNPAIRED)));
    await expect(md).toMatchFileSnapshot('./__snapshots__/report-unpaired.md');
  });

  it('is byte-identical for the same database and seed', () => {
    const data = fixture(PAIRED);
    expect(renderMarkdown(buildReport(data))).toBe(renderMarkdown(buildReport(data)));
  });
});

describe('report figures', () => {
  it('counts a harness_error against its harness: in the denominator, and shown in the outcomes table', () => {
    const data = fixture(PAIRED);
    const at = trialRows(data.trials).findIndex((t) => t.status === 'pass' && t.harness === 'tmux');
    const victim = trialAt(data.trials, at);
    const cell = (r: ReturnType<typeof buildReport>) => r.outcomes.find((o) => o.harness === victim.harness && o.task === victim.task)!;
    const before = cell(buildReport(data));
    data.trials.status[at] = codeOf(data.trials.statusNames, 'harness_error');
    const report = buildReport(data);
    const after = cell(report);
    expect(after.harnessErrors).toBe(before.harnessErrors + 1);
    expect(after.agentFailures).toBe(before.agentFailures + 1);
    expect(after.substrateErrors).toBe(before.substrateErrors);
    expect(after.passRate).toBeCloseTo((before.passes - 1) / (after.trials - after.substrateErrors), 10);
    expect(renderMarkdown(report)).toContain('of which harness errors');
  });

  const paired = fixture(PAIRED);
  const report = buildReport(paired);
  const pairedRows = trialRows(paired.trials);

  it('keeps substrate errors out of pass-rate denominators and shows them beside', () => {
    for (const o of report.outcomes) {
      const trials = pairedRows.filter((t) => t.harness === o.harness && t.task === o.task && t.status !== 'running' && t.status !== 'interrupted');
      const substrate = trials.filter((t) => !['pass', 'fail', 'agent_timeout', 'turn_limit', 'output_limit', 'harness_error'].includes(t.status)).length;
      const passes = trials.filter((t) => t.status === 'pass').length;
      expect(o.trials).toBe(trials.length);
      expect(o.substrateErrors).toBe(substrate);
      expect(o.passRate).toBeCloseTo(passes / (trials.length - substrate), 10);
    }
    expect(report.outcomes.some((o) => o.substrateErrors > 0)).toBe(true);
    const run = report.run[0]!;
    expect(run.passRate).toBeCloseTo(run.passes / (run.trials - run.substrateErrors), 10);
  });

  it('computes wall ratios from clean trials only, harness over baseline', () => {
    const clean = (h: string, task: string): number[] =>
      pairedRows.filter((t) => t.harness === h && t.task === task && ['pass', 'fail', 'agent_timeout'].includes(t.status)).map((t) => t.wallMs! / 1000);
    const m = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(report.baseline).toBe('terse');
    for (const row of report.walls) {
      const expected = m(clean('tmux', row.task)) / m(clean('terse', row.task));
      expect(row.ratios[0]!.value.ratio).toBeCloseTo(expected, 10);
      expect(row.cells[0]!.n).toBe(clean('terse', row.task).length);
      const [lo, hi] = row.ratios[0]!.value.ci!;
      expect(lo).toBeLessThanOrEqual(row.ratios[0]!.value.ratio!);
      expect(hi).toBeGreaterThanOrEqual(row.ratios[0]!.value.ratio!);
    }
    const pps = (h: string): number => {
      const rows = pairedRows.filter((t) => t.harness === h && ['pass', 'fail', 'agent_timeout'].includes(t.status));
      return rows.filter((t) => t.status === 'pass').length / rows.reduce((s, t) => s + t.wallMs! / 1000, 0);
    };
    expect(report.run[1]!.ppsRatio!.ratio).toBeCloseTo(pps('tmux') / pps('terse'), 10);
  });

  it('honours --baseline and inverts the ratios', () => {
    const flipped = buildReport(paired, { baseline: 'tmux' });
    expect(flipped.harnesses[0]).toBe('tmux');
    expect(flipped.walls[0]!.ratios[0]!.value.ratio).toBeCloseTo(1 / report.walls[0]!.ratios[0]!.value.ratio!, 10);
    expect(() => buildReport(paired, { baseline: 'nope' })).toThrow(/--baseline nope.*terse, tmux/);
  });

  it('leaves running and interrupted trials out of every table but counts them in the honest read', () => {
    expect(report.outcomes.reduce((s, o) => s + o.trials, 0)).toBe(paired.trials.length - 2);
    expect(report.honest.pending).toEqual({ running: 1, interrupted: 1 });
    // Their turns carry absurd figures (100k ms TTFT, 500k prompt tokens): none may show up.
    expect(report.turns.buckets.map((b) => b.bucket)).not.toContain('120k+');
    for (const b of report.turns.buckets) for (const c of b.cells) expect(c.medianTtftMs ?? 0).toBeLessThan(99_999);
  });

  it('bootstraps reproducibly for a seed and differently across seeds', () => {
    // Enough slots that the bootstrap distribution is not a handful of discrete values.
    const wide = fixture({ trials: 15, seed: 13 });
    const a = buildReport(wide, { seed: 7 });
    const b = buildReport(wide, { seed: 7 });
    const c = buildReport(wide, { seed: 8 });
    expect(a.walls.map((w) => w.ratios[0]!.value.ci)).toEqual(b.walls.map((w) => w.ratios[0]!.value.ci));
    expect(a.walls.map((w) => w.ratios[0]!.value.ci)).not.toEqual(c.walls.map((w) => w.ratios[0]!.value.ci));
    expect(a.bootstrap.method).toBe('paired-slots');
  });

  it('marks cells with n < 3 and intervals that cross 1×', () => {
    const small = fixture({ trials: 2, seed: 11, sameHarnesses: true });
    const r = buildReport(small);
    expect(r.walls.every((w) => w.notes.some((n) => n.startsWith('n < 3')))).toBe(true);
    expect(r.honest.cellsBelowThree.length).toBeGreaterThan(0);
    const md = renderMarkdown(r);
    expect(md).toContain('n < 3');
    // Equal harnesses with few trials: some interval straddles 1.
    const crossing = r.walls.flatMap((w) => w.ratios).filter((x) => x.value.crossesOne);
    expect(crossing.length).toBeGreaterThan(0);
    expect(md).toContain('interval crosses 1×');
    expect(md).toMatch(/Wall-ratio intervals that cross 1×/);
  });

  it('buckets turns by prompt tokens at 10k, 30k, 60k and 120k, from the attempts the wall tables count', () => {
    expect(DEPTH_BUCKETS.map((b) => b.label)).toEqual(['0-10k', '10-30k', '30-60k', '60-120k', '120k+']);
    // Clean attempts only: an agent outcome with a wall, the latest attempt of its slot.
    const latest = new Map<string, number>();
    pairedRows.forEach((t, i) => {
      if (!isAgentOutcome(t.status) || t.wallMs === null) return;
      const key = `${t.harness}/${t.task}/${t.trialIndex}`;
      const prev = latest.get(key);
      if (prev === undefined || t.attempt > pairedRows[prev]!.attempt) latest.set(key, i);
    });
    const finished = new Set(latest.values());
    expect(pairedRows.some((t, i) => !finished.has(i) && t.status !== 'running' && t.status !== 'interrupted')).toBe(true);
    const tmuxIdx = report.harnesses.indexOf('tmux');
    const values: number[] = [];
    for (let i = 0; i < paired.turns.length; i++) {
      const t = paired.turns.trial[i]!;
      const p = paired.turns.promptTokens[i]!;
      if (finished.has(t) && pairedRows[t]!.harness === 'tmux' && p >= 10_000 && p < 30_000) values.push(paired.turns.ttftMs[i]!);
    }
    const cell = report.turns.buckets.find((b) => b.bucket === '10-30k')!.cells[tmuxIdx]!;
    expect(cell.ttftN).toBe(values.length);
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    expect(cell.medianTtftMs).toBeCloseTo(sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, 10);
  });

  it('puts the simulated mark at the top and says whether the sweep was paired', () => {
    const md = renderMarkdown(report);
    expect(md.split('\n').slice(0, 4).join('\n')).toContain(SIMULATED_NOTICE);
    const unpaired = buildReport(fixture(UNPAIRED));
    expect(unpaired.paired).toBe(false);
    expect(unpaired.bootstrap.method).toBe('independent');
    expect(renderMarkdown(unpaired)).not.toContain('SIMULATED');
  });

  it('splits the wall into parts that add back up to it', () => {
    for (const b of report.breakdown) {
      const total = Object.values(b.perTrialS).reduce((s: number, v) => s + (v ?? 0), 0);
      expect(total).toBeCloseTo(b.wallPerTrialS!, 6);
    }
  });
});

describe('stats and formatting', () => {
  it('selects the same median as sorting', () => {
    for (const n of [1, 2, 3, 10, 101, 1000]) {
      const xs = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 997) + (i % 3) * 0.5);
      const sorted = [...xs].sort((a, b) => a - b);
      const expected = n % 2 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
      expect(medianInPlace(Float64Array.from(xs))).toBe(expected);
    }
    expect(medianInPlace(new Float64Array(0))).toBeNull();
  });

  it('formats for people', () => {
    expect(ratio(4.4)).toBe('4.4×');
    expect(ratio(19.2)).toBe('19×');
    expect(ratio(0.5)).toBe('0.50×');
    expect(interval([3.1, 6.0])).toBe('[3.1×, 6.0×]');
    expect(seconds(37.2)).toBe('37 s');
    expect(seconds(4.25)).toBe('4.3 s');
    expect(seconds(0.42)).toBe('0.42 s');
  });
});

export type { ReportOptions };
