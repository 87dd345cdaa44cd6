import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput, type SweepPlan } from '../../runner/plan/plan.js';
import { PairbenchError } from '../../core/errors.js';

const base: PlanInput = {
  harnesses: ['A', 'B'],
  tasks: ['t1', 't2', 't3'],
  trials: 4,
  order: 'alternate',
  seed: null,
  groupBy: 'slot',
  restartEvery: 'never',
};

const slotsOf = (plan: SweepPlan) => {
  const bySlot = new Map<number, { task: string; trialIndex: number; harnesses: string[] }>();
  for (const e of plan.entries) {
    const s = bySlot.get(e.slotIndex) ?? { task: e.task, trialIndex: e.trialIndex, harnesses: [] };
    s.harnesses[e.position] = e.harness;
    bySlot.set(e.slotIndex, s);
  }
  return [...bySlot.values()];
};

describe('buildPlan pairing', () => {
  it('runs every harness exactly once per (task, trial index) slot', () => {
    for (const order of ['alternate', 'shuffle'] as const) {
      const plan = buildPlan({ ...base, harnesses: ['A', 'B', 'C'], order, seed: 7 });
      const slots = slotsOf(plan);
      expect(slots).toHaveLength(3 * 4);
      for (const s of slots) expect([...s.harnesses].sort()).toEqual(['A', 'B', 'C']);
      const keys = slots.map((s) => `${s.task}#${s.trialIndex}`);
      expect(new Set(keys).size).toBe(12);
      expect(plan.entries).toHaveLength(36);
    }
  });

  it('keeps entries in run order: slot by slot, position by position', () => {
    const plan = buildPlan(base);
    plan.entries.forEach((e, i) => {
      expect(e.slotIndex).toBe(Math.floor(i / 2));
      expect(e.position).toBe(i % 2);
    });
  });

  it('alternates A B then B A on the next trial of the same task', () => {
    const plan = buildPlan(base);
    for (const task of base.tasks) {
      const orders = slotsOf(plan)
        .filter((s) => s.task === task)
        .sort((a, b) => a.trialIndex - b.trialIndex)
        .map((s) => s.harnesses.join(''));
      for (let i = 1; i < orders.length; i++) expect(orders[i]).not.toBe(orders[i - 1]);
      expect(orders.filter((o) => o === 'AB')).toHaveLength(2);
    }
    // Consecutive slots alternate too, so neither harness leads in time.
    const sequence = slotsOf(plan).map((s) => s.harnesses.join(''));
    expect(sequence.slice(0, 4)).toEqual(['AB', 'BA', 'AB', 'BA']);
  });

  it('rotates more than two harnesses so each takes each position equally often', () => {
    const plan = buildPlan({ ...base, harnesses: ['A', 'B', 'C'], tasks: ['t1'], trials: 3 });
    expect(slotsOf(plan).map((s) => s.harnesses.join(''))).toEqual(['ABC', 'BCA', 'CAB']);
  });
});

describe('buildPlan shuffle', () => {
  const shuffle = (seed: number) => buildPlan({ ...base, order: 'shuffle', seed, trials: 10 });
  it('is reproducible from its seed', () => {
    expect(shuffle(42)).toEqual(shuffle(42));
    expect(shuffle(42).seed).toBe(42);
  });
  it('differs across seeds', () => {
    const a = JSON.stringify(shuffle(1).entries);
    const b = JSON.stringify(shuffle(2).entries);
    expect(a).not.toBe(b);
  });
  it('puts each harness first in some slots and second in others', () => {
    const firsts = slotsOf(shuffle(3)).map((s) => s.harnesses[0]);
    expect(firsts).toContain('A');
    expect(firsts).toContain('B');
  });
  it('needs a seed', () => {
    expect(() => buildPlan({ ...base, order: 'shuffle', seed: null })).toThrow(/seed/);
  });
});

describe('buildPlan groups', () => {
  it('groups by slot: one group per slot', () => {
    const plan = buildPlan(base);
    expect(plan.groups).toHaveLength(12);
    for (const e of plan.entries) expect(e.groupIndex).toBe(e.slotIndex);
  });

  it('groups by task: all of a task\'s slots together, one group per task', () => {
    for (const order of ['alternate', 'shuffle'] as const) {
      const plan = buildPlan({ ...base, groupBy: 'task', order, seed: 5 });
      expect(plan.groups).toHaveLength(3);
      for (const g of plan.groups) {
        const tasks = new Set(plan.entries.filter((e) => e.groupIndex === g.index).map((e) => e.task));
        expect(tasks.size).toBe(1);
        expect(g.slotIndexes).toHaveLength(4);
      }
      // Group indexes never go backwards in run order.
      const gi = plan.entries.map((e) => e.groupIndex);
      expect(gi).toEqual([...gi].sort((a, b) => a - b));
    }
  });

  it('groups by N slots, the last group taking what is left', () => {
    const plan = buildPlan({ ...base, groupBy: 5 });
    expect(plan.groups.map((g) => g.slotIndexes.length)).toEqual([5, 5, 2]);
    expect(plan.groups[1]!.slotIndexes).toEqual([5, 6, 7, 8, 9]);
    for (const e of plan.entries) expect(e.groupIndex).toBe(Math.floor(e.slotIndex / 5));
  });

  it('never splits a slot across groups', () => {
    for (const groupBy of ['slot', 'task', 1, 2, 5] as const) {
      const plan = buildPlan({ ...base, groupBy });
      const groupOfSlot = new Map<number, Set<number>>();
      for (const e of plan.entries) groupOfSlot.set(e.slotIndex, (groupOfSlot.get(e.slotIndex) ?? new Set()).add(e.groupIndex));
      for (const groups of groupOfSlot.values()) expect(groups.size).toBe(1);
    }
  });
});

describe('buildPlan restart boundaries', () => {
  const restarts = (plan: SweepPlan) => plan.groups.filter((g) => g.restartBefore).map((g) => g.index);
  it('restarts before every group but the first with restart-every group', () => {
    expect(restarts(buildPlan({ ...base, groupBy: 'task', restartEvery: 'group' }))).toEqual([1, 2]);
  });
  it('never restarts with restart-every never', () => {
    expect(restarts(buildPlan({ ...base, restartEvery: 'never' }))).toEqual([]);
  });
  it('restarts at the first boundary after N trials', () => {
    // 2 harnesses per slot, one slot per group: 2 trials per group; every 5 trials -> after 3 groups (6 trials).
    expect(restarts(buildPlan({ ...base, restartEvery: 5 }))).toEqual([3, 6, 9]);
    expect(restarts(buildPlan({ ...base, restartEvery: 2 }))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});

describe('buildPlan input', () => {
  it('lists every problem at once', () => {
    try {
      buildPlan({ ...base, harnesses: [], tasks: ['x', 'x'], trials: 0, groupBy: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PairbenchError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/harnesses/);
      expect(msg).toMatch(/named twice/);
      expect(msg).toMatch(/trials/);
      expect(msg).toMatch(/group_by/);
    }
  });
  it('is plain JSON', () => {
    const plan = buildPlan(base);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});
