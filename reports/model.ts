// Pure: a sweep's rows -> the Report every renderer draws from. No I/O, no clocks: the same
// data, baseline and seed always give the same Report.

import { isAgentOutcome, SUBSTRATE_OUTCOMES } from '../core/outcomes.js';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import type { SweepData, SweepInfo } from './queries.js';
import { overallIntervals, resampleSums, stratumWallRatioInterval, type BootstrapSums, type Interval, type ResampleGroup } from './bootstrap.js';
import { medianInPlace, percentileSorted } from './stats.js';
import { seconds } from './format.js';

import { DEFAULT_RESAMPLES, DEFAULT_SEED } from './defaults.js';

export { DEFAULT_RESAMPLES, DEFAULT_SEED };

export const SIMULATED_NOTICE =
  "SIMULATED SERVING: these figures come from pairbench's simulated server, not from a model.";

export const DEPTH_BUCKETS = [
  { label: '0-10k', lo: 0, hi: 10_000 },
  { label: '10-30k', lo: 10_000, hi: 30_000 },
  { label: '30-60k', lo: 30_000, hi: 60_000 },
  { label: '60-120k', lo: 60_000, hi: 120_000 },
  { label: '120k+', lo: 120_000, hi: Infinity },
] as const;

export interface RatioValue {
  ratio: number | null;
  ci: Interval | null;
  /** The 95% interval includes 1: the data do not settle which side is faster. */
  crossesOne: boolean;
}

export interface OutcomeCell {
  harness: string;
  task: string;
  /** Finished trials (running and interrupted rows left out). */
  trials: number;
  passes: number;
  agentFailures: number;
  /** Of agentFailures, those where the harness's own code threw: its bug, counted against it. */
  harnessErrors: number;
  substrateErrors: number;
  /** passes / (trials - substrate errors); null when no trial reached an agent outcome. */
  passRate: number | null;
  cleanN: number;
  meanWallS: number | null;
}

export interface WallCell {
  harness: string;
  n: number;
  meanWallS: number | null;
}

export interface WallRow {
  task: string;
  cells: WallCell[];
  /** One per harness other than the baseline: its mean wall over the baseline's. */
  ratios: { harness: string; value: RatioValue }[];
  notes: string[];
}

export interface RunRow {
  harness: string;
  trials: number;
  passes: number;
  substrateErrors: number;
  passRate: number | null;
  cleanN: number;
  meanWallS: number | null;
  cleanWallS: number;
  passesPerWallS: number | null;
  /** Against the baseline; null on the baseline's own row. */
  ppsRatio: RatioValue | null;
  wallRatio: RatioValue | null;
  notes: string[];
}

export interface DepthCell {
  harness: string;
  ttftN: number;
  medianTtftMs: number | null;
  decodeN: number;
  medianDecodeTps: number | null;
}

export interface DepthRow {
  bucket: string;
  cells: DepthCell[];
}

export interface TurnIndexRow {
  turnIndex: number;
  cells: { harness: string; n: number; medianTtftMs: number | null }[];
}

export interface CacheRow {
  harness: string;
  turns: number;
  promptTokens: number;
  cachedTokens: number;
  share: number | null;
}

export const WALL_PARTS = ['ttft', 'decode', 'exec', 'wait', 'setup', 'verify', 'other'] as const;
export type WallPart = (typeof WALL_PARTS)[number];

export interface BreakdownRow {
  harness: string;
  cleanN: number;
  wallPerTrialS: number | null;
  perTrialS: Record<WallPart, number | null>;
  shares: Record<WallPart, number | null>;
}

/** What the tables do not say. Whether the sweep was simulated or paired is the Report's own field. */
export interface HonestRead {
  substrateByKind: { kind: string; total: number; byHarness: Record<string, number> }[];
  restarts: { at: string; reason: string | null; durationS: number | null; trialsDone: number | null }[];
  crashes: number;
  canaries: number;
  pending: { running: number; interrupted: number };
  superseded: number;
  cellsBelowThree: { harness: string; task: string; n: number }[];
  /** Human sentences drawn from the data, in the order they should be read. */
  lines: string[];
}

