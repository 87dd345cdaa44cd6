// A sweep that owns its serving layer: the simulated server is started, restarted at the
// group boundaries the plan marks (never inside a pair), stopped, and each of those is a
// serving event in the store; the sweep and its model trials are flagged simulated.

import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { SweepPlan } from '../../runner/plan/plan.js';
import { ROOT, pairbench, sweep, trials, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

it('starts, restarts at planned boundaries and stops the simulated server', { timeout: 180_000 }, async () => {
  const r = await pairbench([
    'run', '--db', ws.db, '--runs-dir', ws.runs, '--tasks-dir', path.join(ROOT, 'tasks'),
    '--harness', 'terse', 'oracle', '--task', 'fizzbuzz', '--trials', '3',
    '--serving', 'simulated', '--time-scale', '0', '--group-by', 'slot', '--restart-every', 'group',
  ]);
  expect(r.exitCode, r.all).toBe(0);
  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;

  const row = sweep(ws.db, id)!;
  expect(row.serving_kind).toBe('simulated');
  expect(row.simulated).toBe(1);
  expect(row.serving_provenance_json).toBeTruthy();
  const plan = JSON.parse(row.plan_json!) as SweepPlan;
  expect(plan.groups.filter((g) => g.restartBefore).map((g) => g.index)).toEqual([1, 2]);

  const conn = new Database(ws.db, { readonly: true });
  const events = conn.prepare('SELECT kind, reason, trials_done FROM serving_events WHERE sweep_id = ? ORDER BY id').all(id) as {
    kind: string;
    reason: string | null;
    trials_done: number;
  }[];
  conn.close();
  const restarts = events.filter((e) => e.kind === 'restart');
  // Two restarts, each after a whole pair (2 and 4 trials done), never between its halves.
  expect(restarts.map((e) => e.trials_done)).toEqual([2, 4]);
  expect(events[0]!.kind).toBe('start');
  expect(events.at(-1)!.kind).toBe('stop');

  const rows = trials(ws.db, id);
  expect(rows).toHaveLength(6);
  for (const t of rows) {
    expect(t.status).toBe('pass');
    expect(t.simulated).toBe(t.harness === 'terse' ? 1 : 0);
  }

  // As in the demo: terse asks for speculation per request, which the server (started without
  // a draft model, as a real one would need) ignores; every turn says so, and so does the report.
  const db = new Database(ws.db, { readonly: true });
  const spec = db
    .prepare("SELECT COUNT(*) AS n, SUM(speculative_applied = 0) AS notApplied, SUM(draft_n IS NOT NULL) AS drafted FROM turns u JOIN trials t ON t.id = u.trial_id WHERE t.sweep_id = ? AND t.harness = 'terse'")
    .get(id) as { n: number; notApplied: number; drafted: number };
  db.close();
  expect(spec.n).toBeGreaterThan(0);
  expect(spec).toEqual({ n: spec.n, notApplied: spec.n, drafted: 0 });
  const report = await pairbench(['report', '--db', ws.db, '--sweep', id]);
  expect(report.exitCode, report.all).toBe(0);
  expect(report.stdout).toMatch(/^- terse levers, asked \/ applied: thinking off \/ applied \(reasoning in 0 of \d+ answers\); speculative decoding on \/ not applied \(draft_n in 0 of \d+ answers\); output cap 2048 \/ held/m);
  expect(report.stdout).not.toMatch(/^- oracle levers/m);
});

it('--restart-every N restarts the server every N trials, and says so', { timeout: 180_000 }, async () => {
  const r = await pairbench([
    'run', '--db', ws.db, '--runs-dir', ws.runs, '--tasks-dir', path.join(ROOT, 'tasks'),
    '--harness', 'terse', '--task', 'fizzbuzz', '--trials', '5',
    '--serving', 'simulated', '--time-scale', '0', '--restart-every', '2',
  ]);
  expect(r.exitCode, r.all).toBe(0);
  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
  const conn = new Database(ws.db, { readonly: true });
  const restarts = conn.prepare("SELECT reason, trials_done FROM serving_events WHERE sweep_id = ? AND kind = 'restart' ORDER BY id").all(id) as {
    reason: string;
    trials_done: number;
  }[];
  conn.close();
  expect(restarts.map((e) => e.trials_done)).toEqual([2, 4]);
  expect(restarts.map((e) => e.reason)).toEqual([
    'every 2 trials (2 planned since the last restart) before group 2',
    'every 2 trials (2 planned since the last restart) before group 4',
  ]);
  expect(trials(ws.db, id).map((t) => t.status)).toEqual(Array(5).fill('pass'));
});
