// Runs bootstraps on a second thread while the caller goes on (reading turns), and hands the
// sums back synchronously when asked: the report stays one synchronous pass, and its longest
// pure computation overlaps its longest read. The sums are the same bits as resampleSums's
// on the main thread (same code, same inputs); where no worker can start, it is that.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resampleSums, type BootstrapInput, type BootstrapSums } from './bootstrap.js';

export interface Resampling {
  /** The sums, one per input, in order; waits for the worker if it has not finished. */
  join(): BootstrapSums[];
}

/** A worker that has not answered by then is given up on, and the main thread resamples. */
const GIVE_UP_MS = 120_000;

const sizeOf = (input: BootstrapInput): number => input.strata.length * input.resamples * input.arms * 3;

export function startResampling(inputs: BootstrapInput[]): Resampling {
  const inline = (): BootstrapSums[] => inputs.map(resampleSums);
  const script = new URL('./resample-worker.js', import.meta.url);
  // Run from TypeScript sources (tests), there is no compiled worker: resample inline.
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return { join: inline };
  const shared = new SharedArrayBuffer(8 + inputs.reduce((n, input) => n + sizeOf(input) * 8, 0));
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { inputs, shared } });
  } catch {
    return { join: inline };
  }
  worker.unref();
  // An error after start (the worker's own failure is caught and flagged) must not crash the command.
  worker.on('error', () => {});
  return {
    join(): BootstrapSums[] {
      const flag = new Int32Array(shared, 0, 1);
      Atomics.wait(flag, 0, 0, GIVE_UP_MS);
      void worker.terminate();
      if (Atomics.load(flag, 0) !== 1) return inline();
      let offset = 8;
      return inputs.map((input) => {
        const n = sizeOf(input);
        const data = new Float64Array(shared.slice(offset, offset + n * 8));
        offset += n * 8;
        return { arms: input.arms, strata: input.strata.length, resamples: input.resamples, data };
      });
    },
  };
}
