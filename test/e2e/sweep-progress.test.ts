// The phases a trial goes through leave the worker and reach the reporters: the `--json`
// stream says, for every trial, build -> setup -> agent -> verify -> teardown between its
// start and its end, and the recorder's row matches the trial_end line.

import { afterAll, expect, it } from 'vitest';
import { pairbench, trials, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

interface Line {
  event: string;
  trialId?: string;
  phase?: string;
  status?: string;
  errorCode?: string | null;
  setupMs?: number | null;
  sweepId?: string;
}

it('streams each trial phase between its start and its end', { timeout: 120_000 }, async () => {
  const r = await pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'quick', '--trials', '1', '--json']);
  expect(r.exitCode, r.all).toBe(0);
  const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  const sweepId = lines.find((l) => l.event === 'sweep_start')!.sweepId!;
  const rows = trials(ws.db, sweepId);
  expect(rows).toHaveLength(2);

  for (const row of rows) {
    const mine = lines.filter((l) => l.trialId === row.id);
    expect(mine.map((l) => (l.event === 'trial_phase' ? l.phase : l.event))).toEqual(['trial_start', 'build', 'setup', 'agent', 'verify', 'teardown', 'trial_end']);
    const end = mine.at(-1)!;
    expect(end.status).toBe(row.status);
    expect(end.errorCode).toBe(row.error_code);
    expect(end.setupMs).toBe(row.setup_ms);
  }
});