export interface ChartData {
  /** Per task and harness: clean walls (seconds), thinned evenly to at most 200, and quartiles. */
  walls: { task: string; harness: string; n: number; points: number[]; q: [number, number, number, number, number] | null }[];
  /** Per harness: (prompt tokens, TTFT ms) points, thinned evenly to at most 1,500. */
  ttftDepth: { harness: string; points: [number, number][] }[];
}

export interface Report {
  kind: 'pairbench-report';
  version: 1;
  sweep: Omit<SweepInfo, 'plannedHarnesses' | 'plannedTasks'>;
  simulated: boolean;
  notice: string | null;
  baseline: string;
  harnesses: string[];
  tasks: string[];
  paired: boolean;
  bootstrap: { seed: number; resamples: number; level: 0.95; method: 'paired-slots' | 'independent' };
  outcomes: OutcomeCell[];
  walls: WallRow[];
  run: RunRow[];
  turns: { buckets: DepthRow[]; byTurn: TurnIndexRow[]; cache: CacheRow[] };
  breakdown: BreakdownRow[];
  honest: HonestRead;
  charts: ChartData | null;
}

export interface ReportOptions {
  baseline?: string | undefined;
  seed?: number | undefined;
  resamples?: number | undefined;
  /** Include the data the HTML charts draw. */
  charts?: boolean | undefined;
}

/** Running and interrupted rows: no outcome yet, left out of every table. */
export const isPending = (status: string): boolean => status === 'running' || status === 'interrupted';

/** Planned order first (baseline first of all), then anything else alphabetically. */
function orderNames(present: Set<string>, planned: string[], first?: string): string[] {
  const out: string[] = [];
  if (first !== undefined && present.has(first)) out.push(first);
  for (const p of planned) if (present.has(p) && !out.includes(p)) out.push(p);
  for (const p of [...present].sort()) if (!out.includes(p)) out.push(p);
  return out;
}

function chooseBaseline(data: SweepData, requested: string | undefined): string {
  const present = new Set(data.trials.filter((t) => !isPending(t.status)).map((t) => t.harness));
  if (requested !== undefined) {
    if (present.has(requested)) return requested;
    throw new PairbenchError(
      ERROR_CODES.CONFIG_INVALID,
      `--baseline ${requested}: sweep ${data.sweep.id} has no finished trials of that harness. Harnesses there: ${[...present].sort().join(', ') || '(none)'}.`,
    );
  }
  const ordered = orderNames(present, data.sweep.plannedHarnesses);
  if (ordered.length === 0) {
    throw new PairbenchError(
      ERROR_CODES.SWEEP_NOT_FOUND,
      `sweep ${data.sweep.id} has no finished trials yet: nothing to report. Let the sweep finish (or resume it with 'pairbench run'), then report again.`,
    );
  }
  return ordered[0]!;
}

/** The sweep's trials coded as integers once, so every later pass is arithmetic, not string keys. */
export interface Prepared {
  harnesses: string[];
  tasks: string[];
  /** Per trial row: harness and task index, -1 for rows left out (running, interrupted). */
  trialH: Int32Array;
  trialT: Int32Array;
  /** Per trial row: 1 when its wall counts (clean, and the latest attempt on its slot). */
  clean: Uint8Array;
  /** Per cell (h * tasks + t): the clean rows, by trial index. */
  cleanRows: number[][];
  /** Per cell: finished trials, passes, agent outcomes (the rest are substrate errors). */
  cellTrials: Int32Array;
  cellPasses: Int32Array;
  cellAgent: Int32Array;
  cellHarnessErrors: Int32Array;
  /** Per task: the trial indices any harness finished, ascending. */
  slots: number[][];
  finished: number;
  superseded: number;
  paired: boolean;
}

