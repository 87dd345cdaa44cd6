// A sweep's trials -> integer-coded columns: harness, task and status as indices into short
// name lists, numbers in typed arrays. Every table is a pass over these; an object per trial
// (100,000 of them in a large sweep) cost more to build and to collect than the tables did.

import type { Db } from '../store/db.js';
import { TrialIds } from './trial-ids.js';

/** One entry per trial of the sweep, in slot order; NaN where the store holds NULL. */
export interface TrialColumns {
  length: number;
  /** The names the coded columns index, in the order the rows first named them. */
  harnessNames: string[];
  taskNames: string[];
  statusNames: string[];
  harness: Int32Array;
  task: Int32Array;
  status: Int32Array;
  trialIndex: Int32Array;
  attempt: Int32Array;
  wallMs: Float64Array;
  setupMs: Float64Array;
  /** The agent phase, for an installed agent the CLI's whole run. */
  agentMs: Float64Array;
  verifyMs: Float64Array;
  /** 1 for an installed agent (harness_base agent): pairbench sees its model calls, not its tools. */
  installedAgent: Uint8Array;
  simulated: Uint8Array;
}

/** One trial as a plain object: for tests and for code off the hot path. */
export interface TrialData {
  harness: string;
  task: string;
  trialIndex: number;
  attempt: number;
  status: string;
  wallMs: number | null;
  setupMs: number | null;
  agentMs: number | null;
  verifyMs: number | null;
  installedAgent: boolean;
  simulated: boolean;
}

const orNull = (v: number): number | null => (v === v ? v : null);

export function trialAt(c: TrialColumns, i: number): TrialData {
  return {
    harness: c.harnessNames[c.harness[i]!]!,
    task: c.taskNames[c.task[i]!]!,
    trialIndex: c.trialIndex[i]!,
    attempt: c.attempt[i]!,
    status: c.statusNames[c.status[i]!]!,
    wallMs: orNull(c.wallMs[i]!),
    setupMs: orNull(c.setupMs[i]!),
    agentMs: orNull(c.agentMs[i]!),
    verifyMs: orNull(c.verifyMs[i]!),
    installedAgent: c.installedAgent[i] === 1,
    simulated: c.simulated[i] === 1,
  };
}

export function trialRows(c: TrialColumns): TrialData[] {
  return Array.from({ length: c.length }, (_, i) => trialAt(c, i));
}

/** The code of a name in a coded column's list, adding the name when it is new. */
export function codeOf(names: string[], name: string): number {
  const at = names.indexOf(name);
  return at >= 0 ? at : names.push(name) - 1;
}

let fnCounter = 0;

export const countTrials = (db: Db, sweepId: string): number => (db.prepare('SELECT count(*) AS n FROM trials WHERE sweep_id = ?').get(sweepId) as { n: number }).n;

/**
 * The sweep's trials in slot order (the order every table and sum is taken in), and their ids
 * for matching turns. Through a SQL function, so a row is one call and nothing comes back per
 * row but its id, joined into one string by SQL. The rows are asked for in slot order, which
 * SQLite keeps for the aggregate in practice but does not promise: each row's slot and rowid
 * are kept, so any other order is put right here.
 */
