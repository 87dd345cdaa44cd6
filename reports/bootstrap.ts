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

/** `into`, when given, receives the sums (a view of shared memory, say) and must be zeroed. */
export function resampleSums(input: BootstrapInput, into?: Float64Array): BootstrapSums {
  const { arms, strata, resamples } = input;
  const data = into ?? new Float64Array(strata.length * resamples * arms * 3);
  const rng = new Int32Array(4);
  strata.forEach((groups, s) => {
    // A stream per stratum: one task's interval does not move when another task is added.
    const seeder = seededRng((input.seed ^ Math.imul(s + 1, 0x9e3779b1)) >>> 0);
    // xorshift128 for the draws, seeded from the stratum's stream, never all zero.
    rng[0] = (seeder() * 4294967296) | 0 || 1;
    rng[1] = (seeder() * 4294967296) | 0;
    rng[2] = (seeder() * 4294967296) | 0;
    rng[3] = (seeder() * 4294967296) | 0;
    let width = 0;
    for (const g of groups) width = Math.max(width, g.units);
    const laid = groups.filter((g) => g.units > 0).map((g) => lay(g, width));
    const wide = laid.filter((g) => !g.single);
    const singles = laid.filter((g) => g.single);
    const zeros = new Float64Array(width);
    for (let b = 0; b < resamples; b++) {
      const base = (s * resamples + b) * arms * 3;
      // Each group's draws, group after group from the stream; then the sums they weight.
      for (const g of laid) draw(rng, g.counts, g.units);
      for (const g of wide) {
        for (let q = 0; q < g.blocks.length; q++) sumBlock(data, base, g, q);
      }
      for (let i = 0; i < singles.length; i += 4) sumSingles(data, base, singles.slice(i, i + 4), zeros);
    }
  });
  return { arms, strata: strata.length, resamples, data };
}

/**
 * Draws n units with replacement as per-unit counts: weighting each unit's values by its count
 * gives the same sums as adding draw by draw, in a tight sequential loop. The xorshift128 state
 * is held in locals while drawing: three times faster than a closure, and the draws are most
 * of a large report's time.
 */
function draw(rng: Int32Array, counts: Float64Array, n: number): void {
  let x0 = rng[0]!, x1 = rng[1]!, x2 = rng[2]!, x3 = rng[3]!;
  counts.fill(0, 0, n);
  for (let d = 0; d < n; d++) {
    const t = x0 ^ (x0 << 11);
    x0 = x1;
    x1 = x2;
    x2 = x3;
    x3 = x3 ^ (x3 >>> 19) ^ (t ^ (t >>> 8));
    counts[((x3 >>> 0) * n) / 4294967296 | 0]!++;
  }
  rng[0] = x0;
  rng[1] = x1;
  rng[2] = x2;
  rng[3] = x3;
}

// No skip for undrawn units below: about a third of counts are 0 at random, and the branch
// mispredicts more than multiplying by 0 costs. Each arm's sums are added unit by unit in
// order, the same bits as one arm at a time, but eight independent sums a pass keep the adder
// busy where two would wait on it.

/** Block q (four arms) of a paired group. */
function sumBlock(data: Float64Array, base: number, g: Laid, q: number): void {
  const { wall, tally } = g.blocks[q]!;
  const counts = g.counts;
  const n = g.units;
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, k0 = 0, k1 = 0, k2 = 0, k3 = 0;
  for (let u = 0, o = 0; u < n; u++, o += 4) {
    const c = counts[u]!;
    w0 += c * wall[o]!;
    w1 += c * wall[o + 1]!;
    w2 += c * wall[o + 2]!;
    w3 += c * wall[o + 3]!;
    k0 += c * tally[o]!;
    k1 += c * tally[o + 1]!;
    k2 += c * tally[o + 2]!;
    k3 += c * tally[o + 3]!;
  }
  const first = q * 4;
  const k = g.arms.length;
  store(data, base + g.arms[first]! * 3, w0, k0);
  if (first + 1 < k) store(data, base + g.arms[first + 1]! * 3, w1, k1);
  if (first + 2 < k) store(data, base + g.arms[first + 2]! * 3, w2, k2);
  if (first + 3 < k) store(data, base + g.arms[first + 3]! * 3, w3, k3);
}

/**
 * Up to four one-arm groups (unpaired sweeps, compare) in one pass, zero-padded to one width:
 * a padded unit adds 0 x 0, which leaves a sum of non-negative walls as it was.
 */
