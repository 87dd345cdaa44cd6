// Prompt tokens served from cache: per harness, the share of prompt tokens the server said it
// had cached, over every turn of a clean trial that reported its prompt size.

import type { SweepData } from '../queries.js';
import type { Prepared } from './prepare.js';
import type { CacheRow } from './types.js';

export function buildCache(data: SweepData, p: Prepared): CacheRow[] {
  const { turns } = data;
  const { harnesses } = p;
  const hOf = p.cleanH; // clean attempts only, as the wall tables
  const H = harnesses.length;
  const prompt = new Float64Array(H);
  const cached = new Float64Array(H);
  const count = new Int32Array(H);
  for (let i = 0; i < turns.length; i++) {
    const h = hOf[turns.trial[i]!]!;
    const pt = turns.promptTokens[i]!;
    const ct = turns.cachedTokens[i]!;
    if (h < 0 || pt !== pt) continue;
    count[h]!++;
    prompt[h]! += pt;
    if (ct === ct) cached[h]! += ct;
  }
  return harnesses.map((harness, h) => ({
    harness,
    turns: count[h]!,
    promptTokens: prompt[h]!,
    cachedTokens: cached[h]!,
    share: prompt[h]! > 0 ? cached[h]! / prompt[h]! : null,
  }));
}
