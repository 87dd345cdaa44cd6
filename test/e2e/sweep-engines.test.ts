// Sweeps through the real CLI on each engine, and one sweep spread over a pool of Docker and
// Podman: every trial is stored with the engine it ran on, and that engine's own event log
// shows it created the trial's container (the other engine's does not).

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

/** The names of the containers `kind` created since `sinceMs`, from the engine's own event log. */
async function createdOn(kind: TestEngine, sinceMs: number): Promise<string[]> {
  const since = String(Math.floor(sinceMs / 1000) - 1);
  const r =
    kind === 'docker'
      ? await execa('docker', ['events', '--since', since, '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'event=create', '--filter', 'type=container', '--format', '{{.Actor.Attributes.name}}'])
      : await execa('podman', ['--remote', '--url', 'unix:///run/podman/podman.sock', 'events', '--since', since, '--stream=false', '--filter', 'event=create', '--format', '{{.Name}}']);
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
    expect(await createdOn(kind, since)).toEqual(expect.arrayContaining(rows.map((x) => x.container_name)));
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
  // Each trial's container was created by the engine stored with it, and not by the other.
  const created = { docker: await createdOn('docker', since), podman: await createdOn('podman', since) };
  for (const row of rows) {
    const engine = row.engine as TestEngine;
    const other: TestEngine = engine === 'docker' ? 'podman' : 'docker';
    expect(created[engine], `${row.id} on ${engine}`).toContain(row.container_name);
    expect(created[other], `${row.id} not on ${other}`).not.toContain(row.container_name);
  }
  expect(sweep(ws.db, id)!.engine_version).toMatch(/^docker .+; podman .+$/);
  expect(await leftovers('docker', id)).toEqual([]);
  expect(await leftovers('podman', id)).toEqual([]);

  // `pairbench cleanup` covers each engine given.
  const clean = await pairbench(['cleanup', '--engine', 'docker', '--engine', 'podman', '--sweep', id, '--json']);
  expect(clean.exitCode, clean.all).toBe(0);
  expect(JSON.parse(clean.stdout)).toMatchObject({ found: [], removed: [], failed: [] });
});
