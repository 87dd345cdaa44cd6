// The run as a whole, per harness: pass rate, clean mean wall, passes per wall-second, and the
// wall and passes-per-second ratios to the baseline with intervals over all strata.

import { overallIntervals, type BootstrapSums } from '../bootstrap.js';
import type { CellWalls } from './outcomes.js';
import type { Prepared } from './prepare.js';
import { ratioValue, type RunRow } from './types.js';

export function buildRun(p: Prepared, cellWalls: CellWalls, sums: BootstrapSums): RunRow[] {
  const T = p.tasks.length;
  const run: RunRow[] = p.harnesses.map((harness, h) => {
    let trials = 0, agent = 0, passes = 0, cleanN = 0, cleanWallS = 0;
    for (let k = 0; k < T; k++) {
      const cell = h * T + k;
      trials += p.cellTrials[cell]!;
      agent += p.cellAgent[cell]!;
      passes += p.cellPasses[cell]!;
      cleanN += cellWalls[cell]!.n;
      cleanWallS += cellWalls[cell]!.sumS;
    }
    return {
      harness,
      trials,
      passes,
      substrateErrors: trials - agent,
      passRate: agent > 0 ? passes / agent : null,
      cleanN,
      meanWallS: cleanN > 0 ? cleanWallS / cleanN : null,
      cleanWallS,
      passesPerWallS: cleanWallS > 0 ? passes / cleanWallS : null,
      ppsRatio: null,
      wallRatio: null,
      notes: [],
    };
  });
  const baseRun = run[0]!;
  run.forEach((r, i) => {
    if (i === 0) return;
    const ci = overallIntervals(sums, i, 0);
    const pps = r.passesPerWallS !== null && baseRun.passesPerWallS ? r.passesPerWallS / baseRun.passesPerWallS : null;
    const wall = r.meanWallS !== null && baseRun.meanWallS ? r.meanWallS / baseRun.meanWallS : null;
    r.ppsRatio = ratioValue(pps, pps === null ? null : ci.pps);
    r.wallRatio = ratioValue(wall, wall === null ? null : ci.wall);
    if (r.ppsRatio.crossesOne) r.notes.push('passes/wall-s interval crosses 1×');
    if (r.wallRatio.crossesOne) r.notes.push('wall interval crosses 1×');
  });
  for (const r of run) if (r.cleanN < 3) r.notes.push(`n < 3 (clean n=${r.cleanN})`);
  return run;
}
