// The few reads and writes a sweep needs beyond store/records.ts: what a resumed sweep has
// already done, and closing out rows a killed runner left 'running'.

import type { Db } from '../../store/db.js';
import type { AttemptRow } from './pending.js';

export function attemptRows(db: Db, sweepId: string): AttemptRow[] {
  return db.prepare('SELECT slot_index, harness, attempt, status FROM trials WHERE sweep_id = ?').all(sweepId) as AttemptRow[];
}

/** A row left 'running' by a killed runner is no outcome: it becomes 'interrupted' and re-runs. */
export function markLeftoversInterrupted(db: Db, sweepId: string, at: string): number {
  return db
    .prepare(
      `UPDATE trials SET status = 'interrupted', finished_at = @at,
         error_message = COALESCE(error_message, 'the runner stopped before this trial finished')
       WHERE sweep_id = @sweepId AND status = 'running'`,
    )
    .run({ sweepId, at }).changes;
}

export function sweepIds(db: Db): string[] {
  return (db.prepare('SELECT id FROM sweeps ORDER BY created_at').all() as { id: string }[]).map((r) => r.id);
}