function prepare(data: SweepData, baseline: string): Prepared {
  const rows = data.trials;
  const finishedHarnesses = new Set<string>();
  const finishedTasks = new Set<string>();
  for (const t of rows) {
    if (isPending(t.status)) continue;
    finishedHarnesses.add(t.harness);
    finishedTasks.add(t.task);
  }
  const harnesses = orderNames(finishedHarnesses, data.sweep.plannedHarnesses, baseline);
  const tasks = orderNames(finishedTasks, data.sweep.plannedTasks);
  const hIndex = new Map(harnesses.map((h, i) => [h, i]));
  const tIndex = new Map(tasks.map((t, i) => [t, i]));
  const H = harnesses.length;
  const T = tasks.length;
  const trialH = new Int32Array(rows.length).fill(-1);
  const trialT = new Int32Array(rows.length).fill(-1);
  const clean = new Uint8Array(rows.length);
  const cellTrials = new Int32Array(H * T);
  const cellPasses = new Int32Array(H * T);
  const cellAgent = new Int32Array(H * T);
  const cellHarnessErrors = new Int32Array(H * T);
  const chosen: Map<number, number>[] = Array.from({ length: H * T }, () => new Map());
  const ranBy: Set<number>[] = Array.from({ length: H * T }, () => new Set());
  const slotSets: Set<number>[] = Array.from({ length: T }, () => new Set());
  let finished = 0;
  let superseded = 0;
  const agentStatus = new Map<string, boolean>();
  rows.forEach((t, i) => {
    if (isPending(t.status)) return;
    const h = hIndex.get(t.harness)!;
    const k = tIndex.get(t.task)!;
    const cell = h * T + k;
    trialH[i] = h;
    trialT[i] = k;
    finished++;
    cellTrials[cell]!++;
    ranBy[cell]!.add(t.trialIndex);
    slotSets[k]!.add(t.trialIndex);
    let agent = agentStatus.get(t.status);
    if (agent === undefined) agentStatus.set(t.status, (agent = isAgentOutcome(t.status)));
    if (!agent) return; // anything finished that is not an agent outcome is the machine's fault
    cellAgent[cell]!++;
    if (t.status === 'pass') cellPasses[cell]!++;
    else if (t.status === 'harness_error') cellHarnessErrors[cell]!++;
    if (t.wallMs === null) return;
    // Clean: the agent, not the machine, ended it. A later attempt on the same slot wins.
    const prev = chosen[cell]!.get(t.trialIndex);
    if (prev !== undefined) superseded++;
    if (prev === undefined || t.attempt > rows[prev]!.attempt) chosen[cell]!.set(t.trialIndex, i);
  });
  const cleanRows = chosen.map((m) => [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, i]) => i));
  for (const list of cleanRows) for (const i of list) clean[i] = 1;
  const slots = slotSets.map((set) => [...set].sort((a, b) => a - b));
  // Paired: on every (task, trial index) that any harness finished, every harness finished.
  const paired = H > 1 && slots.every((list, k) => harnesses.every((_, h) => ranBy[h * T + k]!.size === list.length));
  return { harnesses, tasks, trialH, trialT, clean, cleanRows, cellTrials, cellPasses, cellAgent, cellHarnessErrors, slots, finished, superseded, paired };
}

/** The clean trial rows of one harness on one task, by trial index. */
export function cleanRowsOf(p: Prepared, harness: string, task: string): number[] {
  const h = p.harnesses.indexOf(harness);
  const k = p.tasks.indexOf(task);
  return h < 0 || k < 0 ? [] : p.cleanRows[h * p.tasks.length + k]!;
}

/** Trial rows as a resample group of their own: one arm, each trial its own unit. */
export function armGroup(data: SweepData, rows: number[], arm: number): ResampleGroup {
  return {
    arms: [arm],
    units: rows.length,
    wall: Float64Array.from(rows, (i) => data.trials[i]!.wallMs! / 1000),
    pass: Float64Array.from(rows, (i) => (data.trials[i]!.status === 'pass' ? 1 : 0)),
  };
}

