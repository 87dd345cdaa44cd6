// Sweeps through the real CLI on each engine, and one sweep spread over a pool of Docker and
// Podman: every trial is stored with the engine it ran on. Podman's own event log (kept in
// full, unlike dockerd's 256 most recent events) shows it created exactly the containers of
// the trials stored with it: the others, which ran, ran on Docker.

import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, connectTestEngine, type TestEngine } from './engine-support.js';
import { ROOT, pairbench, sweep, trials, workspace } from './sweep-support.js';

const SEEDS = path.join(ROOT, 'tasks');
const ws = workspace();
const sweeps: string[] = [];

afterAll(async () => {
  // workspace() cleans Docker; Podman's leftovers, if any, are this file's to remove.
  const podman = await connectTestEngine('podman');
  for (const id of sweeps) await podman.removeLeftovers(await podman.findLeftovers({ sweep: id }));
  await ws.cleanup();
});

/** The names of the containers Podman created since `sinceMs`, from its own event log. */
async function createdOnPodman(sinceMs: number): Promise<string[]> {
  const since = String(Math.floor(sinceMs / 1000) - 1);
  const r = await execa('podman', ['--remote', '--url', 'unix:///run/podman/podman.sock', 'events', '--since', since, '--stream=false', '--filter', 'event=create', '--format', '{{.Name}}']);
  return r.stdout.split('\n').filter(Boolean);
}

async function leftovers(kind: TestEngine, sweepId: string): Promise<string[]> {
  return (await (await connectTestEngine(kind)).findLeftovers({ sweep: sweepId })).map((c) => c.name);
}

describe.each(TEST_ENGINES)('on %s', (kind) => {
  it('the seed tasks: the oracle passes and nop fails each one, every trial stored with its engine', { timeout: 300_000 }, async () => {
    const since = Date.now();
    const r = await pairbench(['run', '--db', ws.db, '--runs-dir', ws.runs, '--tasks-dir', SEEDS, '--harness', 'oracle', 'nop', '--task', 'all', '--trials', '1', '--engine', kind]);
    expect(r.exitCode, r.all).toBe(0);
    const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
    sweeps.push(id);
    const rows = trials(ws.db, id);
    expect(rows.map((x) => `${x.task}:${x.harness}:${x.status}`).sort()).toEqual([
      'fizzbuzz:nop:fail',
      'fizzbuzz:oracle:pass',
      'git-init:nop:fail',
      'git-init:oracle:pass',
      'word-count:nop:fail',
      'word-count:oracle:pass',
    ]);
    expect(rows.map((x) => x.engine)).toEqual(rows.map(() => kind));
    const onPodman = await createdOnPodman(since);
    for (const row of rows) expect(onPodman.includes(row.container_name!), row.id).toBe(kind === 'podman');
    expect(await leftovers(kind, id)).toEqual([]);
  });
});

it('a pool of Docker and Podman spreads one sweep over both, and stores the engine of every trial', { timeout: 300_000 }, async () => {
  const since = Date.now();
  const r = await pairbench([
    'run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'quick', '--trials', '3', '--engine', 'docker', '--engine', 'podman', '--concurrency', '1',
  ]);
  expect(r.exitCode, r.all).toBe(0);
  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
  sweeps.push(id);
  const rows = trials(ws.db, id);
  expect(rows).toHaveLength(6);
  expect(rows.map((x) => `${x.harness}:${x.status}`).sort()).toEqual(['nop:fail', 'nop:fail', 'nop:fail', 'oracle:pass', 'oracle:pass', 'oracle:pass']);
  // One lane per engine: both took trials.
  expect(new Set(rows.map((x) => x.engine))).toEqual(new Set(['docker', 'podman']));
  // Podman created the containers of exactly the trials stored with it.
  const onPodman = await createdOnPodman(since);
  for (const row of rows) expect(onPodman.includes(row.container_name!), `${row.id} stored on ${row.engine}`).toBe(row.engine === 'podman');
  expect(sweep(ws.db, id)!.engine_version).toMatch(/^docker .+; podman .+$/);
  expect(await leftovers('docker', id)).toEqual([]);
  expect(await leftovers('podman', id)).toEqual([]);

  // `pairbench cleanup` covers each engine given.
  const clean = await pairbench(['cleanup', '--engine', 'docker', '--engine', 'podman', '--sweep', id, '--json']);
  expect(clean.exitCode, clean.all).toBe(0);
  expect(JSON.parse(clean.stdout)).toMatchObject({ found: [], removed: [], failed: [] });
});
