// What crosses between the sweep's main thread and a trial worker. Plain data only: errors
// lose their class in a structured clone, so a worker turns them into a TrialResult.

import type { MessagePort } from 'node:worker_threads';
import type { TrialPhase, TrialResult, TrialSpec } from '../../core/trial.js';
import type { TurnRecord } from '../../core/turn.js';

export interface WorkerTask {
  spec: TrialSpec;
  /** Transferred: events flow out, the abort request flows in. */
  port: MessagePort;
}

/** The worker's reply is the trial's result, whatever happened to the trial. */
export type WorkerReply = TrialResult;

export type ToMain = { type: 'turn'; turn: TurnRecord } | { type: 'phase'; phase: TrialPhase } | { type: 'end' };
export type ToWorker = { type: 'abort' };