/** Builds the bootstrap's units: slots when paired, each harness's own trials when not. */
function buildStrata(data: SweepData, p: Prepared): ResampleGroup[][] {
  const H = p.harnesses.length;
  const T = p.tasks.length;
  return p.tasks.map((_, k) => {
    if (p.paired) {
      const units = p.slots[k]!;
      const unitOf = new Map(units.map((idx, u) => [idx, u]));
      const wall = new Float64Array(units.length * H).fill(NaN);
      const pass = new Float64Array(units.length * H);
      for (let h = 0; h < H; h++) {
        for (const i of p.cleanRows[h * T + k]!) {
          const t = data.trials[i]!;
          const u = unitOf.get(t.trialIndex)!;
          wall[u * H + h] = t.wallMs! / 1000;
          pass[u * H + h] = t.status === 'pass' ? 1 : 0;
        }
      }
      return [{ arms: p.harnesses.map((_, h) => h), units: units.length, wall, pass }];
    }
    return p.harnesses.map((_, h) => armGroup(data, p.cleanRows[h * T + k]!, h));
  });
}

export function ratioValue(ratio: number | null, ci: Interval | null): RatioValue {
  return { ratio, ci, crossesOne: ci !== null && ci[0] <= 1 && ci[1] >= 1 };
}

function wallStats(data: SweepData, rows: number[]): { n: number; sumS: number; passes: number } {
  let sumS = 0;
  let passes = 0;
  for (const i of rows) {
    const t = data.trials[i]!;
    sumS += t.wallMs! / 1000;
    if (t.status === 'pass') passes++;
  }
  return { n: rows.length, sumS, passes };
}

export function buildReport(data: SweepData, options: ReportOptions = {}): Report {
  return buildPreparedReport(data, options).report;
}

