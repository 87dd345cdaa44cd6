// The sweep plan: which harness runs which task, in which order and group. A pure function
// of its input, stored as JSON in sweeps.plan_json before anything runs, so a resumed sweep
// follows exactly the plan it started with.

import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import { seededRng, shuffled } from '../../core/prng.js';
import type { ORDERS } from '../../core/sweep-settings.js';

export type Order = (typeof ORDERS)[number];
/** 'slot': one group per slot; 'task': one group per task; N: N consecutive slots per group. */
export type GroupBy = 'slot' | 'task' | number;
/** 'group': restart before every group but the first; N: at the first boundary after N trials; 'never'. */
export type RestartEvery = 'group' | 'never' | number;

export interface PlanInput {
  harnesses: readonly string[];
  tasks: readonly string[];
  trials: number;
  order: Order;
  /** Required for 'shuffle' (the caller draws one and records it); ignored for 'alternate'. */
  seed: number | null;
  groupBy: GroupBy;
  restartEvery: RestartEvery;
}

/** One harness on one slot. A slot is one (task, trial index) pair on which every harness runs once. */
export interface PlanEntry {
  slotIndex: number;
  groupIndex: number;
  task: string;
  trialIndex: number;
  harness: string;
  /** The harness's turn within its slot, 0-based. */
  position: number;
}

export interface PlanGroup {
  index: number;
  slotIndexes: number[];
  /** The serving layer restarts before this group runs. */
  restartBefore: boolean;
}

export interface SweepPlan {
  version: 1;
  harnesses: string[];
  tasks: string[];
  trials: number;
  order: Order;
  seed: number | null;
  groupBy: GroupBy;
  restartEvery: RestartEvery;
  /** In run order: slot by slot, and within a slot by position. */
  entries: PlanEntry[];
  groups: PlanGroup[];
  /** Each task's content hash when the sweep started (filled in beside the pure planner); a resume refuses a changed task. */
  taskHashes?: Record<string, string>;
}

export function validatePlanInput(input: PlanInput): string[] {
  const problems: string[] = [];
  if (input.harnesses.length === 0) problems.push('harnesses: name at least one harness');
  if (new Set(input.harnesses).size !== input.harnesses.length) problems.push('harnesses: a harness is named twice');
  if (input.tasks.length === 0) problems.push('tasks: name at least one task');
  if (new Set(input.tasks).size !== input.tasks.length) problems.push('tasks: a task is named twice');
  if (!Number.isInteger(input.trials) || input.trials < 1) problems.push(`trials: must be a whole number >= 1 (got ${input.trials})`);
  if (typeof input.groupBy === 'number' && (!Number.isInteger(input.groupBy) || input.groupBy < 1)) {
    problems.push(`group_by: a number of slots must be a whole number >= 1 (got ${input.groupBy})`);
  }
  if (typeof input.restartEvery === 'number' && (!Number.isInteger(input.restartEvery) || input.restartEvery < 1)) {
    problems.push(`restart_every: a number of trials must be a whole number >= 1 (got ${input.restartEvery})`);
  }
  if (input.order === 'shuffle' && (input.seed === null || !Number.isInteger(input.seed))) {
    problems.push('seed: a shuffled order needs a whole-number seed');
  }
  return problems;
}

export function buildPlan(input: PlanInput): SweepPlan {
  const problems = validatePlanInput(input);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, 'the sweep cannot be planned', problems);

  const rng = input.order === 'shuffle' ? seededRng(input.seed!) : null;
  const taskIndex = new Map(input.tasks.map((t, i) => [t, i]));

  // Slot order. Grouping by task needs each task's slots together; otherwise the trial index
  // leads, so every task is visited early and late and drift over the night spreads evenly.
  let slots: { task: string; trialIndex: number }[] = [];
  if (input.groupBy === 'task') {
    const tasks = rng ? shuffled(input.tasks, rng) : input.tasks;
    for (const task of tasks) for (let i = 0; i < input.trials; i++) slots.push({ task, trialIndex: i });
  } else {
    for (let i = 0; i < input.trials; i++) for (const task of input.tasks) slots.push({ task, trialIndex: i });
    if (rng) slots = shuffled(slots, rng);
  }

  // By task, each task's `trials` slots lie together, so a group is `trials` slots long.
  const slotsPerGroup = input.groupBy === 'slot' ? 1 : input.groupBy === 'task' ? input.trials : input.groupBy;

  const h = input.harnesses.length;
  const entries: PlanEntry[] = [];
  const groups: PlanGroup[] = [];
  slots.forEach((slot, slotIndex) => {
    // Alternate: rotate by (task, trial index), so within a task A B is followed by B A, and
    // with more harnesses each one takes each position equally often.
    const order = rng
      ? shuffled(input.harnesses, rng)
      : rotate(input.harnesses, (taskIndex.get(slot.task)! + slot.trialIndex) % h);
    const groupIndex = Math.floor(slotIndex / slotsPerGroup);
    if (groups.length === groupIndex) groups.push({ index: groupIndex, slotIndexes: [], restartBefore: false });
    groups[groupIndex]!.slotIndexes.push(slotIndex);
    order.forEach((harness, position) =>
      entries.push({ slotIndex, groupIndex, task: slot.task, trialIndex: slot.trialIndex, harness, position }),
    );
  });

  markRestarts(groups, h, input.restartEvery);
  return {
    version: 1,
    harnesses: [...input.harnesses],
    tasks: [...input.tasks],
    trials: input.trials,
    order: input.order,
    seed: input.order === 'shuffle' ? input.seed : null,
    groupBy: input.groupBy,
    restartEvery: input.restartEvery,
    entries,
    groups,
  };
}

/**
 * Why the plan restarts the serving layer before this group, as the serving event records it.
 * The plan alone decides restarts; the serving controller only carries them out.
 */
export function restartReason(plan: Pick<SweepPlan, 'restartEvery' | 'groups' | 'harnesses'>, groupIndex: number): string {
  if (typeof plan.restartEvery !== 'number') return `group boundary before group ${groupIndex}`;
  let since = 0;
  for (const g of plan.groups) {
    if (g.index >= groupIndex) break;
    if (g.restartBefore) since = 0;
    since += g.slotIndexes.length * plan.harnesses.length;
  }
  return `every ${plan.restartEvery} trials (${since} planned since the last restart) before group ${groupIndex}`;
}

// Restarts only ever fall between groups, never between the two halves of a pair.
function markRestarts(groups: PlanGroup[], harnessCount: number, policy: RestartEvery): void {
  if (policy === 'never') return;
  let sinceRestart = 0;
  for (const g of groups) {
    if (g.index > 0) {
      g.restartBefore = policy === 'group' || sinceRestart >= policy;
      if (g.restartBefore) sinceRestart = 0;
    }
    sinceRestart += g.slotIndexes.length * harnessCount;
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return [...items.slice(by), ...items.slice(0, by)];
}
