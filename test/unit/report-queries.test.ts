// The report reads a sweep's turns by scanning the store when the sweep is most of it, through
// the index otherwise: both give the same columns, in one order (trials in slot order, each
// trial's turns by turn index), whatever order the rows were written in.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateFixtureDb } from '../../fixtures/db/generate.js';
import { openStore } from '../../store/db.js';
import { insertTrialStart, insertTurn } from '../../store/records.js';
import { emptyTurn } from '../../core/turn.js';
import { loadSweepData, loadSweepsData } from '../../reports/queries.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-report-queries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A terse trial of sweep-1, written by hand; each test adds its id and slot. */
const TERSE_TRIAL = { sweep_id: 'sweep-1', group_index: 0, harness: 'terse', harness_base: 'terse', harness_config_json: null, task: 't', attempt: 1, simulated: false, container_name: null, trial_dir: null, started_at: '2025-01-06T09:00:00.000Z' };

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));

it('reads the same turns by scan (all sweeps) and by index (one sweep of three)', () => {
  const path = join(dir, 'three.db');
  generateFixtureDb(path, { sweeps: 3, trials: 3, seed: 7, withSubstrateErrors: 0.2, withPending: true, withRestart: true, sweepSpeed: [1, 0.8, 1.2] });
  const db = openStore(path, { readonly: true });
  try {
    const ones = ['sweep-1', 'sweep-2', 'sweep-3'].map((id) => loadSweepData(db, id)); // each a third of the store: the index
    // The index's reads all over the file go mapped; a scan reads pages as sqlite3 does.
    expect(db.pragma('mmap_size', { simple: true })).toBeGreaterThan(0);
    const all = loadSweepsData(db, ['sweep-1', 'sweep-2', 'sweep-3']); // every trial of the store: a scan
    expect(db.pragma('mmap_size', { simple: true })).toBe(0);
    for (const [i, one] of ones.entries()) {
      expect(one.turns.length).toBeGreaterThan(0);
      expect(plain(all[i])).toEqual(plain(one));
    }
    // The same sweep twice (compare a sweep with itself) is read once and given to both.
    const [a, b] = loadSweepsData(db, ['sweep-2', 'sweep-2']);
    expect(b).toBe(a);
  } finally {
    db.close();
  }
});

it('reads a sweep that is still being written as one moment of it: nothing written during the read', () => {
  const path = join(dir, 'live.db');
  generateFixtureDb(path, { trials: 2, seed: 3 });
  const w = openStore(path);
  const db = openStore(path, { readonly: true });
  try {
    const before = loadSweepData(db, 'sweep-1');
    const [last] = w.prepare('SELECT trial_id AS id, max(turn_index) AS k FROM turns GROUP BY trial_id ORDER BY trial_id LIMIT 1').all() as { id: string; k: number }[];
    // The sweep goes on between the trials' read and the turns': a turn, a trial and its turn.
    const during = loadSweepsData(db, ['sweep-1'], 'all', () => {
      insertTurn(w, last!.id, { ...emptyTurn(last!.k + 1), ttft_ms: 999, model_ms: 999 });
      insertTrialStart(w, { ...TERSE_TRIAL, id: 'written-during', slot_index: 50, trial_index: 50 });
      insertTurn(w, 'written-during', { ...emptyTurn(0), ttft_ms: 5 });
    })[0]!;
    expect(plain(during)).toEqual(plain(before));
    // Read again, the report has them.
    const after = loadSweepData(db, 'sweep-1');
    expect(after.turns.length).toBe(before.turns.length + 2);
    expect(after.trials.length).toBe(before.trials.length + 1);
  } finally {
    db.close();
    w.close();
  }
});

it("sums each trial's model, exec and wait times in the scan, as SQL sums its turns", () => {
  const path = join(dir, 'sums.db');
  generateFixtureDb(path, { trials: 4, seed: 11, withSubstrateErrors: 0.2 });
  const w = openStore(path);
  // A turn with a first token and no total counts its first token as model time.
  const [first] = w.prepare("SELECT trial_id AS id, max(turn_index) AS k FROM turns GROUP BY trial_id ORDER BY trial_id LIMIT 1").all() as { id: string; k: number }[];
  insertTurn(w, first!.id, { ...emptyTurn(first!.k + 1), ttft_ms: 70, model_ms: null, exec_ms: 5 });
  // A damaged store's text where a time belongs counts as nothing, as a NULL does; the sum stays a number.
  w.prepare("UPDATE turns SET wait_ms = 'n/a' WHERE trial_id = ? AND turn_index = ?").run(first!.id, first!.k + 1);
  w.close();
  const db = openStore(path, { readonly: true });
  try {
    const d = loadSweepData(db, 'sweep-1');
    const ids = db.prepare('SELECT id FROM trials WHERE sweep_id = ? ORDER BY slot_index, rowid').pluck().all('sweep-1') as string[];
    const want = db.prepare(
      `SELECT coalesce(sum(coalesce(model_ms, ttft_ms)), 0) AS model, coalesce(sum(CASE WHEN model_ms IS NULL THEN ttft_ms ELSE min(ttft_ms, model_ms) END), 0) AS ttft,
         coalesce(sum(exec_ms), 0) AS exec, coalesce(sum(wait_ms), 0) AS wait FROM turns WHERE trial_id = ?`,
    );
    expect(ids).toContain(first!.id);
    ids.forEach((id, i) => {
      const s = want.get(id) as { model: number; ttft: number; exec: number; wait: number };
      expect(d.wallSums!.modelMs[i]).toBeCloseTo(s.model, 6);
      expect(d.wallSums!.ttftMs[i]).toBeCloseTo(s.ttft, 6);
      expect(d.wallSums!.execMs[i]).toBeCloseTo(s.exec, 6);
      expect(d.wallSums!.waitMs[i]).toBeCloseTo(s.wait, 6);
    });
  } finally {
    db.close();
  }
});