/** buildReport, with the coded trials it was built from, for a caller that resamples them again. */
export function buildPreparedReport(data: SweepData, options: ReportOptions = {}): { report: Report; prepared: Prepared } {
  const baseline = chooseBaseline(data, options.baseline);
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const p = prepare(data, baseline);
  const { harnesses, tasks } = p;
  const T = tasks.length;
  const cellWalls = p.cleanRows.map((rows) => wallStats(data, rows));
  const meanOf = (w: { n: number; sumS: number }): number | null => (w.n === 0 ? null : w.sumS / w.n);

  // Outcomes per harness and task (issue 2's first table).
  const outcomes: OutcomeCell[] = [];
  harnesses.forEach((harness, h) => {
    tasks.forEach((task, k) => {
      const cell = h * T + k;
      const trials = p.cellTrials[cell]!;
      if (trials === 0) return;
      const agent = p.cellAgent[cell]!;
      const passes = p.cellPasses[cell]!;
      outcomes.push({
        harness,
        task,
        trials,
        passes,
        agentFailures: agent - passes,
        harnessErrors: p.cellHarnessErrors[cell]!,
        substrateErrors: trials - agent,
        passRate: agent > 0 ? passes / agent : null,
        cleanN: cellWalls[cell]!.n,
        meanWallS: meanOf(cellWalls[cell]!),
      });
    });
  });

  // One resample for every interval in the report. The baseline is always harness 0.
  const sums: BootstrapSums = resampleSums({ arms: harnesses.length, strata: buildStrata(data, p), resamples, seed });

  const walls: WallRow[] = tasks.map((task, k) => {
    const cells = harnesses.map((harness, h) => ({ harness, n: cellWalls[h * T + k]!.n, meanWallS: meanOf(cellWalls[h * T + k]!) }));
    const baseMean = cells[0]!.meanWallS;
    const ratios = harnesses.slice(1).map((harness, i) => {
      const m = cells[i + 1]!.meanWallS;
      const ratio = m !== null && baseMean !== null && baseMean > 0 ? m / baseMean : null;
      return { harness, value: ratioValue(ratio, ratio === null ? null : stratumWallRatioInterval(sums, k, i + 1, 0)) };
    });
    const notes: string[] = [];
    const small = cells.filter((c) => c.n < 3).map((c) => `${c.harness} n=${c.n}`);
    if (small.length > 0) notes.push(`n < 3 (${small.join(', ')})`);
    for (const r of ratios) if (r.value.crossesOne) notes.push(`${r.harness}: interval crosses 1×`);
    return { task, cells, ratios, notes };
  });

  const run: RunRow[] = harnesses.map((harness, h) => {
    let trials = 0, agent = 0, passes = 0, cleanN = 0, cleanWallS = 0;
    for (let k = 0; k < T; k++) {
      const cell = h * T + k;
      trials += p.cellTrials[cell]!;
      agent += p.cellAgent[cell]!;
      passes += p.cellPasses[cell]!;
      cleanN += cellWalls[cell]!.n;
      cleanWallS += cellWalls[cell]!.sumS;
    }
    return {
      harness,
      trials,
      passes,
      substrateErrors: trials - agent,
      passRate: agent > 0 ? passes / agent : null,
      cleanN,
      meanWallS: cleanN > 0 ? cleanWallS / cleanN : null,
      cleanWallS,
      passesPerWallS: cleanWallS > 0 ? passes / cleanWallS : null,
      ppsRatio: null,
      wallRatio: null,
      notes: [],
    };
  });
  const baseRun = run[0]!;
  run.forEach((r, i) => {
    if (i === 0) return;
    const ci = overallIntervals(sums, i, 0);
    const pps = r.passesPerWallS !== null && baseRun.passesPerWallS ? r.passesPerWallS / baseRun.passesPerWallS : null;
    const wall = r.meanWallS !== null && baseRun.meanWallS ? r.meanWallS / baseRun.meanWallS : null;
    r.ppsRatio = ratioValue(pps, pps === null ? null : ci.pps);
    r.wallRatio = ratioValue(wall, wall === null ? null : ci.wall);
    if (r.ppsRatio.crossesOne) r.notes.push('passes/wall-s interval crosses 1×');
    if (r.wallRatio.crossesOne) r.notes.push('wall interval crosses 1×');
  });
  for (const r of run) if (r.cleanN < 3) r.notes.push(`n < 3 (clean n=${r.cleanN})`);

  const turnTables = buildTurnTables(data, p);
  const breakdown = buildBreakdown(data, p);
  const simulated = data.sweep.simulated || data.trials.some((t) => t.simulated);
  const honest = buildHonest(data, p, simulated, outcomes, walls, run);
  const { plannedHarnesses: _h, plannedTasks: _t, ...sweep } = data.sweep;

  const report: Report = {
    kind: 'pairbench-report',
    version: 1,
    sweep,
    simulated,
    notice: simulated ? SIMULATED_NOTICE : null,
    baseline,
    harnesses,
    tasks,
    paired: p.paired,
    bootstrap: { seed, resamples, level: 0.95, method: p.paired ? 'paired-slots' : 'independent' },
    outcomes,
    walls,
    run,
    turns: turnTables,
    breakdown,
    honest,
    charts: options.charts ? buildCharts(data, p) : null,
  };
  return { report, prepared: p };
}

function bucketOf(prompt: number): number {
  for (let b = 0; b < DEPTH_BUCKETS.length; b++) if (prompt < DEPTH_BUCKETS[b]!.hi) return b;
  return DEPTH_BUCKETS.length - 1;
}

/** Groups values by key in two passes (count, fill), then takes each group's median. */
function groupedMedians(keys: Int32Array, values: Float64Array, groups: number): { n: Int32Array; median: (number | null)[] } {
  const n = new Int32Array(groups);
  for (let i = 0; i < keys.length; i++) if (keys[i]! >= 0 && values[i] === values[i]) n[keys[i]!]!++;
  const buffers = Array.from(n, (c) => new Float64Array(c));
  const fill = new Int32Array(groups);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = values[i]!;
    if (k >= 0 && v === v) buffers[k]![fill[k]!++] = v;
  }
  return { n, median: buffers.map((b) => medianInPlace(b)) };
}

