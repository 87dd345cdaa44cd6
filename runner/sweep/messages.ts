// What crosses between the sweep's main thread and a trial worker. Plain data only: errors
// lose their class in a structured clone, so a worker reports them as fields.

import type { MessagePort } from 'node:worker_threads';
import type { TrialResult, TrialSpec } from '../../core/trial.js';
import type { TurnRecord } from '../../core/turn.js';
import type { Outcome } from '../../core/outcomes.js';

export type TrialPhase = 'build' | 'setup' | 'agent' | 'verify' | 'teardown';

export interface WorkerTask {
  spec: TrialSpec;
  /** Transferred: events flow out, the abort request flows in. */
  port: MessagePort;
}

export type WorkerReply =
  | { kind: 'result'; result: TrialResult }
  | { kind: 'interrupted'; message: string }
  /** runTrial itself threw (it normally turns failures into outcomes). */
  | { kind: 'error'; code: string | null; outcome: Outcome | null; message: string };

export type ToMain = { type: 'turn'; turn: TurnRecord } | { type: 'phase'; phase: TrialPhase } | { type: 'end' };
export type ToWorker = { type: 'abort' };
