// Where the wall goes: per harness, over clean trials, the wall split into model time to first
// token, decode, commands, harness waiting, an installed agent's own time (its run less its
// model calls), set-up, verification and the rest.

import type { SweepData } from '../queries.js';
import type { Prepared } from './prepare.js';
import { WALL_PARTS, type BreakdownRow, type WallPart } from './types.js';

export function buildBreakdown(data: SweepData, p: Prepared): BreakdownRow[] {
  const sums = data.wallSums;
  if (sums === null) throw new Error('where the wall goes needs the turns read with their wall parts');
  const H = p.harnesses.length;
  const ttft = new Float64Array(H), model = new Float64Array(H), exec = new Float64Array(H), wait = new Float64Array(H);
  const trialModel = sums.modelMs;
  const n = new Int32Array(H), wallMs = new Float64Array(H), setup = new Float64Array(H), verify = new Float64Array(H);
  const agent = new Float64Array(H), agents = new Int32Array(H);
  const c = data.trials;
  for (let i = 0; i < c.length; i++) {
    if (!p.clean[i]) continue;
    const h = p.trialH[i]!;
    n[h]!++;
    wallMs[h]! += c.wallMs[i]!;
    model[h]! += sums.modelMs[i]!;
    ttft[h]! += sums.ttftMs[i]!;
    exec[h]! += sums.execMs[i]!;
    wait[h]! += sums.waitMs[i]!;
    const s = c.setupMs[i]!;
    const v = c.verifyMs[i]!;
    setup[h]! += s === s ? s : 0;
    verify[h]! += v === v ? v : 0;
    // The agent's run less its model calls (its calls overlap nothing else it does).
    const a = c.agentMs[i]!;
    if (c.installedAgent[i] && a === a) {
      agents[h]!++;
      agent[h]! += Math.max(0, a - trialModel[i]!);
    }
  }
  return p.harnesses.map((harness, h) => {
    const partsMs: Record<WallPart, number> = {
      ttft: ttft[h]!,
      decode: model[h]! - ttft[h]!,
      exec: exec[h]!,
      wait: wait[h]!,
      agent: agent[h]!,
      setup: setup[h]!,
      verify: verify[h]!,
      other: 0,
    };
    partsMs.other = wallMs[h]! - (partsMs.ttft + partsMs.decode + partsMs.exec + partsMs.wait + partsMs.agent + partsMs.setup + partsMs.verify);
    const perTrialS = {} as Record<WallPart, number | null>;
    const shares = {} as Record<WallPart, number | null>;
    for (const part of WALL_PARTS) {
      // A built-in harness has no agent's own time: its share is commands and waiting.
      const none = n[h]! === 0 || (part === 'agent' && agents[h]! === 0);
      perTrialS[part] = none ? null : partsMs[part] / 1000 / n[h]!;
      shares[part] = none || wallMs[h]! <= 0 ? null : partsMs[part] / wallMs[h]!;
    }
    return { harness, cleanN: n[h]!, wallPerTrialS: n[h]! > 0 ? wallMs[h]! / 1000 / n[h]! : null, perTrialS, shares };
  });
}