function buildTurnTables(data: SweepData, p: Prepared): Report['turns'] {
  const { turns } = data;
  const { harnesses } = p;
  // The same attempts as the wall tables: clean ones only. A substrate attempt's turns (a
  // stalled server's, say) would otherwise pull the TTFT and cache figures its walls left out.
  const hOf = p.trialH.map((h, tr) => (p.clean[tr] ? h : -1));
  const H = harnesses.length;
  const B = DEPTH_BUCKETS.length;
  let maxTurn = -1;
  const bucketKey = new Int32Array(turns.length);
  for (let i = 0; i < turns.length; i++) {
    const h = hOf[turns.trial[i]!]!;
    const prompt = turns.promptTokens[i]!;
    bucketKey[i] = h < 0 || prompt !== prompt ? -1 : h * B + bucketOf(prompt);
    if (h >= 0 && turns.turnIndex[i]! > maxTurn) maxTurn = turns.turnIndex[i]!;
  }
  const ttftByBucket = groupedMedians(bucketKey, turns.ttftMs, H * B);
  const decodeByBucket = groupedMedians(bucketKey, turns.decodeTps, H * B);
  const buckets: DepthRow[] = DEPTH_BUCKETS.map((bucket, b) => ({
    bucket: bucket.label,
    cells: harnesses.map((harness, h) => ({
      harness,
      ttftN: ttftByBucket.n[h * B + b]!,
      medianTtftMs: ttftByBucket.median[h * B + b]!,
      decodeN: decodeByBucket.n[h * B + b]!,
      medianDecodeTps: decodeByBucket.median[h * B + b]!,
    })),
  })).filter((row) => row.cells.some((c) => c.ttftN > 0 || c.decodeN > 0));

  const T = maxTurn + 1;
  const turnKey = new Int32Array(turns.length);
  for (let i = 0; i < turns.length; i++) {
    const h = hOf[turns.trial[i]!]!;
    const ti = turns.turnIndex[i]!;
    turnKey[i] = h < 0 || ti < 0 ? -1 : h * T + ti;
  }
  const ttftByTurn = groupedMedians(turnKey, turns.ttftMs, H * T);
  const byTurn: TurnIndexRow[] = [];
  for (let ti = 0; ti < T; ti++) {
    const cells = harnesses.map((harness, h) => ({ harness, n: ttftByTurn.n[h * T + ti]!, medianTtftMs: ttftByTurn.median[h * T + ti]! }));
    if (cells.some((c) => c.n > 0)) byTurn.push({ turnIndex: ti, cells });
  }

  const prompt = new Float64Array(H);
  const cached = new Float64Array(H);
  const count = new Int32Array(H);
  for (let i = 0; i < turns.length; i++) {
    const h = hOf[turns.trial[i]!]!;
    const pt = turns.promptTokens[i]!;
    const ct = turns.cachedTokens[i]!;
    if (h < 0 || pt !== pt) continue;
    count[h]!++;
    prompt[h]! += pt;
    if (ct === ct) cached[h]! += ct;
  }
  const cache = harnesses.map((harness, h) => ({
    harness,
    turns: count[h]!,
    promptTokens: prompt[h]!,
    cachedTokens: cached[h]!,
    share: prompt[h]! > 0 ? cached[h]! / prompt[h]! : null,
  }));
  return { buckets, byTurn, cache };
}

