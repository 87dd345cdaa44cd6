// Ctrl-C on a running sweep: scheduling stops, the sweep is marked interrupted, the process
// exits 130 and says how to resume, and no container is left behind, whether the running
// trial is let finish (grace) or torn down (no grace). The terminal sends Ctrl-C's SIGINT to
// its whole foreground group: a server the sweep started from the user's command runs in its
// own group, keeps serving the trial in flight, and is stopped by pairbench afterwards.

import { afterAll, expect, it } from 'vitest';
import { isAgentOutcome } from '../../core/outcomes.js';
import { identitiesIn, stillRunning } from '../../serving/control/reap.js';
import {
  SWEEP_TASKS, commandServingFile, containersOf, finished, pairbench, pairbenchJob, servingEvents, sweep, sweepIdOf, trials,
  waitForCommandTurn, waitForRows, workspace,
} from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

async function interruptMidTrial(graceSec: string) {
  const child = pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'slow-two', '--trials', '4', '--grace-sec', graceSec, '--json']);
  const id = await sweepIdOf(child);
  // SIGINT while an oracle trial (about 2 s of solution) is in its agent phase.
  await waitForRows(ws.db, id, (rows) => finished(rows).length >= 1 && rows.some((r) => r.status === 'running' && r.harness === 'oracle'));
  child.kill('SIGINT');
  const result = await child;
  return { id, result, rows: trials(ws.db, id) };
}

it('lets the running trial finish within the grace period, its server untouched by the terminal\'s SIGINT, then stops', { timeout: 120_000 }, async () => {
  const since = new Date().toISOString();
  const child = pairbenchJob(['run', ...ws.base, '--serving', await commandServingFile(ws, 'ctrl-c'), '--harness', 'terse', 'nop', '--task', 'slow-two', '--trials', '4', '--grace-sec', '30', '--json']);
  const id = await sweepIdOf(child);
  // Ctrl-C while a terse trial runs its `sleep 2` between two model calls.
  await waitForCommandTurn(ws.db, id, since, 'sleep 2');
  process.kill(-child.pid!, 'SIGINT'); // the runner's whole process group, as the terminal sends it
  const result = await child;
  const rows = trials(ws.db, id);
  expect(result.exitCode, result.all).toBe(130);
  expect(sweep(ws.db, id)!.status).toBe('interrupted');
  expect(result.stdout).toContain(`"resumeCommand":"pairbench run --resume ${id} --db ${ws.db}"`);
  // The trial in flight kept its server and finished normally; nothing after it started.
  for (const r of rows) expect(isAgentOutcome(r.status), `${r.id} ${r.status} ${r.error_message}`).toBe(true);
  expect(rows.filter((r) => r.harness === 'terse' && r.status === 'pass').length).toBeGreaterThan(0);
  expect(rows.length).toBeLessThan(8);
  expect(await containersOf(id)).toEqual([]);
  // The server did not die under the trial: pairbench stopped it, last.
  const events = servingEvents(ws.db, id);
  expect(events.map((e) => e.kind)).not.toContain('crash');
  expect(events.at(-1)!.kind).toBe('stop');
  const [server] = events.flatMap((e) => identitiesIn(e.kind, e.detail));
  expect(stillRunning(server!)).toBe(false);
  // The report states the settings its figures were measured under.
  const report = await pairbench(['report', '--db', ws.db, '--sweep', id]);
  expect(report.stdout).toMatch(/^Settings: model pairbench-simulated · dialect llama-server · server flags .* · concurrency 1 · time scale .* · restarts never$/m);
});

it('tears the running trial down when the grace period is zero', { timeout: 120_000 }, async () => {
  const { id, result, rows } = await interruptMidTrial('0');
  expect(result.exitCode, result.all).toBe(130);
  expect(sweep(ws.db, id)!.status).toBe('interrupted');
  const torn = rows.filter((r) => r.status === 'interrupted');
  expect(torn).toHaveLength(1);
  expect(torn[0]!.error_code).toBe('PB_INTERRUPTED');
  expect(torn[0]!.finished_at).not.toBeNull();
  for (const r of rows.filter((x) => x.status !== 'interrupted')) expect(isAgentOutcome(r.status)).toBe(true);
  expect(rows.some((r) => r.status === 'running')).toBe(false);
  expect(await containersOf(id)).toEqual([]);

  // The torn-down slot runs again on resume, under a new attempt; the sweep completes.
  const resumed = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(resumed.exitCode, resumed.all).toBe(0);
  const after = trials(ws.db, id);
  const again = after.filter((r) => r.slot_index === torn[0]!.slot_index && r.harness === torn[0]!.harness);
  expect(again.map((r) => r.attempt).sort()).toEqual([1, 2]);
  expect(after.filter((r) => isAgentOutcome(r.status))).toHaveLength(8);
});

it('stops while the serving layer is still loading, without waiting out its health deadline', { timeout: 60_000 }, async () => {
  // A server that answers 503 "Loading model" for ten minutes, as a large model can.
  const { startSimulatedServer } = await import('../../simulator/server.js');
  const loading = await startSimulatedServer({ tasksDir: SWEEP_TASKS, timeScale: 0, loadTimeMs: 600_000 });
  try {
    const child = pairbench(['run', ...ws.base, '--harness', 'terse', '--task', 'quick', '--trials', '1',
      '--base-url', loading.url, '--model', 'm', '--dialect', 'llama-server', '--json']);
    const id = await sweepIdOf(child);
    await new Promise((r) => setTimeout(r, 1_500));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, result.all).toBe(130);
    expect(sweep(ws.db, id)!.status).toBe('interrupted');
    expect(result.all).not.toContain('the sweep stopped');
    expect(trials(ws.db, id)).toEqual([]);
  } finally {
    await loading.close();
  }
});
