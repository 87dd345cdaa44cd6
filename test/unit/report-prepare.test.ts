import { describe, expect, it } from 'vitest';
import { buildStrata, prepare } from '../../reports/model/prepare.js';
import { codeOf, type TrialColumns } from '../../reports/trial-columns.js';
import type { SweepData } from '../../reports/queries.js';

type Row = [harness: string, task: string, trialIndex: number, attempt: number, status: string, wallMs: number | null];

/** A sweep of just these trials, in this order; no turns. */
function sweepOf(rows: Row[]): SweepData {
  const n = rows.length;
  const c: TrialColumns = {
    length: n, harnessNames: [], taskNames: [], statusNames: [],
    harness: new Int32Array(n), task: new Int32Array(n), status: new Int32Array(n), trialIndex: new Int32Array(n), attempt: new Int32Array(n),
    wallMs: new Float64Array(n), setupMs: new Float64Array(n), agentMs: new Float64Array(n), verifyMs: new Float64Array(n),
    installedAgent: new Uint8Array(n), simulated: new Uint8Array(n),
  };
  rows.forEach(([h, t, idx, attempt, status, wall], i) => {
    c.harness[i] = codeOf(c.harnessNames, h);
    c.task[i] = codeOf(c.taskNames, t);
    c.status[i] = codeOf(c.statusNames, status);
    c.trialIndex[i] = idx;
    c.attempt[i] = attempt;
    c.wallMs[i] = wall ?? NaN;
  });
  const none = new Float64Array(0);
  return {
    sweep: { id: 's', plannedHarnesses: ['a', 'b'], plannedTasks: ['x', 'y'] } as unknown as SweepData['sweep'],
    trials: c,
    turns: { length: 0, trial: new Int32Array(0), turnIndex: new Int32Array(0), promptTokens: none, cachedTokens: none, ttftMs: none, decodeTps: none },
    wallSums: null,
    servingEvents: [],
    agentLevers: [],
  };
}

describe('prepare', () => {
  it('keeps the latest clean attempt of a slot, orders clean rows by trial index, and finds slots however sparse', () => {
    const p = prepare(
      sweepOf([
        ['a', 'x', 1_000_000, 2, 'pass', 2000], // 0: attempt 2 arrives before attempt 1
        ['a', 'x', 1_000_000, 1, 'fail', 1000], // 1: superseded
        ['a', 'x', 7, 1, 'pass', 3000], // 2
        ['b', 'x', 7, 1, 'timeout', null], // 3: an agent outcome with no wall: not clean
        ['b', 'x', 1_000_000, 1, 'pass', 500], // 4
        ['a', 'y', -3, 1, 'pass', 100], // 5
        ['b', 'y', -3, 1, 'running', null], // 6: pending, left out
        ['b', 'y', 4, 1, 'pass', 200], // 7
      ]),
      'a',
    );
    expect(p.harnesses).toEqual(['a', 'b']);
    expect(p.tasks).toEqual(['x', 'y']);
    expect(p.slots).toEqual([[7, 1_000_000], [-3, 4]]);
    expect(Array.from(p.slotOf)).toEqual([1, 1, 0, 0, 1, 0, -1, 1]);
    // Cells h * tasks + t: (a, x), (a, y), (b, x), (b, y).
    expect(p.cleanRows).toEqual([[2, 0], [5], [4], [7]]);
    expect(p.superseded).toBe(1);
    expect(p.finished).toBe(7);
    expect(Array.from(p.cellTrials)).toEqual([3, 1, 2, 1]);
    // b never ran slot (y, -3) to an outcome, a never ran (y, 4): not paired.
    expect(p.paired).toBe(false);
  });

  it('pairs a sweep where every harness finished every slot, and lays each slot out as one unit', () => {
    const data = sweepOf([
      ['a', 'x', 5, 1, 'pass', 1000],
      ['b', 'x', 5, 1, 'fail', 4000],
      ['b', 'x', 2, 1, 'pass', 3000],
      ['a', 'x', 2, 1, 'pass', 2000],
    ]);
    const p = prepare(data, 'a');
    expect(p.paired).toBe(true);
    const group = buildStrata(data, p)[0]![0];
    expect(group!.units).toBe(2);
    // Unit 0 is trial index 2, unit 1 trial index 5; arms a then b within each.
    expect(Array.from(group!.wall)).toEqual([2, 3, 1, 4]);
    expect(Array.from(group!.pass)).toEqual([1, 1, 1, 0]);
  });
});
