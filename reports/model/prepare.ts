// The sweep's trials coded as integers once (harness, task, clean or not), the baseline chosen,
// and the bootstrap's resampling units: what every table is built from.

import { isAgentOutcome } from '../../core/outcomes.js';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { SweepData } from '../queries.js';

/** What is known of a sweep before its turns are read: all that the bootstrap's units need. */
export type SweepTrials = Pick<SweepData, 'sweep' | 'trials'>;
import type { ResampleGroup } from '../bootstrap.js';

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

/** Per status code: running or interrupted (no outcome yet). */
const pendingCodes = (c: SweepData['trials']): boolean[] => c.statusNames.map(isPending);

/** The harnesses with a finished trial, by name. */
function finishedNames(c: SweepData['trials'], column: Int32Array, names: string[]): Set<string> {
  const pending = pendingCodes(c);
  const seen = new Uint8Array(names.length);
  for (let i = 0; i < c.length; i++) if (!pending[c.status[i]!]) seen[column[i]!] = 1;
  return new Set(names.filter((_, code) => seen[code] === 1));
}

/** Whether `harness` finished any trial of the sweep. */
export function hasFinished(data: SweepTrials, harness: string): boolean {
  return finishedNames(data.trials, data.trials.harness, data.trials.harnessNames).has(harness);
}

