// Small formatting helpers shared by the human-facing reporters.

import type { SweepCounts } from './types.js';

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Remaining time from this run's pace; null until one entry has finished in this run. */
export function eta(counts: SweepCounts, doneAtStart: number, elapsedMs: number): number | null {
  const doneHere = counts.done - doneAtStart;
  if (doneHere <= 0) return null;
  return (elapsedMs / doneHere) * (counts.total - counts.done);
}
