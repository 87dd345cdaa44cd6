// What the HTML charts draw: clean walls per task and harness with quartiles, and (prompt
// tokens, TTFT) points per harness, each thinned evenly.

import type { SweepData } from '../queries.js';
import { percentileSorted } from '../stats.js';
import type { Prepared } from './prepare.js';
import type { ChartData } from './types.js';

/** Evenly spaced picks (first and last included), so thinning keeps the shape of the data. */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round((i * (items.length - 1)) / (max - 1))]!);
  return out;
}

export function buildCharts(data: SweepData, p: Prepared): ChartData {
  const walls: ChartData['walls'] = [];
  const T = p.tasks.length;
  p.tasks.forEach((task, k) => {
    p.harnesses.forEach((harness, h) => {
      const sorted = p.cleanRows[h * T + k]!.map((i) => data.trials.wallMs[i]! / 1000).sort((a, b) => a - b);
      const q = sorted.length === 0 ? null : ([0, 0.25, 0.5, 0.75, 1].map((x) => percentileSorted(sorted, x)!) as ChartData['walls'][number]['q']);
      walls.push({ task, harness, n: sorted.length, points: thin(sorted, 200), q });
    });
  });
  const perHarness: [number, number][][] = p.harnesses.map(() => []);
  const { turns } = data;
  for (let i = 0; i < turns.length; i++) {
    const h = p.trialH[turns.trial[i]!]!;
    const x = turns.promptTokens[i]!;
    const y = turns.ttftMs[i]!;
    if (h >= 0 && x === x && y === y) perHarness[h]!.push([x, y]);
  }
  return { walls, ttftDepth: p.harnesses.map((harness, h) => ({ harness, points: thin(perHarness[h]!, 1500) })) };
}
