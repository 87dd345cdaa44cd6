// The bootstrap on a second thread (reports/resampling.ts): what the report gets when that
// thread dies, when it takes long, and how its sums are handed over. A stub stands in for the
// worker (fixtures/resample-worker-stub.mjs) so each case is the worker's doing, not a race.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { resampleSums, type BootstrapInput } from '../../reports/bootstrap.js';
import { startResampling } from '../../reports/resampling.js';

const STUB = new URL('./fixtures/resample-worker-stub.mjs', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'pb-resampling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.PB_STUB_WORKER;
  vi.useRealTimers();
});

const input = (seed: number): BootstrapInput => ({
  arms: 2,
  resamples: 40,
  seed,
  strata: [[{ arms: [0, 1], units: 5, wall: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), pass: Float64Array.from([1, 0, 1, 1, 0, 1, 1, 1, 0, 0]) }]],
});

async function until(file: string): Promise<void> {
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 10));
}

describe('resampling on a second thread', () => {
  it.each(['exit', 'throw'])('resamples in process at once when the worker dies (%s)', async (how) => {
    process.env.PB_STUB_WORKER = how;
    const inputs = [input(1), input(2)];
    const sums = await startResampling(inputs, STUB).join();
    expect(sums.map((s) => Array.from(s.data))).toEqual(inputs.map((i) => Array.from(resampleSums(i).data)));
  });

  it('waits for a healthy worker however long it takes: no clock gives up on it', async () => {
    const gate = mkdtempSync(join(dir, 'gate-'));
    process.env.PB_STUB_WORKER = `fill:${gate}`;
    const resampling = startResampling([input(1)], STUB);
    await until(join(gate, 'waiting'));
    let settled = false;
    const joined = Promise.resolve(resampling.join()).then((sums) => ((settled = true), sums));
    // Any deadline kept on this thread's clock would pass here.
    vi.useFakeTimers();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    vi.useRealTimers();
    expect(settled).toBe(false);
    writeFileSync(join(gate, 'go'), '');
    const [sums] = await joined;
    // The worker's answer (every sum 7), not this thread's own resampling.
    expect(Array.from(sums!.data).every((v) => v === 7)).toBe(true);
  });

  it('hands the sums over as views of the shared memory, not copies', async () => {
    const gate = mkdtempSync(join(dir, 'gate-'));
    writeFileSync(join(gate, 'go'), '');
    process.env.PB_STUB_WORKER = `fill:${gate}`;
    const inputs = [input(1), input(2)];
    const sums = await startResampling(inputs, STUB).join();
    const buffer = sums[0]!.data.buffer;
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sums[1]!.data.buffer).toBe(buffer);
    expect(sums[1]!.data.byteOffset).toBe(sums[0]!.data.byteOffset + sums[0]!.data.byteLength);
  });
});
