// The simulated server's process-wide state. Everything here lives in memory, so a
// restart (a new process, or a new startSimulatedServer call) starts from scratch: empty
// prefix caches, zero requests served, no slowdown.

import { setMaxListeners } from 'node:events';
import { FaultPlan } from './faults.js';
import type { ResolvedSimOptions } from './options.js';
import { KEYSTROKE_DURATION_SEC, ScriptedPolicy } from './policy.js';
import { SlotPool } from './prefix-cache.js';
import { TaskLibrary } from './task-library.js';
import { ToolPolicy } from './tool-policy.js';

export interface SimStats {
  requests: number;
  promptTokens: number; // processed (uncached) prompt tokens, as llamacpp:prompt_tokens_total
  promptMs: number;
  predictedTokens: number;
  predictedMs: number;
  cacheHits: number;
  cachedTokens: number;
  processing: number;
  deferred: number;
}

export interface SimState {
  readonly opts: ResolvedSimOptions;
  readonly startedAt: number;
  readonly pool: SlotPool;
  readonly policy: ScriptedPolicy;
  /** The scripted model when a request offers a shell tool. */
  readonly toolPolicy: ToolPolicy;
  readonly faults: FaultPlan;
  readonly stats: SimStats;
  /** Aborted when the server closes, so sleeping handlers wake and stop. */
  readonly lifetime: AbortController;
  nextId: number;
  /** Called when a crash fault fires. */
  crash: () => void;
}

export function createState(opts: ResolvedSimOptions, crash: () => void): SimState {
  // Each request in flight listens for the close, and stops listening when it ends; more than
  // ten at once is load, not a leak, so Node's leak warning is turned off for this signal.
  const lifetime = new AbortController();
  setMaxListeners(Infinity, lifetime.signal);
  const library = new TaskLibrary(opts.tasksDir);
  return {
    opts,
    startedAt: Date.now(),
    pool: new SlotPool(opts.slots),
    toolPolicy: new ToolPolicy(library),
    // The model's chosen waits are simulated time too: --time-scale 0 means no waiting anywhere.
    policy: new ScriptedPolicy(library, {
      keystrokeDurationSec: KEYSTROKE_DURATION_SEC * opts.timeScale,
    }),
    faults: new FaultPlan(opts.faults, opts.seed, opts.burstLength),
    stats: { requests: 0, promptTokens: 0, promptMs: 0, predictedTokens: 0, predictedMs: 0, cacheHits: 0, cachedTokens: 0, processing: 0, deferred: 0 },
    lifetime,
    nextId: 1,
    crash,
  };
}

export function isLoading(state: SimState): boolean {
  return Date.now() - state.startedAt < state.opts.loadTimeMs;
}

/** Waits `ms` real milliseconds; resolves false early if the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
