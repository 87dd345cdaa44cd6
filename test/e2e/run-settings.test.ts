// `pairbench run` reads its settings from a sweep file and from flags, as one table declares
// them: a broken sweep file and bad flags are reported together, each problem named by the file
// key or flag it came from, before anything runs; a good file's values reach the sweep.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SWEEP_TASKS, pairbench } from './sweep-support.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pb-run-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('lists every problem of the sweep file and of the flags at once, and runs nothing', async () => {
  const file = path.join(dir, 'broken.toml');
  writeFileSync(file, 'trials = 0\ngroup_by = "tasks"\ncolour = "blue"\n[serving]\ndialect = "tgi"\n');
  const db = path.join(dir, 'broken.db');
  const r = await pairbench(['run', '--sweep-file', file, '--db', db, '--concurrency', '0', '--network', 'off']);
  expect(r.exitCode, r.all).toBe(1);
  for (const problem of [`${file}: trials:`, `${file}: group_by:`, `${file}: colour: not a sweep-file setting`, `${file}: serving.dialect:`, '--concurrency:', '--network:']) {
    expect(r.stderr).toContain(problem);
  }
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(existsSync(db)).toBe(false);
});

it("takes a good file's values, paths relative to the file, with flags over them", async () => {
  const file = path.join(dir, 'sweep.toml');
  const tasksDir = path.relative(dir, SWEEP_TASKS);
  writeFileSync(file, `harnesses = ["filebase"]\ntasks = ["no-such-task"]\ntrials = 1\ntasks_dir = ${JSON.stringify(tasksDir)}\nagents_dirs = ["agents-here"]\n`);
  const r = await pairbench(['run', '--sweep-file', file, '--db', path.join(dir, 'good.db'), '--harness', 'nop']);
  expect(r.exitCode, r.all).toBe(1);
  // The file's task list and tasks_dir (relative to the file) were read: the task is looked for there.
  expect(r.stderr).toContain('no-such-task');
  expect(r.stderr).toContain(SWEEP_TASKS);
  // --harness replaced the file's harnesses, which name no base: nothing refuses them.
  expect(r.stderr).not.toContain('filebase');
});
