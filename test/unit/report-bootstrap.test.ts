import { describe, expect, it } from 'vitest';
import { resampleSums, type BootstrapInput, type ResampleGroup } from '../../reports/bootstrap.js';
import { seededRng } from '../../core/prng.js';

/** The resampler as plainly as it can be written: one group, one arm, one draw at a time. */
function plainSums(input: BootstrapInput): Float64Array {
  const data = new Float64Array(input.strata.length * input.resamples * input.arms * 3);
  input.strata.forEach((groups, s) => {
    const seeder = seededRng((input.seed ^ Math.imul(s + 1, 0x9e3779b1)) >>> 0);
    const x = [(seeder() * 4294967296) | 0 || 1, (seeder() * 4294967296) | 0, (seeder() * 4294967296) | 0, (seeder() * 4294967296) | 0];
    for (let b = 0; b < input.resamples; b++) {
      for (const g of groups) {
        const n = g.units;
        const counts = new Array<number>(n).fill(0);
        for (let d = 0; d < n; d++) {
          const t = x[0]! ^ (x[0]! << 11);
          x.shift();
          x.push(x[2]! ^ (x[2]! >>> 19) ^ (t ^ (t >>> 8)));
          counts[Math.floor(((x[3]! >>> 0) * n) / 4294967296)]!++;
        }
        g.arms.forEach((arm, j) => {
          let wall = 0, present = 0, passes = 0;
          for (let u = 0; u < n; u++) {
            const w = g.wall[u * g.arms.length + j]!;
            if (Number.isNaN(w)) continue;
            wall += counts[u]! * w;
            present += counts[u]!;
            passes += g.pass[u * g.arms.length + j]! > 0 ? counts[u]! : 0;
          }
          const o = ((s * input.resamples + b) * input.arms + arm) * 3;
          data[o] = wall;
          data[o + 1] = present;
          data[o + 2] = passes;
        });
      }
    }
  });
  return data;
}

// A group of `k` arms over `units` units; arm j's value on unit u comes from `value(u, j)`.
function group(k: number, units: number, value: (u: number, j: number) => number, pass: (u: number, j: number) => boolean): ResampleGroup {
  const wall = new Float64Array(units * k);
  const passes = new Float64Array(units * k);
  for (let u = 0; u < units; u++) {
    for (let j = 0; j < k; j++) {
      wall[u * k + j] = value(u, j);
      passes[u * k + j] = pass(u, j) ? 1 : 0;
    }
  }
  return { arms: Array.from({ length: k }, (_, j) => j), units, wall, pass: passes };
}

const sumsOf = (data: Float64Array, arms: number, resamples: number, b: number, arm: number): number[] =>
  Array.from(data.subarray((b * arms + arm) * 3, (b * arms + arm) * 3 + 3));

describe('bootstrap resampling', () => {
  // Seven arms: one block of four and one of three. Arms 4-6 carry arms 0-2's values, so with
  // the same draws (one group, one set of counts) their sums must be the same bits.
  const k = 7;
  const units = 37;
  const base = (u: number, j: number): number => 1 + ((u * 7919 + (j % 4) * 104729) % 1000) / 7;
  const wallOf = (u: number, j: number): number => (j === 3 && u % 5 === 0 ? NaN : base(u, j % 4 === 3 ? 3 : j % 4));
  const passOf = (u: number, j: number): boolean => (u + (j % 4)) % 3 === 0;
  const resamples = 50;
  const sums = resampleSums({ arms: k, strata: [[group(k, units, wallOf, passOf)]], resamples, seed: 11 });

  it('sums every arm of a wide group as a group of that arm alone, drawn the same, would', () => {
    // A group is drawn from its stratum's stream, so a one-arm group in the same place gets the
    // same counts: each arm of the seven (two blocks of four) must match its own bit for bit.
    for (let j = 0; j < k; j++) {
      const alone = resampleSums({ arms: 1, strata: [[group(1, units, (u) => wallOf(u, j), (u) => passOf(u, j))]], resamples, seed: 11 });
      for (let b = 0; b < resamples; b++) expect(sumsOf(sums.data, k, resamples, b, j)).toEqual(sumsOf(alone.data, 1, resamples, b, 0));
    }
  });

  it('gives arms with the same values the same sums, whichever block of four they fall in', () => {
    for (let b = 0; b < resamples; b++) {
      for (let j = 0; j < 3; j++) expect(sumsOf(sums.data, k, resamples, b, j + 4)).toEqual(sumsOf(sums.data, k, resamples, b, j));
    }
  });

  it('counts each arm only on the units where it has a clean trial', () => {
    for (let b = 0; b < resamples; b++) {
      const [, all] = sumsOf(sums.data, k, resamples, b, 0);
      const [, some] = sumsOf(sums.data, k, resamples, b, 3);
      expect(all).toBe(units); // every unit present: n draws
      expect(some!).toBeLessThanOrEqual(units);
    }
    // One unit in five is missing for arm 3: over 50 replicates some draw must miss one.
    expect(Array.from({ length: resamples }, (_, b) => sumsOf(sums.data, k, resamples, b, 3)[1]).some((n) => n! < units)).toBe(true);
  });

  it('matches the plain resampler bit for bit, for wide groups and for one-arm groups of unequal sizes', () => {
    const wideInput: BootstrapInput = { arms: k, strata: [[group(k, units, wallOf, passOf)], [group(k, 9, wallOf, passOf)]], resamples: 20, seed: 3 };
    expect(Array.from(resampleSums(wideInput).data)).toEqual(Array.from(plainSums(wideInput)));
    // Six one-arm groups in a stratum (one batch of four, one of two), each its own size.
    const sizes = [37, 20, 37, 5, 11, 1];
    const arm = (j: number): ResampleGroup => ({ ...group(1, sizes[j]!, (u) => wallOf(u, j), (u) => passOf(u, j)), arms: [j] });
    const singleInput: BootstrapInput = { arms: 6, strata: [sizes.map((_, j) => arm(j)), [arm(2), arm(0)].map((g, i) => ({ ...g, arms: [i] }))], resamples: 20, seed: 9 };
    expect(Array.from(resampleSums(singleInput).data)).toEqual(Array.from(plainSums(singleInput)));
  });
});
