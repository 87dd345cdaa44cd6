// Four workers, twenty-four trials, one database: the main thread is the only writer, so no
// trial is lost to SQLITE_BUSY and every row is complete.

import { afterAll, expect, it } from 'vitest';
import { pairbench, sweep, trials, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

it('runs 24 trials on 4 workers into one database without busy errors', { timeout: 240_000 }, async () => {
  const r = await pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'quick', '--trials', '12', '--concurrency', '4', '--group-by', '6']);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.all).not.toMatch(/SQLITE_BUSY|database is locked/i);
  expect(r.stderr).toMatch(/concurrency 4: trials running side by side disturb each other's timings/);

  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
  const rows = trials(ws.db, id);
  expect(rows).toHaveLength(24);
  expect(rows.filter((x) => x.finished_at !== null && x.wall_ms !== null)).toHaveLength(24);
  expect(rows.filter((x) => x.status === 'pass').map((x) => x.harness)).toEqual(Array(12).fill('oracle'));
  expect(rows.filter((x) => x.status === 'fail').map((x) => x.harness)).toEqual(Array(12).fill('nop'));
  expect(new Set(rows.map((x) => x.container_name)).size).toBe(24);
  expect(sweep(ws.db, id)!.status).toBe('completed');
});
