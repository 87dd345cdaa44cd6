// Seeded bootstrap over clean trials. Units are resampled within strata (tasks), so every
// replicate keeps the task mix the sweep ran. A paired sweep resamples (task, trial index)
// slots, carrying every harness's trial on that slot together; an unpaired one resamples each
// arm's trials on their own. One resample feeds every ratio, so they share their replicates.

import { seededRng } from '../core/prng.js';
import { percentileInterval } from './stats.js';

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
  let maxUnits = 0;
  for (const groups of strata) for (const g of groups) maxUnits = Math.max(maxUnits, g.units);
  const counts = new Int32Array(maxUnits);
  strata.forEach((groups, s) => {
    // A stream per stratum: one task's interval does not move when another task is added.
    const seeder = seededRng((input.seed ^ Math.imul(s + 1, 0x9e3779b1)) >>> 0);
    // xorshift128 in locals for the draws: three times faster than a closure, and the draws
    // are most of a large report's time. Seeded from the stratum's stream, never all zero.
    let x0 = (seeder() * 4294967296) | 0 || 1;
    let x1 = (seeder() * 4294967296) | 0;
    let x2 = (seeder() * 4294967296) | 0;
    let x3 = (seeder() * 4294967296) | 0;
    const laid = groups.map(armMajor);
    for (let b = 0; b < resamples; b++) {
      const base = (s * resamples + b) * arms * 3;
      for (const g of laid) {
        const n = g.units;
        if (n === 0) continue;
        // Draw n units with replacement as per-unit counts, then weight each unit's values by
        // its count: the same sums as adding draw by draw, in a tight sequential loop.
        counts.fill(0, 0, n);
        for (let d = 0; d < n; d++) {
          const t = x0 ^ (x0 << 11);
          x0 = x1;
          x1 = x2;
          x2 = x3;
          x3 = x3 ^ (x3 >>> 19) ^ (t ^ (t >>> 8));
          counts[((x3 >>> 0) * n) / 4294967296 | 0]!++;
        }
        // No skip for undrawn units: about a third of counts are 0 at random, and the branch
        // mispredicts more than multiplying by 0 costs. The sums come out bit for bit the same.
        const { wall, tally } = g;
        for (let j = 0; j < g.arms.length; j++) {
          const off = j * n;
          let sw = 0, sk = 0;
          for (let u = 0; u < n; u++) {
            const c = counts[u]!;
            sw += c * wall[off + u]!;
            sk += c * tally[off + u]!;
          }
          const o = base + g.arms[j]! * 3;
          data[o + WALL] = sw;
          data[o + COUNT] = sk % TALLY_PASS;
          data[o + PASS] = Math.floor(sk / TALLY_PASS);
        }
      }
    }
  });
  return { arms, strata: strata.length, resamples, data };
}

interface ArmMajor {
  arms: number[];
  units: number;
  wall: Float64Array; // 0 where absent, so a missing trial adds nothing
  /** present + pass * TALLY_PASS: both counts in one exact integer sum, one multiply-add fewer. */
  tally: Float64Array;
}

// Counts stay below 2^21 per replicate (units drawn), so the packed sum stays exact (< 2^53).
const TALLY_PASS = 2 ** 21;

function armMajor(g: ResampleGroup): ArmMajor {
  const k = g.arms.length;
  const n = g.units;
  if (n >= TALLY_PASS) throw new RangeError(`bootstrap: ${n} units in one group is more than this resampler packs exactly`);
  const wall = new Float64Array(k * n);
  const tally = new Float64Array(k * n);
  for (let u = 0; u < n; u++) {
    for (let j = 0; j < k; j++) {
      const w = g.wall[u * k + j]!;
      if (w !== w) continue; // NaN: no clean trial for this arm on this unit
      wall[j * n + u] = w;
      tally[j * n + u] = 1 + (g.pass[u * k + j]! > 0 ? TALLY_PASS : 0);
    }
  }
  return { arms: g.arms, units: n, wall, tally };
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
