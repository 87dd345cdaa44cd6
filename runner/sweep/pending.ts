// Which planned entries still need a run: pure, so resume's "never twice, never lost" rule
// is tested without Docker. An entry is finished once it has an agent outcome, or substrate
// outcomes on every attempt it is allowed (1 + retries). Running and interrupted rows are
// not outcomes: the entry runs again, under a fresh attempt number. A resume given --retries
// starts a fresh budget: every entry without an agent outcome runs again, substrate failures
// whose retries were spent included (the server they failed on may be mended now).

import { isAgentOutcome, isSubstrateOutcome } from '../../core/outcomes.js';
import type { PlanEntry } from '../plan/plan.js';

export interface AttemptRow {
  slot_index: number | null;
  harness: string;
  attempt: number;
  status: string;
}

export interface EntryState {
  entry: PlanEntry;
  finished: boolean;
  /** Substrate outcomes stored so far. */
  substrateAttempts: number;
  /** The part of them that counts against this run's retry budget (none with a fresh budget). */
  budgetUsed: number;
  /** The attempt number the next run takes (one above every attempt already stored). */
  nextAttempt: number;
  /** The outcome that finished the entry, or null while it is unfinished. */
  outcome: string | null;
}

export const entryKey = (slotIndex: number, harness: string): string => `${slotIndex}\u0000${harness}`;

export function entryStates(entries: readonly PlanEntry[], rows: readonly AttemptRow[], retries: number, budget: 'stored' | 'fresh' = 'stored'): EntryState[] {
  const byKey = new Map<string, AttemptRow[]>();
  for (const r of rows) {
    if (r.slot_index === null) continue;
    const k = entryKey(r.slot_index, r.harness);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  return entries.map((entry) => {
    const attempts = byKey.get(entryKey(entry.slotIndex, entry.harness)) ?? [];
    const substrateAttempts = attempts.filter((a) => isSubstrateOutcome(a.status)).length;
    const budgetUsed = budget === 'fresh' ? 0 : substrateAttempts;
    const finished = attempts.some((a) => isAgentOutcome(a.status)) || budgetUsed >= 1 + retries;
    const nextAttempt = attempts.reduce((m, a) => Math.max(m, a.attempt), 0) + 1;
    const agent = attempts.find((a) => isAgentOutcome(a.status));
    const lastSubstrate = attempts.filter((a) => isSubstrateOutcome(a.status)).sort((x, y) => y.attempt - x.attempt)[0];
    const outcome = !finished ? null : (agent ?? lastSubstrate)!.status;
    return { entry, finished, substrateAttempts, budgetUsed, nextAttempt, outcome };
  });
}
