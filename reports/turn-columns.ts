// Turns (up to millions of rows) -> typed columns, read once for every sweep a command needs.
//
// How the rows are read depends on how much of the store they are. When the sweeps asked for
// hold most of its trials, one sequential scan of `turns` is cheapest: it reads each page once,
// as `sqlite3` summing the columns does. Otherwise each trial's turns are found through the
// primary-key index, which visits pages all over the file but reads only the rows asked for.
// Either way the rows are then put in one order (the sweep's trials in the order given, each
// trial's turns by turn index), and each trial's wall parts are summed in turn order
// (reports/wall-sums.ts), so the tables' sums come out bit for bit the same.

import type { Db } from '../store/db.js';
import { TrialIds } from './trial-ids.js';
import { addTurnParts, newWallSums, resumInTurnOrder, wallSumsOf, type TurnWallSums } from './wall-sums.js';

export type { TurnWallSums };

/** One entry per turn of the sweep's trials; NaN where the store holds NULL. */
export interface TurnColumns {
  length: number;
  trial: Int32Array; // index into SweepData.trials
  turnIndex: Int32Array;
  promptTokens: Float64Array;
  cachedTokens: Float64Array;
  ttftMs: Float64Array;
  decodeTps: Float64Array;
}

/**
 * Per trial, what its answers show of the levers it asked for (reports/levers.ts): tallied in
 * the same pass as the columns, and only for sweeps whose variants asked for one, so a report
 * of a sweep that stored levers reads its turns once, like any other.
 */
export interface LeverEvidence {
  /** Answered calls (a completion count), then those with reasoning, draft figures, cached tokens. */
  answers: Int32Array;
  reasoning: Int32Array;
  drafted: Int32Array;
  cached: Int32Array;
  /** The largest completion; NaN when none was answered. */
  largest: Float64Array;
}

/**
 * Which columns to read: all of them, or all but the wall's parts (model, exec and wait
 * times, not summed), which only "where the wall goes" reads.
 */
export type TurnRead = 'all' | 'no-wall-parts';

/** A scan beats the index once the sweeps hold this share of the store's trials. */
const SCAN_SHARE = 0.5;
/** Turn indices above this are folded into the last one (no harness runs 65k turns). */
const MAX_TURN_INDEX = 65_535;

let fnCounter = 0;

const maxRowid = (db: Db, table: 'trials' | 'turns'): number => (db.prepare(`SELECT max(rowid) AS n FROM ${table}`).get() as { n: number | null }).n ?? 0;

/** Whether reading the turns of `trials` trials scans the whole table (else it goes through the index). */
export const scansTurns = (db: Db, trials: number): boolean => scanPays(trials, maxRowid(db, 'trials'));
const scanPays = (trials: number, storeTrials: number): boolean => storeTrials > 0 && trials / storeTrials >= SCAN_SHARE;

/**
 * The turns of several sweeps' trials. `trialIds[s]` lists sweep `sweepIds[s]`'s trial ids in
 * the order its trials are held; each result's `trial` column indexes that list.
 */
