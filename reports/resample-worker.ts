// The bootstrap on a second thread (reports/resampling.ts starts it): its draws need only the
// trials, so they run while the main thread reads the turns. Results go into shared memory,
// then a flag: 1 done, 2 failed (the main thread then resamples itself).

import { workerData } from 'node:worker_threads';
import { resampleSums, type BootstrapInput } from './bootstrap.js';

const { inputs, shared } = workerData as { inputs: BootstrapInput[]; shared: SharedArrayBuffer };
const flag = new Int32Array(shared, 0, 1);
try {
  let offset = 8;
  for (const input of inputs) {
    const { data } = resampleSums(input);
    new Float64Array(shared, offset, data.length).set(data);
    offset += data.length * 8;
  }
  Atomics.store(flag, 0, 1);
} catch {
  Atomics.store(flag, 0, 2);
}
Atomics.notify(flag, 0);
