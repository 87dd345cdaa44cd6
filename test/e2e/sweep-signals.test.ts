// Signals to a real runner: SIGTERM stops a sweep like Ctrl-C and exits 143 (128 + 15, as a
// shell reports it), and Ctrl-C during an image build cancels the build on the engine rather
// than waiting it out. The build below sleeps ten minutes; the test's own timeout is the
// bound, never a timed assertion.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import { isAgentOutcome } from '../../core/outcomes.js';
import { SWEEP_TASKS, containersOf, finished, pairbench, sweep, sweepIdOf, trials, waitForRows, workspace } from './sweep-support.js';

const ws = workspace();
const tasksDir = mkdtempSync(path.join(tmpdir(), 'pb-signals-tasks-'));
afterAll(async () => {
  await ws.cleanup();
  rmSync(tasksDir, { recursive: true, force: true });
});

it('SIGTERM stops the sweep like Ctrl-C and exits 143', { timeout: 120_000 }, async () => {
  const child = pairbench(['run', ...ws.base, '--harness', 'oracle', 'nop', '--task', 'slow-two', '--trials', '3', '--json']);
  const id = await sweepIdOf(child);
  await waitForRows(ws.db, id, (rows) => finished(rows).length >= 1 && rows.some((r) => r.status === 'running'));
  // process.kill, not child.kill: execa follows its SIGTERM with a SIGKILL after 5 s.
  process.kill(child.pid!, 'SIGTERM');
  const result = await child;
  expect(result.exitCode, `${result.signal ?? ""} ${result.all}`).toBe(143);
  expect(sweep(ws.db, id)!.status).toBe('interrupted');
  for (const r of trials(ws.db, id)) expect(isAgentOutcome(r.status) || r.status === 'interrupted', `${r.id} ${r.status}`).toBe(true);
  expect(await containersOf(id)).toEqual([]);
});

it('Ctrl-C during an image build cancels the build', { timeout: 90_000 }, async () => {
  // A task whose build takes ten minutes; a fresh nonce makes its content (and tag) unique,
  // so no earlier run's cache or image can stand in for the build.
  const task = path.join(tasksDir, 'slow-build');
  cpSync(path.join(SWEEP_TASKS, 'quick'), task, { recursive: true });
  writeFileSync(path.join(task, 'task.toml'), readFileSync(path.join(task, 'task.toml'), 'utf8').replace('name = "quick"', 'name = "slow-build"').replace('build_timeout_sec = 60', 'build_timeout_sec = 1200'));
  const nonce = `${process.pid}-${Date.now()}`;
  writeFileSync(path.join(task, 'environment/Dockerfile'), `FROM pairbench/base:bookworm\nRUN echo ${nonce} > /nonce && sleep 600\nWORKDIR /app\n`);

  const child = pairbench(['run', '--db', ws.db, '--runs-dir', ws.runs, '--tasks-dir', tasksDir, '--harness', 'oracle', '--task', 'slow-build', '--trials', '1', '--json']);
  const id = await sweepIdOf(child);
  const log = path.join(ws.runs, id, 'build-slow-build.log');
  // Wait until the engine is inside the ten-minute step.
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes('sleep 600'))) await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGINT');
  const result = await child;
  expect(result.exitCode, result.all).toBe(130);
  expect(sweep(ws.db, id)!.status).toBe('interrupted');
  // Cancelled, not failed: no trial was recorded build_failed, and it builds again on resume.
  expect(trials(ws.db, id).filter((r) => r.status === 'build_failed')).toEqual([]);
  expect(result.all).not.toContain('image build failed');
  // The engine stopped building: no container is still running the step.
  const docker = await connectEngine();
  for (;;) {
    const busy = (await docker.listContainers()).filter((c) => (c.Command ?? '').includes(nonce));
    if (busy.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
});
