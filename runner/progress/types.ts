// Sweep reporters: objects with optional lifecycle hooks, called by the executor in order.
// The live TTY line, plain lines, the JSON stream and the closing summary are each one.
// Nothing passed here carries a secret: the executor never holds an API key.

import type { TrialStatus } from '../../core/outcomes.js';

export interface SweepStartInfo {
  sweepId: string;
  dbPath: string;
  resumed: boolean;
  /** Planned entries (one harness on one slot). */
  total: number;
  /** Entries already finished before this run (resume). */
  alreadyDone: number;
  concurrency: number;
  harnesses: string[];
  tasks: string[];
  servingKind: string;
}

export interface TrialInfo {
  trialId: string;
  task: string;
  harness: string;
  trialIndex: number;
  slotIndex: number;
  groupIndex: number;
  attempt: number;
}

export interface TrialEndInfo extends TrialInfo {
  status: TrialStatus;
  reward: number | null;
  wallMs: number | null;
  errorMessage: string | null;
  /** A substrate outcome with retries left: another attempt follows. */
  willRetry: boolean;
}

export interface ServingEventInfo {
  kind: string;
  reason: string | null;
  durationMs: number | null;
}

export interface SweepCounts {
  total: number;
  /** Entries finished (an agent outcome, or substrate outcomes with retries spent). */
  done: number;
  passed: number;
  /** Agent outcomes other than pass. */
  failed: number;
  /** Attempts that ended with a substrate outcome, retried ones included. */
  substrate: number;
  interrupted: number;
  restarts: number;
}

export interface SweepEndInfo {
  sweepId: string;
  dbPath: string;
  status: 'completed' | 'interrupted' | 'failed';
  counts: SweepCounts;
  wallMs: number;
  /** The command that continues this sweep, when it did not complete. */
  resumeCommand: string | null;
}

export interface SweepReporter {
  /** `counts` already holds what a resumed sweep finished before this run. */
  onSweepStart?(info: SweepStartInfo, counts: SweepCounts): void;
  onTrialStart?(trial: TrialInfo, counts: SweepCounts): void;
  onTrialEnd?(trial: TrialEndInfo, counts: SweepCounts): void;
  onServingEvent?(event: ServingEventInfo, counts: SweepCounts): void;
  onWarning?(message: string): void;
  onSweepEnd?(info: SweepEndInfo): void;
}

/** Fans each hook out to every reporter. */
export function combineReporters(reporters: SweepReporter[]): Required<SweepReporter> {
  const call =
    <K extends keyof SweepReporter>(key: K) =>
    (...args: Parameters<NonNullable<SweepReporter[K]>>): void => {
      for (const r of reporters) (r[key] as ((...a: typeof args) => void) | undefined)?.(...args);
    };
  return {
    onSweepStart: call('onSweepStart'),
    onTrialStart: call('onTrialStart'),
    onTrialEnd: call('onTrialEnd'),
    onServingEvent: call('onServingEvent'),
    onWarning: call('onWarning'),
    onSweepEnd: call('onSweepEnd'),
  };
}
