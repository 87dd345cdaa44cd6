// One trial, as the sweep executor hands it to a worker thread: plain data only, so it
// crosses a structured clone. The worker builds the harness and model client from it.

import type { HarnessSpec } from '../harnesses/types.js';
import type { LoadedTask } from './task/types.js';
import type { Dialect } from '../serving/client/types.js';
import type { Outcome } from './outcomes.js';
import type { TurnRecord } from '../store/records.js';

export type SelinuxMode = 'auto' | 'on' | 'off';

export interface ServingEndpoint {
  baseUrl: string; // e.g. http://127.0.0.1:8080
  model: string;
  dialect: Dialect;
  /** Name of the environment variable holding the API key; the key itself never travels. */
  apiKeyEnv: string | null;
  simulated: boolean;
  timeouts?: { firstTokenMs?: number; idleMs?: number };
}

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
