// Runs bootstraps on a second thread while the caller goes on (reading turns), and hands the
// sums back when asked: the report's longest pure computation overlaps its longest read. The
// sums are the same bits as resampleSums's on the main thread (same code, same inputs); where
// no worker can start, or the worker ends without answering, it is that.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resampleSums, type BootstrapInput, type BootstrapSums } from './bootstrap.js';

export interface Resampling {
  /** The sums, one per input, in order: the worker's once it answers, this thread's own if it ends without. */
  join(): Promise<BootstrapSums[]>;
}

const sizeOf = (input: BootstrapInput): number => input.strata.length * input.resamples * input.arms * 3;

export function startResampling(inputs: BootstrapInput[], script = new URL('./resample-worker.js', import.meta.url)): Resampling {
  const inline = async (): Promise<BootstrapSums[]> => inputs.map((input) => resampleSums(input));
  // Run from TypeScript sources (tests), there is no compiled worker: resample inline.
  if (script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return { join: inline };
  const shared = new SharedArrayBuffer(inputs.reduce((n, input) => n + sizeOf(input) * 8, 0));
  let worker: Worker;
  try {
    worker = new Worker(script, { workerData: { inputs, shared } });
  } catch {
    return { join: inline };
  }
  // Until joined, the worker does not keep the process alive: a command that fails first exits.
  worker.unref();
  // Settled by the worker's own word or by its end, never by a clock: a healthy worker is
  // waited for however many resamples it was given, and a dead one not a moment longer.
  const answered = new Promise<boolean>((resolve) => {
    worker.once('message', (m) => resolve(m === 'done'));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  return {
    async join(): Promise<BootstrapSums[]> {
      worker.ref();
      const done = await answered;
      void worker.terminate();
      if (!done) return inline();
      // Views of the shared memory the worker wrote: nothing is copied.
      let offset = 0;
      return inputs.map((input) => {
        const n = sizeOf(input);
        const data = new Float64Array(shared, offset, n);
        offset += n * 8;
        return { arms: input.arms, strata: input.strata.length, resamples: input.resamples, data };
      });
    },
  };
}