export function chooseBaseline(data: SweepTrials, requested: string | undefined): string {
  const present = finishedNames(data.trials, data.trials.harness, data.trials.harnessNames);
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
  /** Per trial row: its slot, the position of its trial index in its task's `slots`; -1 when left out. */
  slotOf: Int32Array;
  /** Per trial row: 1 when its wall counts (clean, and the latest attempt on its slot). */
  clean: Uint8Array;
  /**
   * Per trial row: its harness index when its wall counts, else -1. The turn tables read the
   * same attempts as the wall tables: a substrate attempt's turns (a stalled server's, say)
   * would otherwise pull the TTFT and cache figures its walls left out.
   */
  cleanH: Int32Array;
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

export function prepare(data: SweepTrials, baseline: string): Prepared {
  const c = data.trials;
  const n = c.length;
  const harnesses = orderNames(finishedNames(c, c.harness, c.harnessNames), data.sweep.plannedHarnesses, baseline);
  const tasks = orderNames(finishedNames(c, c.task, c.taskNames), data.sweep.plannedTasks);
  // Stored codes -> report indices (-1: a name only pending rows carry).
  const hOfCode = Int32Array.from(c.harnessNames, (name) => harnesses.indexOf(name));
  const tOfCode = Int32Array.from(c.taskNames, (name) => tasks.indexOf(name));
  const pending = pendingCodes(c);
  const agentCode = c.statusNames.map(isAgentOutcome);
  const passCode = c.statusNames.indexOf('pass');
  const harnessErrorCode = c.statusNames.indexOf('harness_error');
  const H = harnesses.length;
  const T = tasks.length;
  const trialH = new Int32Array(n).fill(-1);
  const trialT = new Int32Array(n).fill(-1);
  const clean = new Uint8Array(n);
  const cellTrials = new Int32Array(H * T);
  const cellPasses = new Int32Array(H * T);
  const cellAgent = new Int32Array(H * T);
  const cellHarnessErrors = new Int32Array(H * T);
  // Each task's slots first (the trial indices any harness finished there, ascending), so a
  // row's slot is a dense index and the per-cell tallies below are typed arrays, not Maps.
  // Counted, placed side by side and sorted as typed arrays: no comparator called per pair.
  const taskStart = new Int32Array(T + 1);
  for (let i = 0; i < n; i++) {
    const status = c.status[i]!;
    if (pending[status]) continue;
    const k = tOfCode[c.task[i]!]!;
    trialH[i] = hOfCode[c.harness[i]!]!;
    trialT[i] = k;
    taskStart[k + 1]!++;
  }
  for (let k = 0; k < T; k++) taskStart[k + 1]! += taskStart[k]!;
  const indices = new Int32Array(taskStart[T]!);
  const fill = taskStart.slice(0, T);
  for (let i = 0; i < n; i++) if (trialT[i]! >= 0) indices[fill[trialT[i]!]!++] = c.trialIndex[i]!;
  const slots = Array.from({ length: T }, (_, k) => {
    const sorted = indices.subarray(taskStart[k]!, taskStart[k + 1]!).sort();
    const list: number[] = [];
    for (let j = 0; j < sorted.length; j++) if (j === 0 || sorted[j] !== sorted[j - 1]) list.push(sorted[j]!);
    return list;
  });
  // Cell (h, k)'s slot u lives at h * S + slotStart[k] + u: at most harnesses x trials entries.
  const slotStart = new Int32Array(T + 1);
  for (let k = 0; k < T; k++) slotStart[k + 1] = slotStart[k]! + slots[k]!.length;
  const S = slotStart[T]!;
  const slotOf = new Int32Array(n).fill(-1);
  const chosen = new Int32Array(H * S).fill(-1);
  const ran = new Uint8Array(H * S);
  const ranCount = new Int32Array(H * T);
  let finished = 0;
  let superseded = 0;
  for (let i = 0; i < n; i++) {
    const h = trialH[i]!;
    if (h < 0) continue;
    const k = trialT[i]!;
    const status = c.status[i]!;
    const cell = h * T + k;
    const u = lowerBound(slots[k]!, c.trialIndex[i]!);
    slotOf[i] = u;
    const at = h * S + slotStart[k]! + u;
    finished++;
    cellTrials[cell]!++;
    if (ran[at] === 0) {
      ran[at] = 1;
      ranCount[cell]!++;
    }
    if (!agentCode[status]) continue; // anything finished that is not an agent outcome is the machine's fault
    cellAgent[cell]!++;
    if (status === passCode) cellPasses[cell]!++;
    else if (status === harnessErrorCode) cellHarnessErrors[cell]!++;
    if (c.wallMs[i] !== c.wallMs[i]) continue;
    // Clean: the agent, not the machine, ended it. A later attempt on the same slot wins.
    const prev = chosen[at]!;
    if (prev >= 0) superseded++;
    if (prev < 0 || c.attempt[i]! > c.attempt[prev]!) chosen[at] = i;
  }
  // Each cell's clean rows by trial index: its slots in order.
  const cleanRows: number[][] = [];
  for (let h = 0; h < H; h++) {
    for (let k = 0; k < T; k++) {
      const rows: number[] = [];
      for (let at = h * S + slotStart[k]!, end = h * S + slotStart[k + 1]!; at < end; at++) {
        const i = chosen[at]!;
        if (i >= 0) {
          rows.push(i);
          clean[i] = 1;
        }
      }
      cleanRows.push(rows);
    }
  }
  // Paired: on every (task, trial index) that any harness finished, every harness finished.
  const paired = H > 1 && slots.every((list, k) => harnesses.every((_, h) => ranCount[h * T + k] === list.length));
  const cleanH = trialH.map((h, i) => (clean[i] ? h : -1));
  return { harnesses, tasks, trialH, trialT, slotOf, clean, cleanH, cleanRows, cellTrials, cellPasses, cellAgent, cellHarnessErrors, slots, finished, superseded, paired };
}

/** The first position in ascending `list` holding `v` (or where it would go). */
function lowerBound(list: number[], v: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The clean trial rows of one harness on one task, by trial index. */
export function cleanRowsOf(p: Prepared, harness: string, task: string): number[] {
  const h = p.harnesses.indexOf(harness);
  const k = p.tasks.indexOf(task);
  return h < 0 || k < 0 ? [] : p.cleanRows[h * p.tasks.length + k]!;
}

/** Trial rows as a resample group of their own: one arm, each trial its own unit. */
export function armGroup(data: SweepTrials, rows: number[], arm: number): ResampleGroup {
  return {
    arms: [arm],
    units: rows.length,
    wall: Float64Array.from(rows, (i) => data.trials.wallMs[i]! / 1000),
    pass: Float64Array.from(rows, (i) => (data.trials.statusNames[data.trials.status[i]!] === 'pass' ? 1 : 0)),
  };
}

/** Builds the bootstrap's units: slots when paired, each harness's own trials when not. */
export function buildStrata(data: SweepTrials, p: Prepared): ResampleGroup[][] {
  const H = p.harnesses.length;
  const T = p.tasks.length;
  const c = data.trials;
  const passCode = c.statusNames.indexOf('pass');
  return p.tasks.map((_, k) => {
    if (p.paired) {
      const units = p.slots[k]!;
      const wall = new Float64Array(units.length * H).fill(NaN);
      const pass = new Float64Array(units.length * H);
      for (let h = 0; h < H; h++) {
        for (const i of p.cleanRows[h * T + k]!) {
          const u = p.slotOf[i]!;
          wall[u * H + h] = c.wallMs[i]! / 1000;
          pass[u * H + h] = c.status[i] === passCode ? 1 : 0;
        }
      }
      return [{ arms: p.harnesses.map((_, h) => h), units: units.length, wall, pass }];
    }
    return p.harnesses.map((_, h) => armGroup(data, p.cleanRows[h * T + k]!, h));
  });
}

/** Clean trials in `rows`: how many, their summed wall in seconds, and their passes. */
export function wallStats(data: SweepData, rows: number[]): { n: number; sumS: number; passes: number } {
  const c = data.trials;
  const passCode = c.statusNames.indexOf('pass');
  let sumS = 0;
  let passes = 0;
  for (const i of rows) {
    sumS += c.wallMs[i]! / 1000;
    if (c.status[i] === passCode) passes++;
  }
  return { n: rows.length, sumS, passes };
}
