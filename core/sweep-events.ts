// What a running sweep says about itself, in order: the executor emits these events and
// everything that watches a sweep takes them through optional lifecycle hooks. The live
// line, plain lines, the JSON stream and the closing summary are observers; so is the
// store's recorder, which writes each event as rows. Nothing here carries a secret: the
// executor never holds an API key.

import type { HarnessLimits, Levers, LeversReached, ProxyLevers } from './harness.js';
import type { TrialStatus } from './outcomes.js';
import type { TrialPhase, TrialResult } from './trial.js';
import type { TurnRecord } from './turn.js';

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

/** Where and with what a trial runs, known before it starts (the store keeps it with the row). */
export interface TrialStartInfo extends TrialInfo {
  sweepId: string;
  harnessBase: string;
  /** `profile`: the serving profile the trial ran on (the serving file's start-up flags), or null. */
  harnessConfig: { levers: Levers | null; limits: HarnessLimits; profile?: string | null; proxyLevers?: ProxyLevers; leversReached?: LeversReached };
  simulated: boolean;
  containerName: string;
  trialDir: string;
  startedAt: string;
  /** The engine the trial runs on, as its ref. */
  engine?: string;
}

export interface TrialEndInfo extends TrialInfo {
  status: TrialStatus;
  reward: number | null;
  wallMs: number | null;
  errorMessage: string | null;
  /** A substrate outcome with retries left: another attempt follows. */
  willRetry: boolean;
  /** The whole result; the fields above are its headline. */
  result: TrialResult;
  finishedAt: string;
}

export interface ServingEventInfo {
  sweepId: string;
  kind: 'start' | 'ready' | 'restart' | 'canary' | 'stop' | 'crash' | 'stall' | 'halt';
  reason: string | null;
  durationMs: number | null;
  at: string;
  /** Trials finished in this run when the event happened. */
  trialsDone: number;
  detail?: unknown;
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
  finishedAt: string;
  /** The command that continues this sweep, when it did not complete. */
  resumeCommand: string | null;
  /** What stopped the sweep short of its trials, when it was the sweep's own failure (code null: an error without one). */
  error: { code: string | null; message: string } | null;
}

export interface AgentIsolation {
  /** Firewall rules left the recording proxy the only thing of the host the containers reach. */
  enforced: boolean;
  /** What stood, or why nothing did. */
  detail: string;
}

export interface SweepObserver {
  /** `counts` already holds what a resumed sweep finished before this run. */
  onSweepStart?(info: SweepStartInfo, counts: SweepCounts): void;
  /** What the serving layer says of itself, once it is up. */
  onServingProvenance?(sweepId: string, provenance: Record<string, unknown>): void;
  /** Whether installed agents' containers are kept from the host's services, once their network is up. */
  onAgentIsolation?(sweepId: string, isolation: AgentIsolation): void;
  onTrialStart?(trial: TrialStartInfo, counts: SweepCounts): void;
  onTrialPhase?(trial: TrialInfo, phase: TrialPhase): void;
  onTurn?(trial: TrialInfo, turn: TurnRecord): void;
  onTrialEnd?(trial: TrialEndInfo, counts: SweepCounts): void;
  onServingEvent?(event: ServingEventInfo, counts: SweepCounts): void;
  onWarning?(message: string): void;
  onSweepEnd?(info: SweepEndInfo): void;
}

// Every hook once: the compiler refuses this table when a hook is added above and not here.
const HOOKS: { [K in keyof SweepObserver]-?: true } = {
  onSweepStart: true,
  onServingProvenance: true,
  onAgentIsolation: true,
  onTrialStart: true,
  onTrialPhase: true,
  onTurn: true,
  onTrialEnd: true,
  onServingEvent: true,
  onWarning: true,
  onSweepEnd: true,
};

/**
 * Fans each hook out to every observer, in the order given: the recorder goes first, so a
 * row is written before anyone is told about it. A throwing observer stops the fan-out.
 */
export function combineObservers(observers: readonly SweepObserver[]): Required<SweepObserver> {
  const out: Record<string, (...args: unknown[]) => void> = {};
  for (const key of Object.keys(HOOKS) as (keyof SweepObserver)[]) {
    out[key] = (...args: unknown[]): void => {
      for (const o of observers) (o[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
    };
  }
  return out as unknown as Required<SweepObserver>;
}
