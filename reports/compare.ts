// Pure: two sweeps -> the same tables side by side, each change as b ÷ a with a bootstrap
// interval. The sweeps ran separately, so each side is resampled on its own (by task).

import { overallIntervals, resampleSums, stratumWallRatioInterval, type BootstrapInput, type BootstrapSums, type ResampleGroup } from './bootstrap.js';
import {
  armGroup,
  buildPreparedReport,
  cleanRowsOf,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  DEPTH_BUCKETS,
  hasFinished,
  planReport,
  ratioValue,
  SIMULATED_NOTICE,
  type RatioValue,
  type ReportPlan,
  type Report,
  type RunRow,
  type SweepTrials,
  type WallCell,
} from './model.js';
import type { SweepData } from './queries.js';

export interface CompareWallRow {
  task: string;
  harness: string;
  a: WallCell | null;
  b: WallCell | null;
  /** b's mean clean wall over a's. */
  change: RatioValue;
  notes: string[];
}

export interface CompareRunRow {
  harness: string;
  a: RunRow | null;
  b: RunRow | null;
  /** Percentage points, b minus a. */
  passRateChange: number | null;
  wallChange: RatioValue;
  ppsChange: RatioValue;
}

export interface CompareDepthRow {
  bucket: string;
  harness: string;
  aMedianTtftMs: number | null;
  bMedianTtftMs: number | null;
  ttftChange: number | null;
  aMedianDecodeTps: number | null;
  bMedianDecodeTps: number | null;
  decodeChange: number | null;
}

export interface Comparison {
  kind: 'pairbench-compare';
  version: 1;
  simulated: boolean;
  notice: string | null;
  harnesses: string[];
  tasks: string[];
  bootstrap: { seed: number; resamples: number; level: 0.95; method: 'independent' };
  walls: CompareWallRow[];
  run: CompareRunRow[];
  depth: CompareDepthRow[];
  cache: { harness: string; aShare: number | null; bShare: number | null }[];
  a: Report;
  b: Report;
}

export interface CompareOptions {
  baseline?: string | undefined;
  seed?: number | undefined;
  resamples?: number | undefined;
  /**
   * Build each sweep's report only as far as the markdown and HTML print it (no by-turn or
   * where-the-wall-goes table); the JSON, which carries both reports whole, leaves this off.
   */
  printedOnly?: boolean | undefined;
}

const union = (x: string[], y: string[]): string[] => [...x, ...y.filter((v) => !x.includes(v))];

/** What a comparison resamples (each sweep's report, then the two side by side), known from the trials alone. */
export interface ComparisonPlan {
  a: ReportPlan;
  b: ReportPlan;
  harnesses: string[];
  tasks: string[];
  resample: BootstrapInput;
}

export function planComparison(dataA: SweepTrials, dataB: SweepTrials, options: CompareOptions = {}): ComparisonPlan {
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  // A baseline that only one sweep finished is still fine for that sweep's own tables.
  const baselineFor = (d: SweepTrials): string | undefined =>
    options.baseline !== undefined && hasFinished(d, options.baseline) ? options.baseline : undefined;
  const a = planReport(dataA, { baseline: baselineFor(dataA), seed, resamples });
  const b = planReport(dataB, { baseline: baselineFor(dataB), seed, resamples });
  const harnesses = union(a.prepared.harnesses, b.prepared.harnesses);
  const tasks = union(a.prepared.tasks, b.prepared.tasks);
  // Arms: 2i is harness i in sweep a, 2i+1 the same harness in sweep b.
  const strata: ResampleGroup[][] = tasks.map((task) =>
    harnesses.flatMap((h, i) =>
      ([[dataA, a.prepared], [dataB, b.prepared]] as const).map(([d, p], side) => armGroup(d, cleanRowsOf(p, h, task), 2 * i + side)),
    ),
  );
  return { a, b, harnesses, tasks, resample: { arms: harnesses.length * 2, strata, resamples, seed } };
}

/** The plan's three resamples, in the order buildComparison takes their sums. */
export const comparisonResamples = (plan: ComparisonPlan): BootstrapInput[] => [plan.a.resample, plan.b.resample, plan.resample];

/**
 * A caller that planned the comparison (and resampled it elsewhere) passes the plan and the
 * sums of comparisonResamples(plan).
 */
