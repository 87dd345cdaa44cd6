// Per trial, its turns' parts of the wall summed during the turn read: "where the wall goes"
// needs no more of them, and three columns of millions of rows are memory the process must
// fault in. Each trial's sum is taken in turn-index order, whatever order its rows came in,
// so a scan and a read through the index give the same bits (reports/turn-columns.ts).

import type { Db } from '../store/db.js';
import type { TrialIds } from './trial-ids.js';

export interface TurnWallSums {
  /** Model time: each turn's total, or its first token where it has no total. */
  modelMs: Float64Array;
  /** The first-token part of that: min(first token, total), or the first token alone. */
  ttftMs: Float64Array;
  execMs: Float64Array;
  waitMs: Float64Array;
}

export function newWallSums(trials: number): TurnWallSums {
  return { modelMs: new Float64Array(trials), ttftMs: new Float64Array(trials), execMs: new Float64Array(trials), waitMs: new Float64Array(trials) };
}

export function wallSumsOf(s: TurnWallSums, from: number, to: number): TurnWallSums {
  return { modelMs: s.modelMs.subarray(from, to), ttftMs: s.ttftMs.subarray(from, to), execMs: s.execMs.subarray(from, to), waitMs: s.waitMs.subarray(from, to) };
}

/** A stored value as a number column reads it: NULL is NaN, anything else converted as a Float64Array would. */
const num = (v: unknown): number => (v === null || v === undefined ? NaN : +(v as number));

/** Adds one turn's parts to trial `at`. */
export function addTurnParts(s: TurnWallSums, at: number, ttft: unknown, model: unknown, exec: unknown, wait: unknown): void {
  const f = num(ttft);
  const m = num(model);
  if (m === m) {
    s.modelMs[at]! += m;
    if (f === f) s.ttftMs[at]! += Math.min(f, m);
  } else if (f === f) {
    s.modelMs[at]! += f; // a first token but no total: count what is known
    s.ttftMs[at]! += f;
  }
  const e = num(exec);
  const w = num(wait);
  if (e === e) s.execMs[at]! += e;
  if (w === w) s.waitMs[at]! += w;
}

/**
 * Sums again, in turn-index order, the trials at `positions` (of `ids`), whose turns came
 * out of it: written in another order (an agent's concurrent calls each recorded as it
 * ends), a scan meets them by rowid. Floating-point sums depend on their order.
 */
export function resumInTurnOrder(db: Db, s: TurnWallSums, ids: TrialIds, positions: number[]): void {
  const at = new Map(positions.map((p) => [ids.at(p), p]));
  for (const p of positions) s.modelMs[p] = s.ttftMs[p] = s.execMs[p] = s.waitMs[p] = 0;
  const rows = db
    .prepare('SELECT trial_id, ttft_ms, model_ms, exec_ms, wait_ms FROM turns WHERE trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id, turn_index')
    .raw()
    .all(JSON.stringify([...at.keys()])) as [string, unknown, unknown, unknown, unknown][];
  for (const [id, ttft, model, exec, wait] of rows) addTurnParts(s, at.get(id)!, ttft, model, exec, wait);
}
