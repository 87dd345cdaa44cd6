// The interface every harness implements: oracle and nop (no model), terse and tmux (agent
// loops), and what a harness base registers (harnesses/registry.ts).

import type { LoadedTask } from '../core/task.js';
import type { TrialContainer } from '../core/container.js';
import type { ModelClient } from '../serving/client/types.js';
import type { Contract } from '../core/contracts.js';
import type { TurnRecord } from '../core/turn.js';
import type { HarnessSpec } from '../core/harness.js';
import type { HarnessBaseInfo } from '../core/harness-bases.js';

export interface HarnessContext {
  trialId: string;
  task: LoadedTask;
  container: TrialContainer;
  trialDir: string; // host directory for this trial (transcript, state file, mounts)
  model: ModelClient | null;
  /** Where an installed agent reaches the recording proxy, with the trial's own key. */
  agentEndpoint?: { baseUrl: string; key: string; model: string };
  /** Aborted at the task's agent timeout or on Ctrl-C; harnesses stop promptly when it fires. */
  signal: AbortSignal;
  onTurn(turn: TurnRecord): void;
  /** Appends one entry to the trial's transcript (requests and replies; never a secret). */
  transcript(entry: Record<string, unknown>): void;
}

export type HarnessStop = 'done' | 'turn_limit' | 'output_limit' | 'context_limit' | 'agent_timeout';

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

export type HarnessFactory = (spec: HarnessSpec) => Harness;

/** A base as the variant parser and createHarness see it: its declaration and its factory. */
export interface HarnessBaseEntry extends HarnessBaseInfo {
  create: HarnessFactory;
}
