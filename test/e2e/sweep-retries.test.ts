// Retries are for substrate errors only: a verifier that always times out is retried until
// the budget is spent, each attempt its own row with its own error; an agent failure (nop)
// is never retried. A resumed sweep re-runs neither.

import { afterAll, expect, it } from 'vitest';
import { pairbench, sweep, trials, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

it('retries substrate errors, never agent failures, and keeps every attempt', { timeout: 180_000 }, async () => {
  const r = await pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'verifier-hangs', 'quick', '--trials', '1', '--retries', '2']);
  expect(r.exitCode, r.all).toBe(0);
  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
  const rows = trials(ws.db, id);

  const hangs = rows.filter((x) => x.task === 'verifier-hangs');
  for (const harness of ['oracle', 'nop']) {
    const attempts = hangs.filter((x) => x.harness === harness).sort((a, b) => a.attempt - b.attempt);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    for (const a of attempts) {
      expect(a.status).toBe('verifier_timeout');
      expect(a.error_code).toBe('PB_VERIFIER_TIMEOUT');
      expect(a.error_message).toBeTruthy();
    }
    expect(new Set(attempts.map((a) => a.container_name)).size).toBe(3);
    expect(new Set(attempts.map((a) => a.trial_dir)).size).toBe(3);
  }

  const quick = rows.filter((x) => x.task === 'quick');
  expect(quick.map((x) => `${x.harness}:${x.status}:${x.attempt}`).sort()).toEqual(['nop:fail:1', 'oracle:pass:1']);
  expect(sweep(ws.db, id)!.status).toBe('completed');

  // Spent retries count as finished: resuming runs nothing.
  const again = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(again.exitCode, again.all).toBe(0);
  expect(trials(ws.db, id)).toHaveLength(rows.length);
});
