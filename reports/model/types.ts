// The Report every renderer draws from: its tables' row shapes and the constants they share.

import type { SweepInfo } from '../queries.js';
import type { Interval } from '../bootstrap.js';

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

export const WALL_PARTS = ['ttft', 'decode', 'exec', 'wait', 'agent', 'setup', 'verify', 'other'] as const;
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
  /**
   * Only the tables compare prints of each sweep: the by-turn and where-the-wall-goes tables
   * are left empty, and the turns' wall parts (model, exec, wait) are not read.
   */
  compareSide?: boolean | undefined;
}

export function ratioValue(ratio: number | null, ci: Interval | null): RatioValue {
  return { ratio, ci, crossesOne: ci !== null && ci[0] <= 1 && ci[1] >= 1 };
}