export function readTurnColumns(
  db: Db,
  sweepIds: string[],
  trialIds: TrialIds[],
  evidenceFor: boolean[],
  read: TurnRead = 'all',
): { turns: TurnColumns[]; evidence: (LeverEvidence | null)[]; wall: (TurnWallSums | null)[] } {
  // Trial ids over all sweeps, sweep after sweep: a turn's trial is its id's position here.
  const all = TrialIds.concat(trialIds);
  const starts: number[] = [];
  let total = 0;
  for (const ids of trialIds) {
    starts.push(total);
    total += ids.length;
  }
  // Id -> position, built only when a turn's trial is not the one expected next.
  let position: Map<string, number> | null = null;
  const lookUp = (id: string): number => {
    position ??= new Map(all.toArray().map((x, i) => [x, i]));
    return position.get(id) ?? -1;
  };
  const storeTrials = maxRowid(db, 'trials');
  const scan = scanPays(total, storeTrials);

  // Rows arrive in the store's order; kept as they come, then placed below. Sized from the
  // store's average turns per trial (max rowids: free to read), grown by doubling if short.
  const storeTurns = maxRowid(db, 'turns');
  let capacity = Math.max(1024, Math.ceil(total * (storeTurns / Math.max(1, storeTrials)) * 1.05));
  let arrived = alloc(capacity);
  // The columns as locals: the callback runs once a turn, and a property load a column adds up.
  let trial = arrived.trial, turnIdx = arrived.turnIndex, promptTokens = arrived.promptTokens, cachedTokens = arrived.cachedTokens;
  let ttftMs = arrived.ttftMs, decodeTps = arrived.decodeTps;
  // The wall's parts, summed per trial by the same position as `trial`; the trials whose turns
  // came out of turn order are summed again in it once the read is done.
  const sums = read === 'all' ? newWallSums(total) : null;
  // The turn index as stored (the column folds some together), so any step back is seen.
  const lastTurn = sums ? new Float64Array(total).fill(-Infinity) : null;
  const disordered: number[] = [];
  // Lever evidence over all sweeps' trials, by the same position as `trial`; none when no
  // sweep asked, and then SQL does not pass its columns.
  const tally = evidenceFor.some(Boolean) ? newEvidence(total) : null;
  const answers = tally?.answers, reasoned = tally?.reasoning, drafted = tally?.drafted, cachedAny = tally?.cached, largest = tally?.largest;
  let n = 0;
  let lastId: unknown = null;
  let current = -1;
  let next = 0;
  const fn = `pb_turn_${++fnCounter}`;
  // varargs: the SQL passes only the columns this read needs (below); the rest arrive undefined.
  db.function(fn, { deterministic: false, varargs: true }, (id, turnIndex, prompt, cached, ttft, decode, model, exec, wait, completion, reasoningTokens, reasoningChars, draftN) => {
    // A trial's turns arrive together, and a sweep written one trial after another writes them
    // in the trials' order: the next trial (or one a few on, past trials without turns) is
    // tried before the map.
    if (id !== lastId) {
      lastId = id;
      current = -1;
      for (let k = next; k < next + 4 && k < total; k++) {
        if (all.is(k, id as string)) {
          current = k;
          break;
        }
      }
      if (current < 0) current = lookUp(id as string);
      if (current >= 0) next = current + 1;
    }
    if (current < 0) return 0; // another sweep's turn (scan only)
    if (n === capacity) {
      capacity *= 2;
      arrived = grow(arrived, capacity);
      ({ trial, turnIndex: turnIdx, promptTokens, cachedTokens, ttftMs, decodeTps } = arrived);
    }
    const ti = turnIndex as number;
    trial[n] = current;
    turnIdx[n] = ti < 0 ? 0 : ti > MAX_TURN_INDEX ? MAX_TURN_INDEX : ti;
    // Integers arrive as numbers (safeIntegers is off); NULL becomes NaN.
    promptTokens[n] = (prompt as number | null) ?? NaN;
    cachedTokens[n] = (cached as number | null) ?? NaN;
    ttftMs[n] = (ttft as number | null) ?? NaN;
    decodeTps[n] = (decode as number | null) ?? NaN;
    n++;
    if (sums !== null) {
      if (ti < lastTurn![current]!) disordered.push(current); // a trial may be pushed twice: summed again once
      lastTurn![current] = ti;
      addTurnParts(sums, current, ttft, model, exec, wait);
    }
    if (answers !== undefined && completion !== null) {
      answers[current]!++;
      if (((reasoningTokens as number | null) ?? 0) > 0 || ((reasoningChars as number | null) ?? 0) > 0) reasoned![current]!++;
      if (((draftN as number | null) ?? 0) > 0) drafted![current]!++;
      if ((cached as number | null) !== null && (cached as number) > 0) cachedAny![current]!++;
      const c = completion as number;
      if (!(largest![current]! >= c)) largest![current] = c;
    }
    return 0;
  });
  // Each argument costs about 30 ns a row, and an expression more than the columns it reads
  // (1M turns: the lever flags computed in SQL, +120 ms; their three columns passed, +35 ms).
  // So only what this read needs is passed: the wall's parts, then the lever evidence.
  const wallParts = read === 'all' ? ', u.model_ms, u.exec_ms, u.wait_ms' : tally ? ', NULL, NULL, NULL' : '';
  const evidenceColumns = tally ? ', u.completion_tokens, u.reasoning_tokens, u.reasoning_chars, u.draft_n' : '';
  const columns = `u.trial_id, u.turn_index, u.prompt_tokens, u.cached_tokens, u.ttft_ms, u.decode_tps${wallParts}${evidenceColumns}`;
  if (scan) {
    db.prepare(`SELECT count(${fn}(${columns})) FROM turns u`).get();
  } else {
    db.prepare(
      `SELECT count(${fn}(${columns})) FROM trials t JOIN turns u ON u.trial_id = t.id WHERE t.sweep_id IN (${sweepIds.map(() => '?').join(', ')})`,
    ).get(...sweepIds);
  }

  if (sums !== null && disordered.length > 0) resumInTurnOrder(db, sums, all, disordered);
  const placed = place(arrived, n, total);
  const turns = trialIds.map((ids, s) => {
    const from = placed.trialStart[starts[s]!]!;
    const to = placed.trialStart[starts[s]! + ids.length]!;
    const c = placed.columns;
    const trial = c.trial.subarray(from, to);
    const start = starts[s]!;
    for (let i = 0; i < trial.length; i++) trial[i] = trial[i]! - start;
    return {
      length: to - from,
      trial,
      turnIndex: c.turnIndex.subarray(from, to),
      promptTokens: c.promptTokens.subarray(from, to),
      cachedTokens: c.cachedTokens.subarray(from, to),
      ttftMs: c.ttftMs.subarray(from, to),
      decodeTps: c.decodeTps.subarray(from, to),
    };
  });
  const wall = trialIds.map((ids, s) => (sums ? wallSumsOf(sums, starts[s]!, starts[s]! + ids.length) : null));
  const evidence = trialIds.map((ids, s) => {
    if (!tally || !evidenceFor[s]) return null;
    const from = starts[s]!;
    const to = from + ids.length;
    return {
      answers: tally.answers.subarray(from, to),
      reasoning: tally.reasoning.subarray(from, to),
      drafted: tally.drafted.subarray(from, to),
      cached: tally.cached.subarray(from, to),
      largest: tally.largest.subarray(from, to),
    };
  });
  return { turns, evidence, wall };
}

