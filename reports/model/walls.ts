// Clean-trial walls per task: each harness's mean, and its ratio to the baseline's with the
// stratum's bootstrap interval.

import { stratumWallRatioInterval, type BootstrapSums } from '../bootstrap.js';
import { meanOf, type CellWalls } from './outcomes.js';
import type { Prepared } from './prepare.js';
import { ratioValue, type WallRow } from './types.js';

export function buildWalls(p: Prepared, cellWalls: CellWalls, sums: BootstrapSums): WallRow[] {
  const { harnesses, tasks } = p;
  const T = tasks.length;
  return tasks.map((task, k) => {
    const cells = harnesses.map((harness, h) => ({ harness, n: cellWalls[h * T + k]!.n, meanWallS: meanOf(cellWalls[h * T + k]!) }));
    const baseMean = cells[0]!.meanWallS;
    const ratios = harnesses.slice(1).map((harness, i) => {
      const m = cells[i + 1]!.meanWallS;
      const ratio = m !== null && baseMean !== null && baseMean > 0 ? m / baseMean : null;
      return { harness, value: ratioValue(ratio, ratio === null ? null : stratumWallRatioInterval(sums, k, i + 1, 0)) };
    });
    const notes: string[] = [];
    const small = cells.filter((c) => c.n < 3).map((c) => `${c.harness} n=${c.n}`);
    if (small.length > 0) notes.push(`n < 3 (${small.join(', ')})`);
    for (const r of ratios) if (r.value.crossesOne) notes.push(`${r.harness}: interval crosses 1×`);
    return { task, cells, ratios, notes };
  });
}
