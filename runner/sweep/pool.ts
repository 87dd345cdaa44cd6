// Trial workers on tinypool threads. Tinypool needs a JavaScript file, so the pool runs the
// compiled worker (dist/runner/sweep/worker.js) found next to this module when it runs from
// dist/, or under dist/ when this module runs from source (tests after `npm run build`).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import Tinypool from 'tinypool';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { trialEndedEarly, type TrialPhase, type TrialResult, type TrialSpec } from '../../core/trial.js';
import type { TurnRecord } from '../../core/turn.js';
import type { ToMain, ToWorker, WorkerReply, WorkerTask } from './messages.js';

export interface TrialRunEvents {
  onTurn(turn: TurnRecord): void;
  onPhase(phase: TrialPhase): void;
}

export interface TrialPool {
  /** Runs one trial on a worker; `abort` asks the worker to stop it (it still tears down). */
  run(spec: TrialSpec, events: TrialRunEvents, abort: AbortSignal): Promise<TrialResult>;
  destroy(): Promise<void>;
}

export function workerFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'worker.js');
  if (existsSync(beside)) return beside;
  const built = resolve(here, '../../dist/runner/sweep/worker.js');
  if (existsSync(built)) return built;
  throw new PairbenchError(ERROR_CODES.WORKER_MISSING, `the trial worker is not built (looked for ${beside} and ${built}): run \`npm run build\``);
}

export function createTrialPool(concurrency: number): TrialPool {
  const pool = new Tinypool({
    filename: workerFile(),
    minThreads: 1,
    maxThreads: concurrency,
    // Threads stay up between trials: one engine connection per thread, reused.
    idleTimeout: 60_000,
  });

  return {
    async run(spec, events, abort) {
      const { port1, port2 } = new MessageChannel();
      let ended!: () => void;
      const endSeen = new Promise<void>((r) => (ended = r));
      port1.on('message', (m: ToMain) => {
        if (m.type === 'turn') events.onTurn(m.turn);
        else if (m.type === 'phase') events.onPhase(m.phase);
        else ended();
      });
      const onAbort = (): void => port1.postMessage({ type: 'abort' } satisfies ToWorker);
      if (abort.aborted) onAbort();
      else abort.addEventListener('abort', onAbort, { once: true });
      const task: WorkerTask = { spec, port: port2 };
      try {
        const reply = (await pool.run(task, { transferList: [port2] })) as WorkerReply;
        await endSeen;
        return reply;
      } catch (e) {
        // The thread itself died (out of memory, a native crash): no reply, no 'end'.
        return trialEndedEarly('container_failed', ERROR_CODES.WORKER_FAILED, `trial worker failed: ${(e as Error).message}`);
      } finally {
        abort.removeEventListener('abort', onAbort);
        port1.close();
      }
    },
    destroy: () => pool.destroy(),
  };
}
