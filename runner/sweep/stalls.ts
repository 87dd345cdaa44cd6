// A trial that ended because the serving layer stalled (no first token, or a stream gone
// quiet) says so in its error code; the sweep turns that into a serving event saying what
// stalled and for how long, and restarts a server it owns before the slot is retried, as it
// does after a crash.

import { ERROR_CODES } from '../../core/errors.js';
import type { TrialResult } from '../../core/trial.js';

const STALL_CODES: ReadonlySet<string> = new Set([ERROR_CODES.SERVING_STALLED, ERROR_CODES.SERVING_NO_FIRST_TOKEN]);

export interface Stall {
  /** 'no first token' or 'stream stalled'. */
  what: string;
  /** The deadline that ran out, as the error message gives it. */
  forMs: number | null;
  message: string;
}

export function stallOf(result: Pick<TrialResult, 'status' | 'errorCode' | 'errorMessage'>): Stall | null {
  if (result.status !== 'serving_failed' || result.errorCode === null || !STALL_CODES.has(result.errorCode)) return null;
  const message = result.errorMessage ?? '';
  const ms = /(\d+) ms/.exec(message);
  return {
    what: result.errorCode === ERROR_CODES.SERVING_NO_FIRST_TOKEN ? 'no first token' : 'stream stalled',
    forMs: ms ? Number(ms[1]) : null,
    message,
  };
}
