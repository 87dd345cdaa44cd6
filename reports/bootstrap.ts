// Seeded bootstrap over clean trials. Units are resampled within strata (tasks), so every
// replicate keeps the task mix the sweep ran. A paired sweep resamples (task, trial index)
// slots, carrying every harness's trial on that slot together; an unpaired one resamples each
// arm's trials on their own. One resample feeds every ratio, so they share their replicates.

import { createRng, percentileInterval } from './stats.js';

/** Units resampled together. Values are laid out unit-major: index = unit * arms.length + j. */
export interface ResampleGroup {
  arms: number[];
  units: number;
  /** Clean wall of arm j on the unit, NaN when the arm has no clean trial there. */
  wall: Float64Array;
  /** 1 when that trial passed, else 0. */
  pass: Float64Array;
}

export interface BootstrapInput {
  arms: number;
  strata: ResampleGroup[][];
  resamples: number;
  seed: number;
}

/** Per stratum, replicate and arm: summed clean wall, clean trial count, passes. */
export interface BootstrapSums {
  arms: number;
  strata: number;
  resamples: number;
  data: Float64Array;
}

const WALL = 0;
const COUNT = 1;
const PASS = 2;

export function resampleSums(input: BootstrapInput): BootstrapSums {
  const { arms, strata, resamples } = input;
  const data = new Float64Array(strata.length * resamples * arms * 3);
  strata.forEach((groups, s) => {
    // A stream per stratum: one task's interval does not move when another task is added.
    const rng = createRng((input.seed ^ Math.imul(s + 1, 0x9e3779b1)) >>> 0);
    for (let b = 0; b < resamples; b++) {
      const base = (s * resamples + b) * arms * 3;
      for (const g of groups) {
        const k = g.arms.length;
        if (g.units === 0) continue;
        for (let draw = 0; draw < g.units; draw++) {
          const u = Math.floor(rng() * g.units) * k;
          for (let j = 0; j < k; j++) {
            const w = g.wall[u + j]!;
            if (w !== w) continue; // NaN: no clean trial for this arm on this unit
            const o = base + g.arms[j]! * 3;
            data[o + WALL]! += w;
            data[o + COUNT]! += 1;
            data[o + PASS]! += g.pass[u + j]!;
          }
        }
      }
    }
  });
  return { arms, strata: strata.length, resamples, data };
}

export type Interval = [number, number];

/** Ratio of mean clean walls (arm `num` over arm `den`) within one stratum. */
export function stratumWallRatioInterval(sums: BootstrapSums, stratum: number, num: number, den: number): Interval | null {
  const reps = new Float64Array(sums.resamples);
  for (let b = 0; b < sums.resamples; b++) {
    const base = (stratum * sums.resamples + b) * sums.arms * 3;
    reps[b] = meanRatio(sums.data, base + num * 3, base + den * 3);
  }
  return percentileInterval(reps);
}

/** Over all strata: the ratio of mean clean walls, and the ratio of passes per wall-second. */
export function overallIntervals(sums: BootstrapSums, num: number, den: number): { wall: Interval | null; pps: Interval | null } {
  const wallReps = new Float64Array(sums.resamples);
  const ppsReps = new Float64Array(sums.resamples);
  for (let b = 0; b < sums.resamples; b++) {
    let nw = 0, nc = 0, np = 0, dw = 0, dc = 0, dp = 0;
    for (let s = 0; s < sums.strata; s++) {
      const base = (s * sums.resamples + b) * sums.arms * 3;
      nw += sums.data[base + num * 3 + WALL]!;
      nc += sums.data[base + num * 3 + COUNT]!;
      np += sums.data[base + num * 3 + PASS]!;
      dw += sums.data[base + den * 3 + WALL]!;
      dc += sums.data[base + den * 3 + COUNT]!;
      dp += sums.data[base + den * 3 + PASS]!;
    }
    wallReps[b] = nc > 0 && dc > 0 && dw > 0 ? nw / nc / (dw / dc) : NaN;
    ppsReps[b] = nw > 0 && dw > 0 && dp > 0 ? np / nw / (dp / dw) : NaN;
  }
  return { wall: percentileInterval(wallReps), pps: percentileInterval(ppsReps) };
}

function meanRatio(data: Float64Array, n: number, d: number): number {
  const nc = data[n + COUNT]!;
  const dc = data[d + COUNT]!;
  const dw = data[d + WALL]!;
  if (nc === 0 || dc === 0 || dw === 0) return NaN;
  return data[n + WALL]! / nc / (dw / dc);
}