export function readTrialColumns(db: Db, sweepId: string, n = countTrials(db, sweepId)): { trials: TrialColumns; ids: TrialIds } {
  const c = alloc(n);
  // Each coded column remembers its last name: rows in slot order repeat them in runs.
  const coder = (names: string[]): ((v: unknown) => number) => {
    const codes = new Map<string, number>();
    let last: unknown = null;
    let lastCode = -1;
    return (v) => {
      if (v === last) return lastCode;
      const s = String(v);
      let code = codes.get(s);
      if (code === undefined) codes.set(s, (code = names.push(s) - 1));
      last = v;
      lastCode = code;
      return code;
    };
  };
  const harness = coder(c.harnessNames);
  const task = coder(c.taskNames);
  const status = coder(c.statusNames);
  // (slot, rowid) per row, NULL slots first as ORDER BY puts them.
  const slots = new Float64Array(n);
  const rowids = new Float64Array(n);
  let inOrder = true;
  let i = 0;
  const fn = `pb_trial_${++fnCounter}`;
  db.function(fn, { deterministic: false, varargs: false }, (h, t, trialIndex, attempt, st, wall, setup, agent, verify, agentBase, simulated, slot, rowid) => {
    if (i === n) return 0; // rows written since the count: left for the next report
    c.harness[i] = harness(h);
    c.task[i] = task(t);
    c.status[i] = status(st);
    c.trialIndex[i] = Number(trialIndex);
    c.attempt[i] = Number(attempt);
    c.wallMs[i] = (wall as number | null) ?? NaN;
    c.setupMs[i] = (setup as number | null) ?? NaN;
    c.agentMs[i] = (agent as number | null) ?? NaN;
    c.verifyMs[i] = (verify as number | null) ?? NaN;
    c.installedAgent[i] = agentBase as number;
    c.simulated[i] = Number(simulated) === 1 ? 1 : 0;
    const k = (slot as number | null) ?? -Infinity;
    slots[i] = k;
    rowids[i] = rowid as number;
    if (i > 0 && (k < slots[i - 1]! || (k === slots[i - 1] && (rowid as number) < rowids[i - 1]!))) inOrder = false;
    i++;
    return 1;
  });
  // group_concat skips the NULL of a row the function left out, and takes each id in the same
  // step as the function its row. From a subquery, not naming an index: an older store's
  // `trials` is a view (store/db.ts, readAsCurrent), and a view has no index to name.
  const joined = db
    .prepare(
      `SELECT group_concat(CASE WHEN ${fn}(harness, task, trial_index, attempt, status, wall_ms, setup_ms, agent_ms, verify_ms, harness_base IS 'agent', simulated, slot_index, rid)
         THEN id END, char(0))
       FROM (SELECT id, harness, task, trial_index, attempt, status, wall_ms, setup_ms, agent_ms, verify_ms, harness_base, simulated, slot_index, rowid AS rid
             FROM trials WHERE sweep_id = ? ORDER BY slot_index, rowid)`,
    )
    .pluck()
    .get(sweepId) as string | null;
  const ids = TrialIds.joined(joined ?? '', i);
  if (inOrder) return { trials: shrink(c, i), ids };
  const order = slotOrder(slots.subarray(0, i), rowids.subarray(0, i));
  return { trials: permute(c, order), ids: ids.permuted(order) };
}

/** Positions sorted by (slot, rowid): the order `ORDER BY slot_index, rowid` gives. */
export function slotOrder(slots: Float64Array, rowids: Float64Array): Int32Array {
  const order = Int32Array.from({ length: slots.length }, (_, k) => k);
  return order.sort((a, b) => slots[a]! - slots[b]! || rowids[a]! - rowids[b]!);
}

function alloc(n: number): TrialColumns {
  return {
    length: n,
    harnessNames: [],
    taskNames: [],
    statusNames: [],
    harness: new Int32Array(n),
    task: new Int32Array(n),
    status: new Int32Array(n),
    trialIndex: new Int32Array(n),
    attempt: new Int32Array(n),
    wallMs: new Float64Array(n),
    setupMs: new Float64Array(n),
    agentMs: new Float64Array(n),
    verifyMs: new Float64Array(n),
    installedAgent: new Uint8Array(n),
    simulated: new Uint8Array(n),
  };
}

const ARRAYS = ['harness', 'task', 'status', 'trialIndex', 'attempt', 'wallMs', 'setupMs', 'agentMs', 'verifyMs', 'installedAgent', 'simulated'] as const;

/** The first n rows (rows deleted since the count leave the tail unused). */
function shrink(c: TrialColumns, n: number): TrialColumns {
  if (n === c.length) return c;
  const out = { ...c, length: n };
  for (const key of ARRAYS) (out[key] as Int32Array) = (c[key] as Int32Array).subarray(0, n);
  return out;
}

/** The rows at `order`, in that order. */
function permute(c: TrialColumns, order: Int32Array): TrialColumns {
  const out = alloc(order.length);
  out.harnessNames = c.harnessNames;
  out.taskNames = c.taskNames;
  out.statusNames = c.statusNames;
  for (const key of ARRAYS) {
    const src = c[key] as Int32Array;
    const dst = out[key] as Int32Array;
    for (let k = 0; k < order.length; k++) dst[k] = src[order[k]!]!;
  }
  return out;
}
