// What a sweep does after the serving layer fails a trial: no trial starts until the server
// is healthy again (restarted first when pairbench owns it and it crashed or stalled), and a
// run of consecutive serving failures, or a server that does not come back, stops the sweep
// from starting trials at all (a circuit breaker). Without it a dead server or a wrong key
// burns every remaining slot, each with a container, and the sweep still says "completed".

import { errorMessage } from '../../core/errors.js';
import type { TrialStatus } from '../../core/outcomes.js';
import type { ServingController } from '../../serving/control/types.js';

/** Consecutive serving_failed trials that stop the sweep. */
export const SERVING_FAILURES_BEFORE_STOP = 3;

export interface ServingGuard {
  /** Resolves when a trial may start: no recovery is under way. */
  ready(): Promise<void>;
  /** Why the sweep stopped starting trials, or null while it may go on. */
  readonly tripped: string | null;
  /** Hears every finished trial's outcome; trips when serving failures run on. */
  note(trialId: string, status: TrialStatus, error: { code: string | null; message: string | null }): void;
  /**
   * After a serving failure: recovers the serving layer (every lane waits for it) and trips
   * when the server does not come back.
   */
  recover(trialId: string, status: TrialStatus, stalled: boolean): Promise<void>;
}

export function createServingGuard(serving: ServingController | null, options: { limit?: number; signal?: AbortSignal; onTrip(reason: string): void }): ServingGuard {
  const limit = options.limit ?? SERVING_FAILURES_BEFORE_STOP;
  let consecutive = 0;
  let last = '';
  let tripped: string | null = null;
  let recovering: Promise<void> = Promise.resolve();
  const trip = (reason: string): void => {
    if (tripped !== null) return;
    tripped = reason;
    options.onTrip(reason);
  };
  return {
    ready: () => recovering,
    get tripped() {
      return tripped;
    },
    note(trialId, status, error) {
      if (status === 'interrupted') return;
      if (status !== 'serving_failed') {
        consecutive = 0;
        return;
      }
      consecutive += 1;
      last = `${error.code ?? 'serving_failed'}: ${error.message ?? 'no message'}`;
      if (consecutive >= limit) trip(`the serving layer failed ${consecutive} trials in a row (the last, ${trialId}, ${last})`);
    },
    async recover(trialId, status, stalled) {
      if (status !== 'serving_failed' || !serving || tripped !== null) return;
      const cause = last;
      const step = serving.recover(`trial ${trialId} ended serving_failed (${cause})`, { restart: stalled, ...(options.signal && { signal: options.signal }) });
      recovering = step.then(
        () => undefined,
        (e: unknown) => trip(`the serving layer did not come back after trial ${trialId} (${cause}): ${errorMessage(e)}`),
      );
      await recovering;
    },
  };
}
