// `pairbench tasks check` through the built CLI on the real engine: the seed tasks are sound,
// a fresh scaffold is left out of `all` as unfinished (and fails when named) until it is
// filled in, a broken directory is listed with its problems, and a new task directory needs
// no code change to be checked. The repository's tasks/ is only ever read by seed name, so a
// task a user adds there with `pairbench tasks new` cannot change these results.

import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findPairbenchContainers } from '../../engines/docker/leftovers.js';
import { connectEngine } from './engine-support.js';
import type { CheckReport } from '../../runner/task/check.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCAFFOLD = 'tasks-check-e2e-scaffold';

let docker: Docker;
let root: string; // holds the temp tasks dir and, through TMPDIR, every runs dir the CLI makes

function pairbench(...args: string[]) {
  return execa('node', [path.join(ROOT, 'bin/pairbench.js'), ...args], {
    cwd: ROOT,
    reject: false,
    env: { TMPDIR: root, FORCE_COLOR: '0' },
  });
}

beforeAll(async () => {
  // Builds only when a source is newer than dist/ (npm test has built it already).
  await execa('bash', ['scripts/build.sh'], { cwd: ROOT });
  docker = await connectEngine();
  root = await mkdtemp(path.join(tmpdir(), 'pb-tasks-check-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  // The scaffold's image is ours alone; the seed images are a shared cache and stay.
  const images = await docker.listImages({ filters: { reference: [`pairbench-task/${SCAFFOLD}`] } });
  for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
});

async function noContainersLeft(sweepId: string): Promise<void> {
  expect(sweepId).toMatch(/^check-/);
  expect(await findPairbenchContainers(docker, { sweep: sweepId })).toEqual([]);
}

it('passes on the three seed tasks: the oracle passes and nop fails each one', { timeout: 300_000 }, async () => {
  const r = await pairbench('tasks', 'check', 'fizzbuzz', 'git-init', 'word-count', '--json');
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const report = JSON.parse(r.stdout) as CheckReport;
  expect(report.ok).toBe(true);
  expect(report.tasks.map((t) => [t.name, t.ok, t.oracle?.status, t.oracle?.reward, t.nop?.status, t.nop?.reward])).toEqual([
    ['fizzbuzz', true, 'pass', 1, 'fail', 0],
    ['git-init', true, 'pass', 1, 'fail', 0],
    ['word-count', true, 'pass', 1, 'fail', 0],
  ]);
  await noContainersLeft(report.sweepId);
});

it('names a fresh scaffold and a broken task, checks the rest, and passes once the scaffold is filled in', { timeout: 300_000 }, async () => {
  const tasksDir = path.join(root, 'tasks');
  await cp(path.join(ROOT, 'tasks/word-count'), path.join(tasksDir, 'word-count'), { recursive: true });
  await cp(path.join(ROOT, 'fixtures/tasks-broken/missing-solution'), path.join(tasksDir, 'missing-solution'), {
    recursive: true,
  });
  const created = await pairbench('tasks', 'new', SCAFFOLD, '--tasks-dir', tasksDir);
  expect(created.exitCode).toBe(0);
  expect(created.stdout).toContain(`created ${path.join(tasksDir, SCAFFOLD)}`);

  const failing = await pairbench('tasks', 'check', '--tasks-dir', tasksDir);
  expect(failing.exitCode).toBe(1);
  expect(failing.stdout).toMatch(/^ok {3}word-count: oracle pass \(.+\), nop fail/m);
  expect(failing.stdout).toMatch(/^FAIL missing-solution\n\s+- the task directory is broken: solution\/solve\.sh: missing/m);
  expect(failing.stdout).toContain('1 of 2 tasks failed the check: missing-solution');
  expect(failing.stdout).not.toContain(SCAFFOLD); // unfinished: left out of all, not run
  expect(failing.stderr).toContain(
    `warning: task ${SCAFFOLD} is unfinished (placeholders from \`pairbench tasks new\` remain in instruction.md, solution/solve.sh, tests/test.sh) and is left out`,
  );
  expect(failing.stdout + failing.stderr).not.toMatch(/^\s+at /m); // no stack trace

  // Named, the scaffold is checked as it is, and its placeholder verifier fails it.
  const named = await pairbench('tasks', 'check', SCAFFOLD, '--tasks-dir', tasksDir);
  expect(named.exitCode).toBe(1);
  expect(named.stdout).toMatch(new RegExp(`^FAIL ${SCAFFOLD}: oracle fail .*\\n\\s+- oracle ended fail \\(reward 0\\): the oracle must pass`, 'm'));

  // Fill in the scaffold as its author would: no change to pairbench itself.
  const dir = path.join(tasksDir, SCAFFOLD);
  await writeFile(path.join(dir, 'instruction.md'), 'Write the line `hello` to /app/out.txt.\n');
  await writeFile(path.join(dir, 'solution/solve.sh'), "#!/bin/bash\nprintf 'hello\\n' > /app/out.txt\n");
  await writeFile(
    path.join(dir, 'tests/test.sh'),
    '#!/bin/bash\nmkdir -p /logs/verifier\n' +
      'if [ "$(cat /app/out.txt 2>/dev/null)" = hello ]; then reward=1; else reward=0; fi\n' +
      'echo "checked /app/out.txt: reward $reward"\necho "$reward" > /logs/verifier/reward.txt\n',
  );
  await rm(path.join(tasksDir, 'missing-solution'), { recursive: true });
  const passing = await pairbench('tasks', 'check', '--tasks-dir', tasksDir, '--json');
  expect(passing.exitCode).toBe(0);
  const report = JSON.parse(passing.stdout) as CheckReport;
  expect(report.tasks.map((t) => [t.name, t.ok])).toEqual([
    [SCAFFOLD, true],
    ['word-count', true],
  ]);
  await noContainersLeft(report.sweepId);
});

it('an unknown task name is a one-line error naming the tasks that exist', async () => {
  const r = await pairbench('tasks', 'check', 'no-such-task');
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain('no-such-task: no such task directory');
  for (const seed of ['fizzbuzz', 'git-init', 'word-count']) expect(r.stderr).toContain(seed);
  expect(r.stderr).toContain('--tasks-dir');
  expect(r.stderr).not.toMatch(/^\s+at /m);
});