function sumSingles(data: Float64Array, base: number, gs: Laid[], zeros: Float64Array): void {
  const g0 = gs[0]!;
  const c0 = g0.counts, c1 = gs.length > 1 ? gs[1]!.counts : zeros, c2 = gs.length > 2 ? gs[2]!.counts : zeros, c3 = gs.length > 3 ? gs[3]!.counts : zeros;
  const a0 = g0.wall, a1 = gs.length > 1 ? gs[1]!.wall : zeros, a2 = gs.length > 2 ? gs[2]!.wall : zeros, a3 = gs.length > 3 ? gs[3]!.wall : zeros;
  const t0 = g0.tally, t1 = gs.length > 1 ? gs[1]!.tally : zeros, t2 = gs.length > 2 ? gs[2]!.tally : zeros, t3 = gs.length > 3 ? gs[3]!.tally : zeros;
  let n = 0;
  for (const g of gs) n = Math.max(n, g.units);
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, k0 = 0, k1 = 0, k2 = 0, k3 = 0;
  for (let u = 0; u < n; u++) {
    const n0 = c0[u]!, n1 = c1[u]!, n2 = c2[u]!, n3 = c3[u]!;
    w0 += n0 * a0[u]!;
    k0 += n0 * t0[u]!;
    w1 += n1 * a1[u]!;
    k1 += n1 * t1[u]!;
    w2 += n2 * a2[u]!;
    k2 += n2 * t2[u]!;
    w3 += n3 * a3[u]!;
    k3 += n3 * t3[u]!;
  }
  const sums = [w0, k0, w1, k1, w2, k2, w3, k3];
  gs.forEach((g, j) => store(data, base + g.arms[0]! * 3, sums[2 * j]!, sums[2 * j + 1]!));
}

/** One arm's (or one replicate's) summed clean wall and packed tally into the result. */
function store(data: Float64Array, o: number, sw: number, sk: number): void {
  data[o + WALL] = sw;
  data[o + COUNT] = sk % TALLY_PASS;
  data[o + PASS] = Math.floor(sk / TALLY_PASS);
}

/** A group's values as the resampler reads them: one arm alone, or arms four at a time. */
interface Laid {
  arms: number[];
  units: number;
  single: boolean;
  /** One arm: its values by unit, zero-padded. 0 where absent, so a missing trial adds nothing. */
  wall: Float64Array;
  /** present + pass * TALLY_PASS: both counts in one exact integer sum, one multiply-add fewer. */
  tally: Float64Array;
  /** Several arms: blocks of four, unit-major (index = unit * 4 + arm in block), zero-padded. */
  blocks: { wall: Float64Array; tally: Float64Array }[];
  /** This replicate's draws: how often each unit was drawn (0 beyond the group's units). */
  counts: Float64Array;
}

// Counts stay below 2^21 per replicate (units drawn), so the packed sum stays exact (< 2^53).
const TALLY_PASS = 2 ** 21;

/** Lays a group out for the resampler; a one-arm group's values are zero-padded to `width`. */
function lay(g: ResampleGroup, width: number): Laid {
  const k = g.arms.length;
  const n = g.units;
  if (n >= TALLY_PASS) throw new RangeError(`bootstrap: ${n} units in one group is more than this resampler packs exactly`);
  const value = (u: number, j: number): [number, number] => {
    const w = g.wall[u * k + j]!;
    if (w !== w) return [0, 0]; // NaN: no clean trial for this arm on this unit
    return [w, 1 + (g.pass[u * k + j]! > 0 ? TALLY_PASS : 0)];
  };
  if (k === 1) {
    const wall = new Float64Array(width);
    const tally = new Float64Array(width);
    for (let u = 0; u < n; u++) [wall[u], tally[u]] = value(u, 0);
    return { arms: g.arms, units: n, single: true, wall, tally, blocks: [], counts: new Float64Array(width) };
  }
  const blocks: Laid['blocks'] = [];
  for (let first = 0; first < k; first += 4) {
    const wall = new Float64Array(n * 4);
    const tally = new Float64Array(n * 4);
    for (let u = 0; u < n; u++) {
      for (let j = first; j < Math.min(k, first + 4); j++) [wall[u * 4 + j - first], tally[u * 4 + j - first]] = value(u, j);
    }
    blocks.push({ wall, tally });
  }
  return { arms: g.arms, units: n, single: false, wall: new Float64Array(0), tally: new Float64Array(0), blocks, counts: new Float64Array(n) };
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
