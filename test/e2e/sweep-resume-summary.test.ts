// The summary printed after a resume counts what the store holds: a substrate error recorded
// by the runner that was killed is still one substrate error in the resumed sweep's summary.

import { afterAll, expect, it } from 'vitest';
import { isSubstrateOutcome } from '../../core/outcomes.js';
import { pairbench, sweepIdOf, trials, waitForRows, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

it('counts the substrate errors a killed runner recorded', { timeout: 180_000 }, async () => {
  const child = pairbench(['run', ...ws.base, '--harness', 'oracle', '--task', 'verifier-hangs', 'slow-two', '--trials', '2', '--retries', '0', '--json']);
  const id = await sweepIdOf(child);
  await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'verifier_timeout') && rows.some((r) => r.status === 'running'));
  child.kill('SIGKILL');
  await child;

  const resumed = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(resumed.exitCode, resumed.all).toBe(0);
  const held = trials(ws.db, id).filter((r) => isSubstrateOutcome(r.status)).length;
  expect(held).toBeGreaterThanOrEqual(1);
  expect(resumed.stdout).toMatch(new RegExp(`4/4 trials done, .*\\b${held} substrate errors`));
});
