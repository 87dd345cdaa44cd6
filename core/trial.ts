// One trial, as the sweep executor hands it to a worker thread: plain data only, so it
// crosses a structured clone. The worker builds the harness and model client from it.

import type { HarnessSpec } from './harness.js';
import type { LoadedTask } from './task.js';
import type { TrialStatus } from './outcomes.js';
import type { TurnRecord } from './turn.js';
import type { ServingEndpoint } from './serving.js';

export const SELINUX_MODES = ['auto', 'on', 'off'] as const;
export type SelinuxMode = (typeof SELINUX_MODES)[number];

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
  /** `--network none`: every phase offline, whatever the task says. */
  forceOffline?: boolean;
  /** For an installed agent: the proxy it reaches, the network it reaches it on, its read-only mounts. */
  agent?: AgentRun;
}

export interface AgentRun {
  /** The recording proxy's OpenAI base URL (ending in /v1) on the sweep's internal network. */
  baseUrl: string;
  /** The trial's own proxy key; never the user's API key. */
  key: string;
  model: string;
  /** The internal network the container joins instead of its task's network. */
  network: string;
  /** host:container:ro binds: the agent's install, and node when its runtime needs it. */
  binds: string[];
}

/** The steps of one trial, in order; teardown follows whichever step it stopped in. */
export const TRIAL_PHASES = ['build', 'setup', 'agent', 'verify', 'teardown'] as const;
export type TrialPhase = (typeof TRIAL_PHASES)[number];

/**
 * How one trial ended: the one shape that travels from the trial through the worker and the
 * executor to the store (which maps it to the trials table's columns) and to `tasks check`.
 * runTrial always sets wallMs and an outcome; a trial that never ran to an outcome
 * (interrupted, a worker that died, a task whose image did not build) has only the
 * status and error fields, from trialEndedEarly.
 */
export interface TrialResult {
  status: TrialStatus;
  reward: number | null;
  rewards: Record<string, number> | null;
  wallMs: number | null;
  setupMs: number | null; // image build/lookup + container create/start + mounts
  agentMs: number | null;
  verifyMs: number | null;
  teardownMs: number | null;
  turns: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  image: string | null;
}

/** A result with no figures: the trial stopped (or never started) before it had any. */
export function trialEndedEarly(status: TrialStatus, errorCode: string | null, errorMessage: string | null): TrialResult {
  return {
    status,
    reward: null,
    rewards: null,
    wallMs: null,
    setupMs: null,
    agentMs: null,
    verifyMs: null,
    teardownMs: null,
    turns: null,
    errorCode,
    errorMessage,
    image: null,
  };
}

export interface TrialEvents {
  onTurn(turn: TurnRecord): void;
  onPhase?(phase: TrialPhase): void;
}
