// `pairbench tasks check`: a task is sound when its reference solution passes its verifier
// (oracle -> pass) and an untouched container fails it (nop -> fail). Judging is a pure
// function of the two results; running them is a thin loop over runTrial.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine } from '../../engines/registry.js';
import { isSubstrateOutcome } from '../../core/outcomes.js';
import { containerNameFor, newSweepId, trialDirFor } from '../sweep/ids.js';
import { runTrial } from '../trial.js';
import { verifierHostDir } from '../../verifier/verify.js';
import type { HarnessSpec } from '../../core/harness.js';
import type { SelinuxMode, TrialResult, TrialSpec } from '../../core/trial.js';
import { loadTasks, unfinishedWarning, type BrokenTask } from './load.js';
import type { LoadedTask } from '../../core/task.js';

export type CheckHarness = 'oracle' | 'nop';

/** A check trial's result, and where its verifier output is kept. */
export interface CheckTrial extends TrialResult {
  trialDir: string;
}

export interface TaskCheck {
  name: string;
  dir: string;
  ok: boolean;
  /** Why the task fails the check, one line each; empty when ok. */
  reasons: string[];
  oracle: CheckTrial | null;
  nop: CheckTrial | null;
}

export interface CheckReport {
  ok: boolean;
  sweepId: string;
  runsDir: string;
  tasks: TaskCheck[];
  /** Scaffolds left out of 'all' (placeholders remain): named, not run, not counted as failing. */
  unfinished: { name: string; dir: string; files: string[] }[];
}

export interface CheckOptions {
  tasksDir: string;
  names: string[] | 'all';
  selinux: SelinuxMode;
  signal?: AbortSignal;
  /** Where trial directories go; a fresh temp directory when absent. */
  runsDir?: string;
  onTrialStart?(task: string, harness: CheckHarness): void;
  onTaskDone?(check: TaskCheck): void;
  /** Load warnings: unfinished tasks left out, Harbor fields a task sets that pairbench does not honour. */
  onWarning?(message: string): void;
}

const SPECS: Record<CheckHarness, HarnessSpec> = {
  // Limits do not apply to oracle and nop; the values only satisfy the contract.
  oracle: { name: 'oracle', base: 'oracle', levers: null, limits: { maxTurns: 1, maxOutputTokens: 1, observationBytes: 4096 } },
  nop: { name: 'nop', base: 'nop', levers: null, limits: { maxTurns: 1, maxOutputTokens: 1, observationBytes: 4096 } },
};

/** e.g. check-20250601-221530-3fa2: its own sweep id, so `pairbench cleanup --sweep` finds leftovers. */
export function newCheckSweepId(now: Date = new Date()): string {
  return newSweepId(now, 'check');
}

function describeTrial(harness: CheckHarness, t: CheckTrial): string {
  const reward = t.reward === null ? '' : ` (reward ${t.reward})`;
  return `${harness} ended ${t.status}${reward}`;
}

const stdoutOf = (t: CheckTrial): string => join(verifierHostDir(t.trialDir), 'test-stdout.txt');

/** Why a task fails the check (empty when it passes): oracle must pass, nop must fail. */
export function judgeTask(oracle: CheckTrial, nop: CheckTrial | null): string[] {
  const reasons: string[] = [];
  if (isSubstrateOutcome(oracle.status)) {
    reasons.push(
      `${describeTrial('oracle', oracle)}: a substrate error (the machine's fault, not the task's verdict): ${oracle.errorMessage ?? oracle.errorCode ?? 'no detail'}`,
    );
  } else if (oracle.status !== 'pass') {
    const detail =
      oracle.status === 'fail'
        ? `solution/solve.sh did not satisfy tests/test.sh; see ${stdoutOf(oracle)}`
        : (oracle.errorMessage ?? 'the reference solution did not finish');
    reasons.push(`${describeTrial('oracle', oracle)}: the oracle must pass; ${detail}`);
  }
  if (nop === null) {
    reasons.push('nop was not run: the task image did not build');
  } else if (isSubstrateOutcome(nop.status)) {
    reasons.push(
      `${describeTrial('nop', nop)}: a substrate error (the machine's fault, not the task's verdict): ${nop.errorMessage ?? nop.errorCode ?? 'no detail'}`,
    );
  } else if (nop.status === 'pass') {
    reasons.push(
      `${describeTrial('nop', nop)}: the nop harness must fail; tests/test.sh accepts a container nobody touched, so it checks too little (see ${stdoutOf(nop)})`,
    );
  } else if (nop.status !== 'fail') {
    reasons.push(`${describeTrial('nop', nop)}: the nop harness must end in fail; ${nop.errorMessage ?? ''}`.trimEnd());
  }
  return reasons;
}

