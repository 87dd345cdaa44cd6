// Pure: a sweep's rows -> the Report every renderer draws from. No I/O, no clocks: the same
// data, baseline and seed always give the same Report.

import type { SweepData } from './queries.js';
import { resampleSums, type BootstrapInput, type BootstrapSums } from './bootstrap.js';
import { medianScratch } from './stats.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from './defaults.js';
import { buildStrata, chooseBaseline, prepare, wallStats, type Prepared, type SweepTrials } from './model/prepare.js';
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
export { armGroup, cleanRowsOf, hasFinished, isPending, type Prepared, type SweepTrials } from './model/prepare.js';

export function buildReport(data: SweepData, options: ReportOptions = {}): Report {
  return buildPreparedReport(data, options).report;
}

/** What a report resamples, known from its trials alone: a caller may start it before reading turns. */
export interface ReportPlan {
  baseline: string;
  seed: number;
  resamples: number;
  prepared: Prepared;
  resample: BootstrapInput;
}

export function planReport(data: SweepTrials, options: ReportOptions = {}): ReportPlan {
  const baseline = chooseBaseline(data, options.baseline);
  const prepared = prepare(data, baseline);
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  // One resample for every interval in the report. The baseline is always harness 0.
  return { baseline, seed, resamples, prepared, resample: { arms: prepared.harnesses.length, strata: buildStrata(data, prepared), resamples, seed } };
}

/**
 * buildReport, with the coded trials it was built from, for a caller that resamples them again.
 * A caller that planned the report (and resampled it elsewhere) passes the plan and its sums.
 */
export function buildPreparedReport(
  data: SweepData,
  options: ReportOptions = {},
  plan: ReportPlan = planReport(data, options),
  sums: BootstrapSums = resampleSums(plan.resample),
): { report: Report; prepared: Prepared } {
  const { baseline, seed, resamples, prepared: p } = plan;
  const cellWalls = p.cleanRows.map((rows) => wallStats(data, rows));
  const outcomes = buildOutcomes(p, cellWalls);
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