function newEvidence(trials: number): LeverEvidence {
  return {
    answers: new Int32Array(trials),
    reasoning: new Int32Array(trials),
    drafted: new Int32Array(trials),
    cached: new Int32Array(trials),
    largest: new Float64Array(trials).fill(NaN),
  };
}

/**
 * Puts the rows in trial order (a counting sort: stable, so each trial's turns keep the order
 * they came in), then each trial's turns by turn index where they came in another order. Rows
 * a sweep wrote one trial after another usually arrive in order already: then nothing moves.
 */
function place(a: TurnColumns, n: number, trials: number): { columns: TurnColumns; trialStart: Int32Array } {
  const trialStart = new Int32Array(trials + 1);
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    trialStart[a.trial[i]! + 1]!++;
    if (i > 0 && (a.trial[i]! < a.trial[i - 1]! || (a.trial[i] === a.trial[i - 1] && a.turnIndex[i]! < a.turnIndex[i - 1]!))) inOrder = false;
  }
  for (let t = 0; t < trials; t++) trialStart[t + 1]! += trialStart[t]!;
  if (inOrder) return { columns: { ...a, length: n }, trialStart };
  const next = trialStart.slice(0, trials);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[next[a.trial[i]!]!++] = i;
  for (let t = 0; t < trials; t++) {
    const from = trialStart[t]!;
    const to = trialStart[t + 1]!;
    for (let k = from + 1; k < to; k++) {
      if (a.turnIndex[order[k]!]! < a.turnIndex[order[k - 1]!]!) {
        const sorted = Array.from(order.subarray(from, to)).sort((x, y) => a.turnIndex[x]! - a.turnIndex[y]!);
        order.set(sorted, from);
        break;
      }
    }
  }
  return {
    columns: {
      length: n,
      trial: gatherInt(a.trial, order),
      turnIndex: gatherInt(a.turnIndex, order),
      promptTokens: gather(a.promptTokens, order),
      cachedTokens: gather(a.cachedTokens, order),
      ttftMs: gather(a.ttftMs, order),
      decodeTps: gather(a.decodeTps, order),
    },
    trialStart,
  };
}

// One function per array type keeps each loop's element access monomorphic (several times faster).
function gather(src: Float64Array, order: Int32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = src[order[k]!]!;
  return out;
}

function gatherInt(src: Int32Array, order: Int32Array): Int32Array {
  const out = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) out[k] = src[order[k]!]!;
  return out;
}

const COLUMNS = ['trial', 'turnIndex', 'promptTokens', 'cachedTokens', 'ttftMs', 'decodeTps'] as const;

function alloc(capacity: number): TurnColumns {
  return {
    length: 0,
    trial: new Int32Array(capacity),
    turnIndex: new Int32Array(capacity),
    promptTokens: new Float64Array(capacity),
    cachedTokens: new Float64Array(capacity),
    ttftMs: new Float64Array(capacity),
    decodeTps: new Float64Array(capacity),
  };
}

function grow(old: TurnColumns, capacity: number): TurnColumns {
  const next = alloc(capacity);
  for (const key of COLUMNS) next[key].set(old[key]);
  return next;
}