export function brokenCheck(b: BrokenTask): TaskCheck {
  return {
    name: b.name,
    dir: b.dir,
    ok: false,
    reasons: [`the task directory is broken: ${b.problems.join('; ')}`],
    oracle: null,
    nop: null,
  };
}

async function runOne(
  task: LoadedTask,
  harness: CheckHarness,
  sweepId: string,
  runsDir: string,
  opts: CheckOptions,
): Promise<CheckTrial> {
  const trialId = `${sweepId}-${task.name}-${harness}`;
  const trialDir = trialDirFor(runsDir, sweepId, trialId);
  const spec: TrialSpec = {
    trialId,
    sweepId,
    task,
    harness: SPECS[harness],
    trialIndex: 0,
    attempt: 1,
    trialDir,
    containerName: containerNameFor(trialId),
    selinux: opts.selinux,
    serving: null,
  };
  opts.onTrialStart?.(task.name, harness);
  const result = await runTrial(spec, { onTurn: () => undefined }, opts.signal);
  return { ...result, trialDir };
}

/**
 * Runs oracle then nop on each task, one trial at a time. The runs directory is removed when
 * every task passes and kept otherwise, so a failing verifier's output can be read.
 */
export async function checkTasks(opts: CheckOptions): Promise<CheckReport> {
  const { tasks, broken, unfinished: left } = await loadTasks(opts.tasksDir, opts.names);
  const sweepId = newCheckSweepId();
  const results: TaskCheck[] = [];
  const unfinished = left.map((t) => ({ name: t.name, dir: t.dir, files: t.unfinished }));
  for (const t of left) opts.onWarning?.(unfinishedWarning(t));
  for (const t of tasks) for (const w of t.warnings) opts.onWarning?.(`task ${t.name}: ${w}`);
  // Broken ones first: the user learns about them before waiting for any container.
  for (const b of broken) {
    const check = brokenCheck(b);
    results.push(check);
    opts.onTaskDone?.(check);
  }
  if (tasks.length === 0) return { ok: false, sweepId, runsDir: '', tasks: results, unfinished };

  await connectEngine(); // fails fast, with the engine's own message, when no engine answers
  const ownRunsDir = opts.runsDir === undefined;
  const runsDir = opts.runsDir ?? (await mkdtemp(join(tmpdir(), 'pairbench-check-')));
  try {
    for (const task of tasks) {
      const oracle = await runOne(task, 'oracle', sweepId, runsDir, opts);
      const nop = oracle.status === 'build_failed' ? null : await runOne(task, 'nop', sweepId, runsDir, opts);
      const reasons = judgeTask(oracle, nop);
      const check: TaskCheck = { name: task.name, dir: task.dir, ok: reasons.length === 0, reasons, oracle, nop };
      results.push(check);
      opts.onTaskDone?.(check);
    }
  } catch (e) {
    // Interrupted (Ctrl-C): no verdict to explain, so leave nothing behind.
    if (ownRunsDir) await rm(runsDir, { recursive: true, force: true });
    throw e;
  }
  const ok = results.every((r) => r.ok);
  if (ok && ownRunsDir) await rm(runsDir, { recursive: true, force: true });
  return { ok, sweepId, runsDir, tasks: results, unfinished };
}
