// Two terminal-bench tasks, imported with `pairbench tasks import`, pass `tasks check` on the
// real engine; left unconverted, the same directories are named for what they are.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import type { CheckReport } from '../../runner/task/check.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures/tasks-terminal-bench');
const NAMES = ['tb-count-lines', 'tb-hello-file'];

let docker: Docker;
let root: string;

function pairbench(...args: string[]) {
  return execa('node', [path.join(ROOT, 'bin/pairbench.js'), ...args], { cwd: ROOT, reject: false, env: { TMPDIR: root, FORCE_COLOR: '0' } });
}

beforeAll(async () => {
  // Builds only when a source is newer than dist/ (npm test has built it already).
  await execa('bash', ['scripts/build.sh'], { cwd: ROOT });
  docker = await connectEngine();
  root = await mkdtemp(path.join(tmpdir(), 'pb-tasks-import-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  for (const n of NAMES) {
    const images = await docker.listImages({ filters: { reference: [`pairbench-task/${n}`] } });
    for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  }
});

it('a terminal-bench directory loaded as it is says what it is and names the command', async () => {
  const r = await pairbench('tasks', 'list', '--tasks-dir', FIXTURES);
  expect(r.exitCode).toBe(0);
  for (const n of NAMES) {
    expect(r.stdout).toContain(
      `task.yaml: ${n} is a terminal-bench task, not Harbor's layout; convert it with \`pairbench tasks import ${path.join(FIXTURES, n)} --to <tasks-dir>\``,
    );
  }
  expect(r.stdout).not.toContain('instruction.md: missing');
});

it('imports both fixtures, and tasks check passes them: the oracle passes and nop fails', { timeout: 600_000 }, async () => {
  const to = path.join(root, 'tasks');
  const imported = await pairbench('tasks', 'import', ...NAMES.map((n) => path.join(FIXTURES, n)), '--to', to);
  expect(imported.exitCode, imported.stdout + imported.stderr).toBe(0);
  expect(imported.stdout).toContain(`next: pairbench tasks check ${NAMES.join(' ')} --tasks-dir ${to}`);

  const r = await pairbench('tasks', 'check', '--tasks-dir', to, '--json');
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as CheckReport;
  expect(report.tasks.map((t) => [t.name, t.ok, t.oracle?.status, t.nop?.status])).toEqual([
    ['tb-count-lines', true, 'pass', 'fail'],
    ['tb-hello-file', true, 'pass', 'fail'],
  ]);
});
