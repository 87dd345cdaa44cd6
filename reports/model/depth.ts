// Time to first token and decode rate by input depth: per harness and prompt-size bucket,
// the median of each over every turn of a clean trial.

import type { SweepData } from '../queries.js';
import { groupedMedians, medianScratch, type MedianScratch } from '../stats.js';
import type { Prepared } from './prepare.js';
import { DEPTH_BUCKETS, type DepthRow } from './types.js';

function bucketOf(prompt: number): number {
  for (let b = 0; b < DEPTH_BUCKETS.length; b++) if (prompt < DEPTH_BUCKETS[b]!.hi) return b;
  return DEPTH_BUCKETS.length - 1;
}

export function buildDepth(data: SweepData, p: Prepared, scratch: MedianScratch = medianScratch(data.turns.length)): DepthRow[] {
  const { turns } = data;
  const { harnesses } = p;
  const hOf = p.cleanH; // clean attempts only, as the wall tables
  const H = harnesses.length;
  const B = DEPTH_BUCKETS.length;
  const bucketKey = scratch.keys.subarray(0, turns.length);
  for (let i = 0; i < turns.length; i++) {
    const h = hOf[turns.trial[i]!]!;
    const prompt = turns.promptTokens[i]!;
    bucketKey[i] = h < 0 || prompt !== prompt ? -1 : h * B + bucketOf(prompt);
  }
  const ttftByBucket = groupedMedians(bucketKey, turns.ttftMs, H * B, scratch.values);
  const decodeByBucket = groupedMedians(bucketKey, turns.decodeTps, H * B, scratch.values);
  return DEPTH_BUCKETS.map((bucket, b) => ({
    bucket: bucket.label,
    cells: harnesses.map((harness, h) => ({
      harness,
      ttftN: ttftByBucket.n[h * B + b]!,
      medianTtftMs: ttftByBucket.median[h * B + b]!,
      decodeN: decodeByBucket.n[h * B + b]!,
      medianDecodeTps: decodeByBucket.median[h * B + b]!,
    })),
  })).filter((row) => row.cells.some((c) => c.ttftN > 0 || c.decodeN > 0));
}
