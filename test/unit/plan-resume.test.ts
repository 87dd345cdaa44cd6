import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../runner/plan/plan.js';
import { entryStates, type AttemptRow } from '../../runner/sweep/pending.js';

const plan = buildPlan({
  harnesses: ['oracle', 'nop'],
  tasks: ['a'],
  trials: 2,
  order: 'alternate',
  seed: null,
  groupBy: 'slot',
  restartEvery: 'never',
});
const row = (slot: number, harness: string, attempt: number, status: string): AttemptRow => ({
  slot_index: slot,
  harness,
  attempt,
  status,
});

describe('entryStates (what a resumed sweep still runs)', () => {
  it('runs everything on a fresh sweep, from attempt 1', () => {
    const states = entryStates(plan.entries, [], 0);
    expect(states.every((s) => !s.finished && s.nextAttempt === 1)).toBe(true);
  });

  it('treats an agent outcome as finished, including failures', () => {
    const states = entryStates(plan.entries, [row(0, 'oracle', 1, 'pass'), row(0, 'nop', 1, 'fail')], 0);
    expect(states.map((s) => s.finished)).toEqual([true, true, false, false]);
  });

  it('re-runs running and interrupted rows under a fresh attempt number', () => {
    const states = entryStates(plan.entries, [row(1, 'nop', 1, 'interrupted'), row(1, 'oracle', 1, 'running')], 0);
    const slot1 = states.filter((s) => s.entry.slotIndex === 1);
    expect(slot1.every((s) => !s.finished && s.nextAttempt === 2)).toBe(true);
  });

  it('retries substrate outcomes until the budget is spent', () => {
    const rows = [row(0, 'oracle', 1, 'verifier_timeout'), row(0, 'oracle', 2, 'interrupted')];
    const oracle = (retries: number) => entryStates(plan.entries, rows, retries).find((s) => s.entry.slotIndex === 0 && s.entry.harness === 'oracle')!;
    expect(oracle(0).finished).toBe(true);
    expect(oracle(1)).toMatchObject({ finished: false, substrateAttempts: 1, nextAttempt: 3 });
    const spent = entryStates(plan.entries, [...rows, row(0, 'oracle', 3, 'reward_missing')], 1);
    expect(spent.find((s) => s.entry.slotIndex === 0 && s.entry.harness === 'oracle')!.finished).toBe(true);
  });

  it('with a fresh budget (resume --retries) runs spent substrate failures again, never an agent outcome', () => {
    const rows = [row(0, 'oracle', 1, 'serving_failed'), row(0, 'oracle', 2, 'serving_failed'), row(0, 'nop', 1, 'fail')];
    const stored = entryStates(plan.entries, rows, 1);
    const fresh = entryStates(plan.entries, rows, 0, 'fresh');
    const slot0 = (states: typeof stored, harness: string) => states.find((s) => s.entry.slotIndex === 0 && s.entry.harness === harness)!;
    expect(slot0(stored, 'oracle').finished).toBe(true);
    expect(slot0(fresh, 'oracle')).toMatchObject({ finished: false, substrateAttempts: 2, budgetUsed: 0, nextAttempt: 3 });
    expect(slot0(fresh, 'nop').finished).toBe(true);
  });

  it('is finished by a pass after substrate errors', () => {
    const rows = [row(0, 'oracle', 1, 'container_failed'), row(0, 'oracle', 2, 'pass')];
    expect(entryStates(plan.entries, rows, 5)[0]!.finished).toBe(true);
  });
});
