// The serving layer stalls mid-turn, for real: the simulated server the sweep owns is sent
// SIGSTOP while a model trial runs. The trial is the serving layer's failure (serving_failed,
// not the agent's timeout), a serving event says what stalled and for how long, the server is
// restarted as after a crash, and the slot is retried and passes.

import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { isAgentOutcome } from '../../core/outcomes.js';
import { pairbench, sweep, sweepIdOf, trials, waitForRows, workspace } from './sweep-support.js';

const ws = workspace();
const stopped: number[] = [];
afterAll(async () => {
  for (const pid of stopped) {
    try {
      process.kill(pid, 'SIGCONT'); // never leave a stopped process behind if the test failed early
    } catch {
      // already gone: the sweep restarted it, as it should
    }
  }
  await ws.cleanup();
});

interface EventRow {
  kind: string;
  reason: string | null;
  duration_ms: number | null;
  detail_json: string | null;
}

function events(id: string): EventRow[] {
  const conn = new Database(ws.db, { readonly: true });
  try {
    return conn.prepare('SELECT kind, reason, duration_ms, detail_json FROM serving_events WHERE sweep_id = ? ORDER BY id').all(id) as EventRow[];
  } finally {
    conn.close();
  }
}

it('a stalled server is serving_failed with a stall event, a restart and the slot retried', { timeout: 180_000 }, async () => {
  const child = pairbench(['run', ...ws.base, '--harness', 'terse', '--task', 'quick', '--trials', '2', '--retries', '1',
    '--serving', 'simulated', '--time-scale', '0', '--json']);
  const id = await sweepIdOf(child);
  await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'running'));
  const start = events(id).find((e) => e.kind === 'start')!;
  const pid = (JSON.parse(start.detail_json!) as { pid: number }).pid;
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, 'SIGSTOP'); // wedged: it holds its connections and answers nothing
  stopped.push(pid);

  const result = await child;
  expect(result.exitCode, result.all).toBe(0);
  const rows = trials(ws.db, id);
  const stalled = rows.filter((r) => r.status === 'serving_failed');
  expect(stalled, JSON.stringify(rows.map((r) => [r.id, r.status, r.error_message]))).toHaveLength(1);
  const s = stalled[0]!;
  expect(['PB_SERVING_NO_FIRST_TOKEN', 'PB_SERVING_STALLED']).toContain(s.error_code);
  expect(rows.some((r) => r.status === 'agent_timeout')).toBe(false);

  const ev = events(id);
  const stall = ev.find((e) => e.kind === 'stall');
  expect(stall, JSON.stringify(ev)).toBeDefined();
  expect(stall!.reason).toMatch(/no first token|stream stalled/);
  expect(stall!.reason).toContain(s.id);
  expect(stall!.duration_ms).toBeGreaterThan(0); // the deadline that ran out: how long it stalled
  const after = ev.slice(ev.indexOf(stall!));
  const restart = after.find((e) => e.kind === 'restart');
  expect(restart, JSON.stringify(after)).toBeDefined();
  expect(JSON.parse(restart!.detail_json!)).toMatchObject({ performed: true });

  // The slot ran again under a new attempt and the agent finished it.
  const again = rows.filter((r) => r.slot_index === s.slot_index && r.harness === s.harness);
  expect(again.map((r) => r.attempt).sort()).toEqual([1, 2]);
  expect(isAgentOutcome(again.find((r) => r.attempt === 2)!.status)).toBe(true);
  expect(rows.filter((r) => isAgentOutcome(r.status))).toHaveLength(2);
  expect(sweep(ws.db, id)!.status).toBe('completed');
});
