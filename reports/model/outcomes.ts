// Outcomes per harness and task: trials, passes, agent failures, substrate errors, pass rate
// over agent outcomes only, and the clean mean wall.

import type { Prepared } from './prepare.js';
import type { OutcomeCell } from './types.js';

/** Per cell (h * tasks + t): clean trials, their summed wall in seconds, their passes. */
export type CellWalls = { n: number; sumS: number; passes: number }[];

export const meanOf = (w: { n: number; sumS: number }): number | null => (w.n === 0 ? null : w.sumS / w.n);

export function buildOutcomes(p: Prepared, cellWalls: CellWalls): OutcomeCell[] {
  const { harnesses, tasks } = p;
  const T = tasks.length;
  const outcomes: OutcomeCell[] = [];
  harnesses.forEach((harness, h) => {
    tasks.forEach((task, k) => {
      const cell = h * T + k;
      const trials = p.cellTrials[cell]!;
      if (trials === 0) return;
      const agent = p.cellAgent[cell]!;
      const passes = p.cellPasses[cell]!;
      outcomes.push({
        harness,
        task,
        trials,
        passes,
        agentFailures: agent - passes,
        harnessErrors: p.cellHarnessErrors[cell]!,
        substrateErrors: trials - agent,
        passRate: agent > 0 ? passes / agent : null,
        cleanN: cellWalls[cell]!.n,
        meanWallS: meanOf(cellWalls[cell]!),
      });
    });
  });
  return outcomes;
}
