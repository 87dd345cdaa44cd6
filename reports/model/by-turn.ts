// Time to first token by turn: per harness and turn index, the median over clean trials.

import type { SweepData } from '../queries.js';
import { groupedMedians, medianScratch, type MedianScratch } from '../stats.js';
import type { Prepared } from './prepare.js';
import type { TurnIndexRow } from './types.js';

export function buildByTurn(data: SweepData, p: Prepared, scratch: MedianScratch = medianScratch(data.turns.length)): TurnIndexRow[] {
  const { turns } = data;
  const { harnesses } = p;
  const hOf = p.cleanH; // clean attempts only, as the wall tables
  const H = harnesses.length;
  let maxTurn = -1;
  for (let i = 0; i < turns.length; i++) {
    if (hOf[turns.trial[i]!]! >= 0 && turns.turnIndex[i]! > maxTurn) maxTurn = turns.turnIndex[i]!;
  }
  const T = maxTurn + 1;
  const turnKey = scratch.keys.subarray(0, turns.length);
  for (let i = 0; i < turns.length; i++) {
    const h = hOf[turns.trial[i]!]!;
    const ti = turns.turnIndex[i]!;
    turnKey[i] = h < 0 || ti < 0 ? -1 : h * T + ti;
  }
  const ttftByTurn = groupedMedians(turnKey, turns.ttftMs, H * T, scratch.values);
  const byTurn: TurnIndexRow[] = [];
  for (let ti = 0; ti < T; ti++) {
    const cells = harnesses.map((harness, h) => ({ harness, n: ttftByTurn.n[h * T + ti]!, medianTtftMs: ttftByTurn.median[h * T + ti]! }));
    if (cells.some((c) => c.n > 0)) byTurn.push({ turnIndex: ti, cells });
  }
  return byTurn;
}
