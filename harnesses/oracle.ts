// The oracle harness runs the task's reference solution: a task the oracle fails has a
// broken solution or verifier, not a hard problem.

import path from 'node:path';
import { ABORTED, raceAbort } from './agent/executors/abortable.js';
import type { Harness, HarnessFactory, HarnessContext, HarnessResult } from './types.js';
import type { HarnessSpec } from '../core/harness.js';

export const ORACLE_LOG = '/logs/agent/oracle.txt';
const PID_FILE = '/tmp/pairbench-oracle.pid';

export class OracleHarness implements Harness {
  readonly needsModel = false;
  constructor(readonly spec: HarnessSpec) {}

  async run(ctx: HarnessContext): Promise<HarnessResult> {
    const { container, signal } = ctx;
    if (signal.aborted) return { stop: 'agent_timeout', turns: 0 };
    ctx.transcript({ type: 'oracle', event: 'start', command: 'bash /solution/solve.sh', log: ORACLE_LOG });

    // setsid puts the solution in its own process group, so an abort can kill all of it
    // (an exec has no signal of its own; the container outlives the agent phase). Started in
    // the background of a shell without job control (set +m, whatever a profile turned on),
    // setsid is no group leader, so it does not fork: $! is the new group's leader, solve.sh's
    // own bash. solution/ travels on the same exec's stdin, which saves a separate upload.
    const command = `set +m; setsid -w bash /solution/solve.sh > ${ORACLE_LOG} 2>&1 & echo $! > ${PID_FILE}; wait $!`;
    const exec = container.execWithDirectory(path.dirname(ctx.task.paths.solveSh), '/solution', command, { maxOutputBytes: 64 * 1024 });
    // raceAbort drops its listener when the exec wins, and swallows the exec's late end
    // after an abort (it ends with the process group, or the container).
    const outcome = await raceAbort(exec, signal);
    if (outcome === ABORTED) {
      await container
        .exec(`kill -KILL -- -"$(cat ${PID_FILE})" 2>/dev/null; true`, { timeoutMs: 5_000 })
        .catch(() => undefined); // best effort: teardown removes the container regardless
      ctx.transcript({ type: 'oracle', event: 'aborted' });
      return { stop: 'agent_timeout', turns: 0 };
    }
    ctx.transcript({
      type: 'oracle',
      event: 'exit',
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      timedOut: outcome.timedOut,
    });
    // A failing solve.sh is still "done": whether the task is solved is the verifier's call.
    return { stop: 'done', turns: 0 };
  }
}

export const createOracle: HarnessFactory = (spec) => new OracleHarness(spec);
