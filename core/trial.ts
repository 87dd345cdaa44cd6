// One trial, as the sweep executor hands it to a worker thread: plain data only, so it
// crosses a structured clone. The worker builds the harness and model client from it.

import type { HarnessSpec } from './harness.js';
import type { LoadedTask } from './task.js';
import type { Outcome } from './outcomes.js';
import type { TurnRecord } from './turn.js';
import type { ServingEndpoint } from './serving.js';

export type SelinuxMode = 'auto' | 'on' | 'off';

export interface TrialSpec {
  trialId: string;
  sweepId: string;
  task: LoadedTask;
  harness: HarnessSpec;
  trialIndex: number;
  attempt: number;
  /** The trial's own host directory: mounts, transcript, logs. Unique per attempt. */
  trialDir: string;
  /** Container name, unique per attempt, so parallel attempts never collide. */
  containerName: string;
  selinux: SelinuxMode;
  serving: ServingEndpoint | null;
  /** The engine to run on, as engines/registry.ts parses it; the local Docker engine when absent. */
  engine?: string;
}

export interface TrialResult {
  status: Outcome;
  reward: number | null;
  rewards: Record<string, number> | null;
  wallMs: number;
  setupMs: number | null; // image build/lookup + container create/start + mounts
  agentMs: number | null;
  verifyMs: number | null;
  teardownMs: number | null;
  turns: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  image: string | null;
}

export interface TrialEvents {
  onTurn(turn: TurnRecord): void;
  onPhase?(phase: 'build' | 'setup' | 'agent' | 'verify' | 'teardown'): void;
}
