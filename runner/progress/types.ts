// Sweep reporters: observers of the sweep's events (core/sweep-events.ts) that print. The
// live TTY line, plain lines, the JSON stream and the closing summary are each one.

import { combineObservers, type SweepObserver } from '../../core/sweep-events.js';

export type {
  ServingEventInfo,
  SweepCounts,
  SweepEndInfo,
  SweepStartInfo,
  TrialEndInfo,
  TrialInfo,
  TrialStartInfo,
} from '../../core/sweep-events.js';

export type SweepReporter = SweepObserver;

/** Fans each hook out to every reporter. */
export const combineReporters = (reporters: SweepReporter[]): Required<SweepReporter> => combineObservers(reporters);
