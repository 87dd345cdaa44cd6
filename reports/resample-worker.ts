// The bootstrap on a second thread (reports/resampling.ts starts it): its draws need only the
// trials, so they run while the main thread reads the turns. Results go into shared memory,
// then 'done' to the main thread; a failure ends the thread, and the main thread resamples itself.

import { parentPort, workerData } from 'node:worker_threads';
import { resampleSums, type BootstrapInput } from './bootstrap.js';

const { inputs, shared } = workerData as { inputs: BootstrapInput[]; shared: SharedArrayBuffer };
let offset = 0;
for (const input of inputs) {
  const n = input.strata.length * input.resamples * input.arms * 3;
  resampleSums(input, new Float64Array(shared, offset, n));
  offset += n * 8;
}
parentPort!.postMessage('done');