it("sums a trial's wall parts in turn order, to the bit, however its turns were written", () => {
  const path = join(dir, 'disordered.db');
  generateFixtureDb(path, { sweeps: 3, trials: 2, seed: 5 });
  const w = openStore(path);
  insertTrialStart(w, { ...TERSE_TRIAL, id: 'disordered', slot_index: 99, trial_index: 99 });
  // Recorded as each ended (2, then 0, then 1): added in that order the sum has other bits.
  const exec: Record<number, number> = { 0: 1.1, 1: 1e15 + 0.3, 2: 2.7 };
  for (const k of [2, 0, 1]) insertTurn(w, 'disordered', { ...emptyTurn(k), exec_ms: exec[k]!, ttft_ms: 10, model_ms: 20 });
  // The same past the turn index the columns fold into their last (65,535): still seen out of order.
  insertTrialStart(w, { ...TERSE_TRIAL, id: 'disordered-deep', slot_index: 98, trial_index: 98 });
  for (const k of [2, 0, 1]) insertTurn(w, 'disordered-deep', { ...emptyTurn(70_000 + k), exec_ms: exec[k]!, ttft_ms: 10, model_ms: 20 });
  w.close();
  const db = openStore(path, { readonly: true });
  try {
    const inOrder = exec[0]! + exec[1]! + exec[2]!;
    expect(exec[2]! + exec[0]! + exec[1]!).not.toBe(inOrder);
    const byIndex = loadSweepData(db, 'sweep-1'); // a third of the store: the index
    const [byScan] = loadSweepsData(db, ['sweep-1', 'sweep-2', 'sweep-3']); // a scan, by rowid
    const at = (d: typeof byIndex): number => Array.from(d.trials.trialIndex).indexOf(99);
    expect(byIndex.wallSums!.execMs[at(byIndex)]).toBe(inOrder);
    expect(byScan!.wallSums!.execMs[at(byScan!)]).toBe(inOrder);
    expect(byScan!.wallSums!.modelMs[at(byScan!)]).toBe(60);
    const deep = (d: typeof byIndex): number => Array.from(d.trials.trialIndex).indexOf(98);
    expect(byScan!.wallSums!.execMs[deep(byScan!)]).toBe(inOrder);
    expect(byIndex.wallSums!.execMs[deep(byIndex)]).toBe(inOrder);
    expect(plain(byScan!.wallSums)).toEqual(plain(byIndex.wallSums));
  } finally {
    db.close();
  }
});

it('puts each trial turns in turn order and the trials in slot order, however they were written', () => {
  const path = join(dir, 'shuffled.db');
  generateFixtureDb(path, { trials: 1, tasks: ['t'], harnesses: ['terse'], turnsPerTrial: 2, seed: 1 });
  const w = openStore(path);
  // Written in the order slot 9, then slot 5; turns 2, 0, 1.
  insertTrialStart(w, { ...TERSE_TRIAL, id: 'late-slot', slot_index: 9, trial_index: 9 });
  insertTrialStart(w, { ...TERSE_TRIAL, id: 'early-slot', slot_index: 5, trial_index: 5 });
  for (const k of [2, 0, 1]) insertTurn(w, 'late-slot', { ...emptyTurn(k), ttft_ms: 100 + k });
  for (const k of [1, 0]) insertTurn(w, 'early-slot', { ...emptyTurn(k), ttft_ms: 200 + k });
  w.close();
  const db = openStore(path, { readonly: true });
  try {
    const d = loadSweepData(db, 'sweep-1'); // the only sweep: a scan
    const rows = Array.from(d.trials.trialIndex);
    expect(rows.slice(-2)).toEqual([5, 9]);
    const tail = Array.from(d.turns.ttftMs.subarray(d.turns.length - 5));
    expect(tail).toEqual([200, 201, 100, 101, 102]);
    expect(Array.from(d.turns.turnIndex.subarray(d.turns.length - 5))).toEqual([0, 1, 0, 1, 2]);
  } finally {
    db.close();
  }
});

it("reads what an installed agent's levers reached, for the sweep that ran one only", () => {
  const path = join(dir, 'agent.db');
  generateFixtureDb(path, { sweeps: 2, trials: 1, tasks: ['t'], harnesses: ['terse'], turnsPerTrial: 1, seed: 3 });
  const w = openStore(path);
  const reached = { thinking: true, maxTokens: 512, prefixCacheOff: null };
  const start = { sweep_id: 'sweep-2', group_index: 0, harness_base: 'agent', task: 't', attempt: 1, simulated: false, container_name: null, trial_dir: null, started_at: '2025-01-06T09:00:00.000Z' };
  insertTrialStart(w, { ...start, id: 'agent-1', harness: 'agent-x', harness_config_json: JSON.stringify({ leversReached: reached }), slot_index: 7, trial_index: 7 });
  w.close();
  const db = openStore(path, { readonly: true });
  try {
    const [one, two] = loadSweepsData(db, ['sweep-1', 'sweep-2']);
    expect(one!.agentLevers).toEqual([]);
    expect(two!.agentLevers).toEqual([{ harness: 'agent-x', reached }]);
  } finally {
    db.close();
  }
});
