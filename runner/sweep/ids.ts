// Names for a sweep's things. Every attempt gets its own trial id, container name and
// directory, so two attempts of one task (retries, resume, parallel workers) never collide.

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** e.g. sw-20250601-221530-3fa2: sortable by start time, unique across machines sharing a db. */
export function newSweepId(now: Date = new Date(), prefix = 'sw'): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Lowercase [a-z0-9.-]: safe in container names, paths and labels. `terse+think` -> `terse-think`. */
export function sanitizeIdPart(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'x';
}

export function trialIdFor(sweepId: string, slotIndex: number, harness: string, attempt: number): string {
  return `${sweepId}-s${slotIndex}-${sanitizeIdPart(harness)}-a${attempt}`;
}

export function containerNameFor(trialId: string): string {
  return `pb-${trialId}`;
}

export function sweepDirFor(runsDir: string, sweepId: string): string {
  return join(runsDir, sweepId);
}

export function trialDirFor(runsDir: string, sweepId: string, trialId: string): string {
  return join(runsDir, sweepId, trialId);
}