function buildBreakdown(data: SweepData, p: Prepared): BreakdownRow[] {
  const { turns } = data;
  const H = p.harnesses.length;
  const ttft = new Float64Array(H), model = new Float64Array(H), exec = new Float64Array(H), wait = new Float64Array(H);
  for (let i = 0; i < turns.length; i++) {
    const tr = turns.trial[i]!;
    if (!p.clean[tr]) continue;
    const h = p.trialH[tr]!;
    const m = turns.modelMs[i]!;
    const f = turns.ttftMs[i]!;
    if (m === m) {
      model[h]! += m;
      if (f === f) ttft[h]! += Math.min(f, m);
    } else if (f === f) {
      model[h]! += f; // a turn with a first token but no total: count what is known
      ttft[h]! += f;
    }
    const e = turns.execMs[i]!;
    const w = turns.waitMs[i]!;
    if (e === e) exec[h]! += e;
    if (w === w) wait[h]! += w;
  }
  const n = new Int32Array(H), wallMs = new Float64Array(H), setup = new Float64Array(H), verify = new Float64Array(H);
  data.trials.forEach((t, i) => {
    if (!p.clean[i]) return;
    const h = p.trialH[i]!;
    n[h]!++;
    wallMs[h]! += t.wallMs!;
    setup[h]! += t.setupMs ?? 0;
    verify[h]! += t.verifyMs ?? 0;
  });
  return p.harnesses.map((harness, h) => {
    const partsMs: Record<WallPart, number> = {
      ttft: ttft[h]!,
      decode: model[h]! - ttft[h]!,
      exec: exec[h]!,
      wait: wait[h]!,
      setup: setup[h]!,
      verify: verify[h]!,
      other: 0,
    };
    partsMs.other = wallMs[h]! - (partsMs.ttft + partsMs.decode + partsMs.exec + partsMs.wait + partsMs.setup + partsMs.verify);
    const perTrialS = {} as Record<WallPart, number | null>;
    const shares = {} as Record<WallPart, number | null>;
    for (const part of WALL_PARTS) {
      perTrialS[part] = n[h]! > 0 ? partsMs[part] / 1000 / n[h]! : null;
      shares[part] = wallMs[h]! > 0 ? partsMs[part] / wallMs[h]! : null;
    }
    return { harness, cleanN: n[h]!, wallPerTrialS: n[h]! > 0 ? wallMs[h]! / 1000 / n[h]! : null, perTrialS, shares };
  });
}