export function buildComparison(
  dataA: SweepData,
  dataB: SweepData,
  options: CompareOptions = {},
  plan: ComparisonPlan = planComparison(dataA, dataB, options),
  sums: BootstrapSums[] = comparisonResamples(plan).map((input) => resampleSums(input)),
): Comparison {
  const { seed, resamples } = plan.resample;
  const compareSide = options.printedOnly === true;
  const { report: a } = buildPreparedReport(dataA, { compareSide }, plan.a, sums[0]);
  const { report: b } = buildPreparedReport(dataB, { compareSide }, plan.b, sums[1]);
  const { harnesses, tasks } = plan;
  const comparedSums = sums[2]!;

  const walls: CompareWallRow[] = [];
  tasks.forEach((task, s) => {
    harnesses.forEach((h, i) => {
      const cellOf = (r: Report): WallCell | null => r.walls.find((w) => w.task === task)?.cells.find((c) => c.harness === h) ?? null;
      const ca = cellOf(a);
      const cb = cellOf(b);
      if (!ca && !cb) return;
      const ratio = ca?.meanWallS && cb?.meanWallS !== null && cb?.meanWallS !== undefined ? cb.meanWallS / ca.meanWallS : null;
      const change = ratioValue(ratio, ratio === null ? null : stratumWallRatioInterval(comparedSums, s, 2 * i + 1, 2 * i));
      const notes: string[] = [];
      if ((ca?.n ?? 0) < 3 || (cb?.n ?? 0) < 3) notes.push(`n < 3 (a n=${ca?.n ?? 0}, b n=${cb?.n ?? 0})`);
      if (change.crossesOne) notes.push('interval crosses 1×');
      walls.push({ task, harness: h, a: ca, b: cb, change, notes });
    });
  });

  const run: CompareRunRow[] = harnesses.map((h, i) => {
    const ra = a.run.find((r) => r.harness === h) ?? null;
    const rb = b.run.find((r) => r.harness === h) ?? null;
    const ci = overallIntervals(comparedSums, 2 * i + 1, 2 * i);
    const wall = ra?.meanWallS && rb?.meanWallS != null ? rb.meanWallS / ra.meanWallS : null;
    const pps = ra?.passesPerWallS && rb?.passesPerWallS != null ? rb.passesPerWallS / ra.passesPerWallS : null;
    return {
      harness: h,
      a: ra,
      b: rb,
      passRateChange: ra?.passRate != null && rb?.passRate != null ? (rb.passRate - ra.passRate) * 100 : null,
      wallChange: ratioValue(wall, wall === null ? null : ci.wall),
      ppsChange: ratioValue(pps, pps === null ? null : ci.pps),
    };
  });

  const depth: CompareDepthRow[] = [];
  const buckets = union(a.turns.buckets.map((x) => x.bucket), b.turns.buckets.map((x) => x.bucket));
  const order: string[] = DEPTH_BUCKETS.map((x) => x.label);
  buckets.sort((x, y) => order.indexOf(x) - order.indexOf(y));
  for (const bucket of buckets) {
    for (const h of harnesses) {
      const cell = (r: Report) => r.turns.buckets.find((x) => x.bucket === bucket)?.cells.find((c) => c.harness === h) ?? null;
      const ca = cell(a);
      const cb = cell(b);
      if ((ca?.ttftN ?? 0) === 0 && (cb?.ttftN ?? 0) === 0) continue;
      const div = (x: number | null | undefined, y: number | null | undefined): number | null => (x != null && y ? x / y : null);
      depth.push({
        bucket,
        harness: h,
        aMedianTtftMs: ca?.medianTtftMs ?? null,
        bMedianTtftMs: cb?.medianTtftMs ?? null,
        ttftChange: div(cb?.medianTtftMs, ca?.medianTtftMs),
        aMedianDecodeTps: ca?.medianDecodeTps ?? null,
        bMedianDecodeTps: cb?.medianDecodeTps ?? null,
        decodeChange: div(cb?.medianDecodeTps, ca?.medianDecodeTps),
      });
    }
  }

  const cache = harnesses.map((h) => ({
    harness: h,
    aShare: a.turns.cache.find((c) => c.harness === h)?.share ?? null,
    bShare: b.turns.cache.find((c) => c.harness === h)?.share ?? null,
  }));

  const simulated = a.simulated || b.simulated;
  return {
    kind: 'pairbench-compare',
    version: 1,
    simulated,
    notice: simulated ? `${SIMULATED_NOTICE} (${[a.simulated ? `sweep ${a.sweep.id}` : null, b.simulated ? `sweep ${b.sweep.id}` : null].filter(Boolean).join(' and ')})` : null,
    harnesses,
    tasks,
    bootstrap: { seed, resamples, level: 0.95, method: 'independent' },
    walls,
    run,
    depth,
    cache,
    a,
    b,
  };
}
