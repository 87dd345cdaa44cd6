// The README tells users to add tasks with `pairbench tasks new` in ./tasks; doing so must
// never break `npm test`. This copies the checkout, adds a fresh scaffold to the copy's
// tasks/, and runs there every test file that reads the repository's tasks/ directory.

import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
// Each file here reads ROOT/tasks; a new one that does belongs in this list.
const READS_SEED_TASKS = [
  'test/unit/task-load.test.ts',
  'test/unit/sim-policy.test.ts',
  'test/e2e/tasks-check.test.ts',
  'test/e2e/sim-openai-client.test.ts',
];

let copy = '';
afterAll(async () => {
  if (copy) await rm(copy, { recursive: true, force: true });
});

/** The environment without vitest's own markers, so the inner run is a run of its own. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(VITEST|TEST$|NODE_ENV$)/.test(k)) env[k] = v;
  return env;
}

it('a task added with `pairbench tasks new` in ./tasks leaves the suite green', { timeout: 600_000 }, async () => {
  copy = await mkdtemp(path.join(tmpdir(), 'pb-user-tasks-'));
  const files = (await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })).stdout
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('node_modules'));
  for (const f of files) {
    await mkdir(path.dirname(path.join(copy, f)), { recursive: true });
    await cp(path.join(ROOT, f), path.join(copy, f), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e; // a file deleted but not yet committed
    });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  await execa('npm', ['run', '-s', 'build'], { cwd: copy });

  const added = await execa('node', ['bin/pairbench.js', 'tasks', 'new', 'my-task'], { cwd: copy, reject: false });
  expect(added.exitCode, added.stderr).toBe(0);
  const listed = await execa('node', ['bin/pairbench.js', 'tasks', 'list'], { cwd: copy, env: { FORCE_COLOR: '0' } });
  expect(listed.stdout).toMatch(/unfinished task \(left out of --task all until written\):\n {2}my-task: placeholders remain in/);

  const r = await execa('npx', ['vitest', 'run', ...READS_SEED_TASKS], { cwd: copy, env: cleanEnv(), extendEnv: false, reject: false, all: true });
  expect(r.exitCode, r.all).toBe(0);
  expect(r.all).toMatch(/tests: \d+ passed, 0 failed, 0 skipped/);
});
