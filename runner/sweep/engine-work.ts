// What a sweep asks of every engine of its pool outside the trials: each task's image built
// before the first trial, and whatever a crash left with the sweep's label removed after the last.

import { join } from 'node:path';
import { ERROR_CODES, errorMessage } from '../../core/errors.js';
import type { SweepObserver } from '../../core/sweep-events.js';
import type { SweepExecution } from './execute.js';
import { sweepDirFor } from './ids.js';

interface BuildFailure {
  code: string;
  message: string;
}

/** Build failures by engine ref, then task name. */
export type BuildFailures = ReadonlyMap<string, ReadonlyMap<string, BuildFailure>>;

/**
 * One build per task and engine (each engine has its own image store), in the main thread,
 * before any trial: a failure is that task's outcome on that engine.
 */
export async function buildImages(x: SweepExecution, emit: Required<SweepObserver>, taskNames: Set<string>): Promise<BuildFailures> {
  const all = new Map<string, Map<string, BuildFailure>>();
  const pooled = x.engines.length > 1;
  for (const { ref, engine } of x.engines) {
    const failures = new Map<string, BuildFailure>();
    all.set(ref, failures);
    for (const name of taskNames) {
      const task = x.tasks.get(name);
      if (!task || x.interrupt.stopping) continue;
      const logName = pooled ? `build-${name}-${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}.log` : `build-${name}.log`;
      const logPath = join(sweepDirFor(x.runsDir, x.sweepId), logName);
      try {
        // Ctrl-C cancels a build at once: no trial runs in it, so there is nothing to give grace to.
        await engine.ensureImage(task, { logPath, signal: x.interrupt.stopSignal });
      } catch (e) {
        if (x.interrupt.stopping) break; // cancelled, not failed: the task builds again on resume
        const code = (e as { code?: string }).code ?? ERROR_CODES.BUILD_FAILED;
        const message = errorMessage(e).includes(logPath) ? errorMessage(e) : `${errorMessage(e)} (build log: ${logPath})`;
        failures.set(name, { code, message });
        const where = pooled ? ` on ${ref}` : '';
        emit.onWarning(`task ${name}: image build failed${where}; its trials${where} are recorded as build_failed. ${message}`);
      }
    }
  }
  return all;
}

/** Trials tear themselves down; this catches whatever a crash in between left with our label. */
export async function removeLeftovers(x: SweepExecution, emit: Required<SweepObserver>): Promise<void> {
  for (const { ref, engine } of x.engines) {
    const on = x.engines.length > 1 ? ` on ${ref}` : '';
    try {
      const left = await engine.findLeftovers({ sweep: x.sweepId });
      if (left.length === 0) continue;
      const { failed } = await engine.removeLeftovers(left);
      for (const f of failed) emit.onWarning(`could not remove container ${f.container.name}${on}: ${f.error} (try \`pairbench cleanup\`)`);
    } catch (e) {
      emit.onWarning(`could not check for leftover containers${on}: ${errorMessage(e)}`);
    }
  }
}
