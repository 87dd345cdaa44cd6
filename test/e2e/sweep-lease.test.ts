// A sweep's lease: `run --resume` of a sweep whose runner is alive is refused, naming that
// runner, and the live sweep finishes untouched (no container of it removed, no slot run
// twice); once the runner is SIGKILLed its dead lease is taken over by the resume.

import { afterAll, expect, it } from 'vitest';
import { isAgentOutcome } from '../../core/outcomes.js';
import { containersOf, finished, pairbench, sweep, sweepIdOf, trials, waitForRows, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

const leaseOf = (id: string) => sweep(ws.db, id) as unknown as { lease_host: string | null; lease_pid: number | null; lease_heartbeat_at: string | null };

it('refuses to resume a sweep whose runner is alive, and the live sweep completes untouched', { timeout: 180_000 }, async () => {
  const child = pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'slow-two', '--trials', '2', '--json']);
  const id = await sweepIdOf(child);
  await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'running' && r.harness === 'oracle'));
  expect(leaseOf(id)).toMatchObject({ lease_pid: child.pid });
  // A container of the live sweep is up: the refused resume must not remove it.
  while ((await containersOf(id)).length === 0) await new Promise((r) => setTimeout(r, 100));

  const second = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(second.exitCode, second.all).toBe(1);
  expect(second.stderr).toContain(`sweep ${id} is being run by pid ${child.pid}`);
  expect(second.stderr).not.toMatch(/\n\s+at /); // one message, no stack trace

  const first = await child;
  expect(first.exitCode, first.all).toBe(0);
  const rows = trials(ws.db, id);
  // Four slots-by-harness, each run once, none torn down by the refused runner.
  expect(rows).toHaveLength(4);
  for (const r of rows) expect(isAgentOutcome(r.status), `${r.id} ${r.status} ${r.error_message}`).toBe(true);
  expect(rows.every((r) => r.attempt === 1)).toBe(true);
  expect(sweep(ws.db, id)!.status).toBe('completed');
  expect(leaseOf(id)).toMatchObject({ lease_host: null, lease_pid: null }); // released at the end
});

it('takes over the dead lease of a SIGKILLed runner', { timeout: 180_000 }, async () => {
  const child = pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'slow-two', '--trials', '2', '--json']);
  const id = await sweepIdOf(child);
  await waitForRows(ws.db, id, (rows) => finished(rows).length >= 1 && rows.some((r) => r.status === 'running'));
  child.kill('SIGKILL');
  await child;
  expect(leaseOf(id).lease_pid).toBe(child.pid); // the dead runner never released it

  const resumed = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(resumed.exitCode, resumed.all).toBe(0);
  const done = trials(ws.db, id).filter((r) => isAgentOutcome(r.status));
  expect(done).toHaveLength(4);
  expect(sweep(ws.db, id)!.status).toBe('completed');
  expect(await containersOf(id)).toEqual([]);
});
