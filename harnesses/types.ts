// The interface every harness implements: oracle and nop (no model), terse and tmux (agent loops).

import type { LoadedTask } from '../runner/task/types.js';
import type { TrialContainer } from '../runner/engine/types.js';
import type { ModelClient } from '../serving/client/types.js';
import type { Contract } from './contracts.js';
import type { TurnRecord } from '../store/records.js';

export type ContextPolicy = { kind: 'full' } | { kind: 'window'; k: number } | { kind: 'state-file' };

/** The four levers plus the context policy; both agent harnesses take all of them. */
export interface Levers {
  thinking: boolean;
  speculative: boolean;
  contract: Contract;
  state: 'host-exec' | 'tmux';
  context: ContextPolicy;
}

export interface HarnessLimits {
  maxTurns: number;
  maxOutputTokens: number; // per turn
  observationBytes: number; // command output fed back to the model is cut to this, with a marker
  /** Per command: a host exec is killed after this; tmux waits (duration, settling) are capped by it. */
  commandTimeoutSec?: number;
}

export type HarnessBase = 'oracle' | 'nop' | 'terse' | 'tmux';

/** A named variant, e.g. `terse+think` = base terse with thinking switched on. */
export interface HarnessSpec {
  name: string;
  base: HarnessBase;
  levers: Levers | null; // null for oracle and nop
  limits: HarnessLimits;
}

export interface HarnessContext {
  trialId: string;
  task: LoadedTask;
  container: TrialContainer;
  trialDir: string; // host directory for this trial (transcript, state file, mounts)
  model: ModelClient | null;
  /** Aborted at the task's agent timeout or on Ctrl-C; harnesses stop promptly when it fires. */
  signal: AbortSignal;
  onTurn(turn: TurnRecord): void;
  /** Appends one entry to the trial's transcript (requests and replies; never a secret). */
  transcript(entry: Record<string, unknown>): void;
}

export type HarnessStop = 'done' | 'turn_limit' | 'output_limit' | 'agent_timeout';

export interface HarnessResult {
  stop: HarnessStop;
  turns: number;
}

export interface Harness {
  readonly spec: HarnessSpec;
  readonly needsModel: boolean;
  /** Throws PairbenchError (with an outcome) for substrate failures: container gone, serving down. */
  run(ctx: HarnessContext): Promise<HarnessResult>;
}
