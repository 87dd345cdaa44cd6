// A task edited between a sweep's start and its resume: the plan recorded each task's content
// hash, and the resume refuses, naming the changed task, rather than run the edited task
// inside the old sweep. Restored as it was, the sweep resumes.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { SweepPlan } from '../../runner/plan/plan.js';
import { SWEEP_TASKS, finished, pairbench, sweep, sweepIdOf, trials, waitForRows, workspace } from './sweep-support.js';

const ws = workspace();
const tasksDir = mkdtempSync(path.join(tmpdir(), 'pb-task-changed-'));
afterAll(async () => {
  await ws.cleanup();
  rmSync(tasksDir, { recursive: true, force: true });
});

it('refuses to resume a sweep whose task changed, and names it', { timeout: 180_000 }, async () => {
  for (const t of ['quick', 'slow-two']) cpSync(path.join(SWEEP_TASKS, t), path.join(tasksDir, t), { recursive: true });
  const child = pairbench(['run', '--db', ws.db, '--runs-dir', ws.runs, '--tasks-dir', tasksDir, '--harness', 'oracle', 'nop', '--task', 'quick', 'slow-two', '--trials', '2', '--json']);
  const id = await sweepIdOf(child);
  await waitForRows(ws.db, id, (rows) => finished(rows).length >= 1);
  child.kill('SIGKILL');
  await child;
  const plan = JSON.parse(sweep(ws.db, id)!.plan_json!) as SweepPlan;
  expect(Object.keys(plan.taskHashes ?? {}).sort()).toEqual(['quick', 'slow-two']);

  const instruction = path.join(tasksDir, 'slow-two', 'instruction.md');
  const original = readFileSync(instruction, 'utf8');
  writeFileSync(instruction, `${original}\nAlso do something else.\n`);
  const before = trials(ws.db, id);
  const refused = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(refused.exitCode, refused.all).toBe(1);
  expect(refused.stderr).toContain('PB_SWEEP_TASK_CHANGED');
  expect(refused.stderr).toContain('slow-two');
  expect(refused.stderr).not.toContain('quick');
  expect(trials(ws.db, id)).toEqual(before); // nothing ran, nothing was touched

  writeFileSync(instruction, original);
  const resumed = await pairbench(['run', '--resume', id, '--db', ws.db]);
  expect(resumed.exitCode, resumed.all).toBe(0);
  expect(sweep(ws.db, id)!.status).toBe('completed');
});
