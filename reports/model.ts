// Pure: a sweep's rows -> the Report every renderer draws from. No I/O, no clocks: the same
// data, baseline and seed always give the same Report.

import type { SweepData } from './queries.js';
import { resampleSums } from './bootstrap.js';
import { medianScratch } from './stats.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from './defaults.js';
import { buildStrata, chooseBaseline, prepare, wallStats, type Prepared } from './model/prepare.js';
import { buildOutcomes } from './model/outcomes.js';
import { buildWalls } from './model/walls.js';
import { buildRun } from './model/run.js';
import { buildDepth } from './model/depth.js';
import { buildByTurn } from './model/by-turn.js';
import { buildCache } from './model/cache.js';
import { buildBreakdown } from './model/breakdown.js';
import { buildHonest } from './model/honest.js';
import { buildCharts } from './model/charts.js';
import { SIMULATED_NOTICE, type Report, type ReportOptions } from './model/types.js';

// One module per table under model/; this one puts them together in the order they depend on.
export { DEFAULT_RESAMPLES, DEFAULT_SEED };
export * from './model/types.js';
export { armGroup, cleanRowsOf, hasFinished, isPending, type Prepared } from './model/prepare.js';

export function buildReport(data: SweepData, options: ReportOptions = {}): Report {
  return buildPreparedReport(data, options).report;
}

/** buildReport, with the coded trials it was built from, for a caller that resamples them again. */
export function buildPreparedReport(data: SweepData, options: ReportOptions = {}): { report: Report; prepared: Prepared } {
  const baseline = chooseBaseline(data, options.baseline);
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const p = prepare(data, baseline);
  const cellWalls = p.cleanRows.map((rows) => wallStats(data, rows));
  const outcomes = buildOutcomes(p, cellWalls);
  // One resample for every interval in the report. The baseline is always harness 0.
  const sums = resampleSums({ arms: p.harnesses.length, strata: buildStrata(data, p), resamples, seed });
  const walls = buildWalls(p, cellWalls, sums);
  const run = buildRun(p, cellWalls, sums);
  // The depth and turn-index medians group over every turn: one scratch space serves both.
  const scratch = medianScratch(data.turns.length);
  const side = options.compareSide === true;
  const turns = { buckets: buildDepth(data, p, scratch), byTurn: side ? [] : buildByTurn(data, p, scratch), cache: buildCache(data, p) };
  const breakdown = side ? [] : buildBreakdown(data, p);
  const simulated = data.sweep.simulated || data.trials.simulated.includes(1);
  const honest = buildHonest(data, p, simulated, outcomes, walls, run);
  const { plannedHarnesses: _h, plannedTasks: _t, ...sweep } = data.sweep;

  const report: Report = {
    kind: 'pairbench-report',
    version: 1,
    sweep,
    simulated,
    notice: simulated ? SIMULATED_NOTICE : null,
    baseline,
    harnesses: p.harnesses,
    tasks: p.tasks,
    paired: p.paired,
    bootstrap: { seed, resamples, level: 0.95, method: p.paired ? 'paired-slots' : 'independent' },
    outcomes,
    walls,
    run,
    turns,
    breakdown,
    honest,
    charts: options.charts ? buildCharts(data, p) : null,
  };
  return { report, prepared: p };
}
