// How a sweep drives the serving layer: bring it up, restart it where the sweep's plan says
// or on a canary's word, and say what it is. Each implementation (owned command, restart command,
// engine container, remote API) reports what it did through onEvent, which the sweep writes
// to SQLite as serving_events.

import type { ServingEndpoint } from '../../core/serving.js';

export type ServingKind = 'simulated' | 'command' | 'restart-command' | 'container' | 'none';

export type RestartPolicy = { kind: 'never' } | { kind: 'every'; trials: number } | { kind: 'group' };

export interface CanaryPolicy {
  everyTrials: number; // 0 = only after restarts
  factor: number; // restart early when canary latency > factor x post-restart baseline
}

export interface ServingEventOut {
  kind: 'start' | 'ready' | 'restart' | 'canary' | 'stop' | 'crash';
  reason: string | null;
  at: string; // ISO time
  durationMs: number | null;
  detail?: unknown;
}

export interface ServingController {
  readonly kind: ServingKind;
  readonly endpoint: ServingEndpoint;
  /** Starts the server if pairbench owns it, then waits for health; `signal` ends the wait early (Ctrl-C). */
  start(signal?: AbortSignal): Promise<void>;
  /** Restarts (if it can) and waits for health; `reason` is stored with the event. */
  restart(reason: string): Promise<void>;
  /**
   * Selects a serving profile (the serving file's start-up flags; null: none). Before start()
   * it shapes the first start; afterwards a different profile restarts the server with it.
   */
  useProfile(name: string | null, reason: string): Promise<void>;
  /**
   * After a trial the serving layer failed: restarts a server pairbench owns when it crashed
   * or `restart` says so (a stall), else waits for its health route. Throws when it is not
   * healthy again within the health timeout (or, for a remote server, refuses connections).
   */
  recover(reason: string, options: { restart: boolean; signal?: AbortSignal }): Promise<void>;
  /** Called by the sweep after each finished trial: restarts after a crash, runs the canary. */
  afterTrial(trialsDone: number): Promise<void>;
  /**
   * Called by the sweep where its plan restarts the serving layer, with the plan's reason;
   * restarts unless no trial ran since the last (re)start.
   */
  atBoundary(reason: string): Promise<void>;
  /** What the server says of itself (/props, /v1/models, version), stored with the sweep. */
  provenance(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  onEvent: (event: ServingEventOut) => void;
}
