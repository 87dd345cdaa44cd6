// A sweep whose runner is SIGKILLed mid-trial, then resumed: nothing finished is lost or
// changed, the orphaned container is gone, the server the killed runner started from the
// user's command (which outlives it) is stopped, and every planned slot ends with exactly one
// finished attempt.

import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { connectEngine } from './engine-support.js';
import { findPairbenchContainers } from '../../engines/docker/leftovers.js';
import type { SweepPlan } from '../../runner/plan/plan.js';
import { identitiesIn, stillRunning, type OwnedServerIdentity } from '../../serving/control/reap.js';
import { agentFinished, commandServingFile, containersOf, finished, pairbench, servingEvents, sweep, sweepIdOf, trials, waitForRows, workspace } from './sweep-support.js';

const ws = workspace();
let docker: Docker;
beforeAll(async () => {
  docker = await connectEngine();
});
const servers = (id: string): OwnedServerIdentity[] => servingEvents(ws.db, id).flatMap((e) => identitiesIn(e.kind, e.detail));
let sweepId: string | null = null;
afterAll(async () => {
  // A failing run's leftover server is stopped here, and only that process.
  if (sweepId) for (const s of servers(sweepId)) if (stillRunning(s)) process.kill(-s.pid, 'SIGKILL');
  await ws.cleanup();
});

it('resumes a SIGKILLed sweep without losing or repeating a trial', { timeout: 240_000 }, async () => {
  const serving = await commandServingFile(ws, 'resume');
  const child = pairbench(['run', ...ws.base, '--serving', serving, '--harness', 'terse', 'nop', '--task', 'slow-one', 'slow-two', '--trials', '2', '--json']);
  const id = await sweepIdOf(child);
  sweepId = id;
  // Kill while a trial's container is up, with some trials already done.
  for (;;) {
    const rows = await waitForRows(ws.db, id, (r) => finished(r).length >= 3 && r.some((t) => t.status === 'running'));
    const running = new Set(rows.filter((r) => r.status === 'running').map((r) => r.id));
    const live = (await findPairbenchContainers(docker, { sweep: id })).filter((c) => running.has(c.trial) && c.state === 'running');
    if (live.length > 0) break;
  }
  child.kill('SIGKILL');
  await child;
  expect((await containersOf(id)).length).toBeGreaterThan(0); // the orphan resume must remove
  // The user's server outlived its runner, recorded by pid and start time: resume must stop it.
  const [left] = servers(id);
  expect(stillRunning(left!)).toBe(true);

  const before = trials(ws.db, id);
  const doneBefore = finished(before);
  expect(before.some((r) => r.status === 'running')).toBe(true);
  expect(sweep(ws.db, id)!.status).toBe('running');

  // As if an earlier run had stopped on a failure of its own: the resume's running sweep no
  // longer carries that cause (a runner dying mid-resume would otherwise leave it beside 'running').
  const conn = new Database(ws.db);
  conn.prepare(`UPDATE sweeps SET error_code = 'PB_SERVING_START_FAILED', error_message = 'an earlier stop' WHERE id = ?`).run(id);
  conn.close();
  const resuming = pairbench(['run', '--resume', id, '--db', ws.db]);
  await waitForRows(ws.db, id, (r) => r.some((t) => t.status === 'running' && !before.some((b) => b.id === t.id)));
  expect(sweep(ws.db, id)).toMatchObject({ status: 'running', error_code: null, error_message: null });
  const resumed = await resuming;
  expect(resumed.exitCode, resumed.all).toBe(0);
  expect(resumed.all).toContain(`stopped the serving process left running by the stopped runner (pid ${left!.pid}`);
  expect(stillRunning(left!)).toBe(false);
  // The resume started a server of its own, and stopped it at the end.
  expect(servers(id).length).toBe(2);
  for (const s of servers(id)) expect(stillRunning(s), `server pid ${s.pid}`).toBe(false);

  const after = trials(ws.db, id);
  // No lost rows: every row that existed is still there, and finished ones are untouched.
  for (const row of doneBefore) expect(after.find((r) => r.id === row.id)).toEqual(row);
  for (const row of before) expect(after.some((r) => r.id === row.id)).toBe(true);
  // The row the killed runner left running is closed out as interrupted.
  for (const row of before.filter((r) => r.status === 'running')) {
    expect(after.find((r) => r.id === row.id)!.status).toBe('interrupted');
  }
  expect(after.filter((r) => r.status === 'running')).toEqual([]);

  // Every slot done exactly once.
  const plan = JSON.parse(sweep(ws.db, id)!.plan_json!) as SweepPlan;
  expect(plan.entries).toHaveLength(8);
  for (const e of plan.entries) {
    const done = agentFinished(after).filter((r) => r.slot_index === e.slotIndex && r.harness === e.harness);
    expect(done, `slot ${e.slotIndex} ${e.harness}`).toHaveLength(1);
    expect(done[0]!.status).toBe(e.harness === 'terse' ? 'pass' : 'fail');
  }
  expect(agentFinished(after)).toHaveLength(8);
  // Attempts never share an id, container name or directory.
  expect(new Set(after.map((r) => r.container_name)).size).toBe(after.length);
  expect(new Set(after.map((r) => r.trial_dir)).size).toBe(after.length);

  expect(await containersOf(id)).toEqual([]);
  expect(sweep(ws.db, id)!.status).toBe('completed');
});

it('names the sweeps present when asked to resume one that is not there', async () => {
  const r = await pairbench(['run', '--resume', 'sw-nope', '--db', ws.db]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/no sweep sw-nope/);
  expect(r.stderr).toMatch(/sweeps there: sw-/);
});
