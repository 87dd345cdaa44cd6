// Small, exact statistics for the report: medians and percentiles. Everything is
// deterministic for a given input (the bootstrap's randomness comes from core/prng.ts).

export function median(values: ArrayLike<number>): number | null {
  return percentileSorted(Float64Array.from(values).sort(), 0.5);
}

/** Linear-interpolated percentile (p in [0, 1]) of values sorted ascending. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (n === 1) return sorted[0]!;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/** The 95% percentile interval of bootstrap replicates; NaN replicates (an empty side) are dropped. */
export function percentileInterval(replicates: Float64Array, level = 0.95): [number, number] | null {
  const finite = replicates.filter((v) => Number.isFinite(v)).sort();
  if (finite.length === 0) return null;
  const tail = (1 - level) / 2;
  return [percentileSorted(finite, tail)!, percentileSorted(finite, 1 - tail)!];
}

/**
 * Median by selection (O(n)), reordering `values` in place. Sorting millions of turn values
 * per report would cost several times more; the answer is the same as sorting first.
 */
export function medianInPlace(values: Float64Array): number | null {
  const n = values.length;
  if (n === 0) return null;
  const hi = n >> 1;
  const upper = select(values, hi);
  if (n % 2 === 1) return upper;
  // After selection everything left of `hi` is <= values[hi]: the lower middle is their maximum.
  let lower = -Infinity;
  for (let i = 0; i < hi; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Hoare-style quickselect with a median-of-three pivot: the k-th smallest value. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const mid = (left + right) >> 1;
    // Median of three as pivot keeps sorted or constant runs from going quadratic.
    const x = a[left]!, y = a[mid]!, z = a[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Scratch space a report's grouped medians share, so each pass does not allocate its own. */
export interface MedianScratch {
  keys: Int32Array;
  values: Float64Array;
}

/** Scratch for grouping up to `n` values. */
export const medianScratch = (n: number): MedianScratch => ({ keys: new Int32Array(n), values: new Float64Array(n) });

/**
 * Groups values by key in two passes (count, then place each group's values side by side in
 * one buffer), then takes each group's median. Keys below 0 and NaN values are left out.
 */
export function groupedMedians(keys: Int32Array, values: Float64Array, groups: number, scratch?: Float64Array): { n: Int32Array; median: (number | null)[] } {
  const n = new Int32Array(groups);
  for (let i = 0; i < keys.length; i++) if (keys[i]! >= 0 && values[i] === values[i]) n[keys[i]!]!++;
  const start = new Int32Array(groups + 1);
  for (let g = 0; g < groups; g++) start[g + 1] = start[g]! + n[g]!;
  const buffer = scratch !== undefined && scratch.length >= start[groups]! ? scratch : new Float64Array(start[groups]!);
  const fill = start.slice(0, groups);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = values[i]!;
    if (k >= 0 && v === v) buffer[fill[k]!++] = v;
  }
  const median: (number | null)[] = [];
  for (let g = 0; g < groups; g++) median.push(medianInPlace(buffer.subarray(start[g]!, start[g + 1]!)));
  return { n, median };
}