function buildHonest(data: SweepData, p: Prepared, simulated: boolean, outcomes: OutcomeCell[], walls: WallRow[], run: RunRow[]): HonestRead {
  const byKind = new Map<string, Record<string, number>>();
  for (const [i, t] of data.trials.entries()) {
    if (p.trialH[i] === -1 || isAgentOutcome(t.status)) continue;
    const rec = byKind.get(t.status) ?? {};
    rec[t.harness] = (rec[t.harness] ?? 0) + 1;
    byKind.set(t.status, rec);
  }
  const kindOrder = (k: string): number => {
    const i = (SUBSTRATE_OUTCOMES as readonly string[]).indexOf(k);
    return i < 0 ? SUBSTRATE_OUTCOMES.length : i;
  };
  const substrateByKind = [...byKind.entries()]
    .sort((a, b) => kindOrder(a[0]) - kindOrder(b[0]) || a[0].localeCompare(b[0]))
    .map(([kind, byHarness]) => ({ kind, total: Object.values(byHarness).reduce((s, v) => s + v, 0), byHarness }));
  const restarts = data.servingEvents
    .filter((e) => e.kind === 'restart')
    .map((e) => ({ at: e.at, reason: e.reason, durationS: e.durationMs === null ? null : e.durationMs / 1000, trialsDone: e.trialsDone }));
  const crashes = data.servingEvents.filter((e) => e.kind === 'crash').length;
  const canaries = data.servingEvents.filter((e) => e.kind === 'canary').length;
  const pending = {
    running: data.trials.filter((t) => t.status === 'running').length,
    interrupted: data.trials.filter((t) => t.status === 'interrupted').length,
  };
  const cellsBelowThree = walls.flatMap((w) => w.cells.filter((c) => c.n < 3).map((c) => ({ harness: c.harness, task: w.task, n: c.n })));

  const lines: string[] = [];
  if (simulated) lines.push(`${SIMULATED_NOTICE} Read the walls and ratios as a test of pairbench itself, never as a harness comparison.`);
  const finished = p.finished;
  const substrate = substrateByKind.reduce((s, k) => s + k.total, 0);
  lines.push(
    substrate === 0
      ? `All ${finished} finished trials reached an agent outcome; no substrate errors.`
      : `${substrate} of ${finished} finished trials ended in a substrate error (${substrateByKind.map((k) => `${k.kind} ${k.total}`).join(', ')}); they are out of every pass-rate denominator and every wall.`,
  );
  if (restarts.length > 0) {
    lines.push(
      `The serving layer restarted ${restarts.length} time${restarts.length === 1 ? '' : 's'}: ${restarts
        .map((r) => `${r.reason ?? 'no reason given'}${r.durationS === null ? '' : ` (took ${seconds(r.durationS)})`}`)
        .join('; ')}.`,
    );
  } else {
    lines.push('The serving layer did not restart during the sweep.');
  }
  if (crashes > 0) lines.push(`The serving layer crashed ${crashes} time${crashes === 1 ? '' : 's'}.`);
  if (canaries > 0) lines.push(`${canaries} canary check${canaries === 1 ? '' : 's'} ran.`);
  lines.push(
    p.paired
      ? 'The sweep was paired: every harness ran every (task, trial index) slot, so intervals resample slots and keep each pair together.'
      : 'The sweep was not paired (some harness missed a slot), so intervals resample each harness on its own.',
  );
  const ns = outcomes.map((o) => o.cleanN);
  if (ns.length > 0) lines.push(`Clean trials per cell: ${Math.min(...ns)} to ${Math.max(...ns)}.`);
  if (cellsBelowThree.length > 0) {
    lines.push(
      `${cellsBelowThree.length} cell${cellsBelowThree.length === 1 ? ' has' : 's have'} fewer than 3 clean trials (${cellsBelowThree
        .map((c) => `${c.harness} on ${c.task}: n=${c.n}`)
        .join('; ')}): enough for direction, not for a tight interval.`,
    );
  }
  const crossing = [
    ...walls.flatMap((w) => w.ratios.filter((r) => r.value.crossesOne).map((r) => `${r.harness} on ${w.task}`)),
    ...run.filter((r) => r.wallRatio?.crossesOne).map((r) => `${r.harness} over the run`),
  ];
  if (crossing.length > 0) lines.push(`Wall-ratio intervals that cross 1× (no settled winner): ${crossing.join('; ')}.`);
  if (pending.running + pending.interrupted > 0) {
    lines.push(
      `Left out of every table: ${pending.running + pending.interrupted} trial${pending.running + pending.interrupted === 1 ? '' : 's'} that did not reach an outcome (${pending.running} running, ${pending.interrupted} interrupted).`,
    );
  }
  if (p.superseded > 0) lines.push(`${p.superseded} clean trial${p.superseded === 1 ? ' was' : 's were'} superseded by a later attempt on the same slot; walls use the latest.`);
  return { substrateByKind, restarts, crashes, canaries, pending, superseded: p.superseded, cellsBelowThree, lines };
}

/** Evenly spaced picks (first and last included), so thinning keeps the shape of the data. */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))]!);
  return out;
}

function buildCharts(data: SweepData, p: Prepared): ChartData {
  const walls: ChartData['walls'] = [];
  const T = p.tasks.length;
  p.tasks.forEach((task, k) => {
    p.harnesses.forEach((harness, h) => {
      const sorted = p.cleanRows[h * T + k]!.map((i) => data.trials[i]!.wallMs! / 1000).sort((a, b) => a - b);
      const q = sorted.length === 0 ? null : ([0, 0.25, 0.5, 0.75, 1].map((x) => percentileSorted(sorted, x)!) as ChartData['walls'][number]['q']);
      walls.push({ task, harness, n: sorted.length, points: thin(sorted, 200), q });
    });
  });
  const perHarness: [number, number][][] = p.harnesses.map(() => []);
  const { turns } = data;
  for (let i = 0; i < turns.length; i++) {
    const h = p.trialH[turns.trial[i]!]!;
    const x = turns.promptTokens[i]!;
    const y = turns.ttftMs[i]!;
    if (h >= 0 && x === x && y === y) perHarness[h]!.push([x, y]);
  }
  return { walls, ttftDepth: p.harnesses.map((harness, h) => ({ harness, points: thin(perHarness[h]!, 1500) })) };
}

