// Task loading is a boundary: `pairbench tasks check` through the built CLI on the real engine,
// over a tasks directory holding one sound task beside tasks that reach outside themselves
// (a symlinked tests/ or instruction.md pointing at a 0600 host secret), name an image that
// is a path, or ask for timeouts no Node timer can hold. The sound task is checked for real;
// each other one is refused at load with one message naming its problem, and no byte of the
// secret appears anywhere.

import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CheckReport } from '../../runner/task/check.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures/tasks-hostile');
const CANARY = `pb-host-secret-${process.pid}-${Date.now().toString(36)}`;

let root: string;
let tasksDir: string;

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
  root = await mkdtemp(path.join(tmpdir(), 'pb-hostile-load-'));
  tasksDir = path.join(root, 'tasks');
  // A host directory that no task may reach: a secret only its owner may read.
  const secretDir = path.join(root, 'host-secrets');
  await mkdir(secretDir);
  await writeFile(path.join(secretDir, 'secret.txt'), `${CANARY}\n`);
  await chmod(path.join(secretDir, 'secret.txt'), 0o600);
  await writeFile(path.join(secretDir, 'test.sh'), `#!/bin/bash\ncat /tests/secret.txt\necho 1 > /logs/verifier/reward.txt\n`);

  for (const name of ['sound', 'image-path', 'huge-timeouts']) {
    await cp(path.join(FIXTURES, name), path.join(tasksDir, name), { recursive: true });
  }
  await cp(path.join(FIXTURES, 'sound'), path.join(tasksDir, 'tests-link'), { recursive: true });
  await rm(path.join(tasksDir, 'tests-link/tests'), { recursive: true });
  await symlink(secretDir, path.join(tasksDir, 'tests-link/tests'));
  await cp(path.join(FIXTURES, 'sound'), path.join(tasksDir, 'instruction-link'), { recursive: true });
  await rm(path.join(tasksDir, 'instruction-link/instruction.md'));
  await symlink(path.join(secretDir, 'secret.txt'), path.join(tasksDir, 'instruction-link/instruction.md'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every regular file under `dir` but the secret's own directory, read as text (links not followed). */
async function allTextBut(dir: string, skip: string): Promise<string> {
  let text = '';
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const at = path.join(e.parentPath, e.name);
    if (e.isFile() && !at.startsWith(skip)) text += await readFile(at, 'utf8');
  }
  return text;
}

it('refuses each hostile task at load with one message naming its problem, checks the sound one, and leaks no host byte', async () => {
  // The text form only for the refused tasks: they never reach the engine, so it costs nothing.
  const text = await pairbench('tasks', 'check', '--tasks-dir', tasksDir, 'tests-link', 'instruction-link', 'image-path', 'huge-timeouts');
  const json = await pairbench('tasks', 'check', '--tasks-dir', tasksDir, '--json');
  for (const r of [text, json]) {
    expect(r.exitCode).toBe(1);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  }
  expect(json.stderr).toBe('');
  const report = JSON.parse(json.stdout) as CheckReport;
  const byName = new Map(report.tasks.map((t) => [t.name, t]));
  expect(byName.get('sound')).toMatchObject({ ok: true, oracle: { status: 'pass' }, nop: { status: 'fail' } });
  const reasons = (name: string): string => (byName.get(name)?.reasons ?? []).join('\n');
  for (const name of ['tests-link', 'instruction-link', 'image-path', 'huge-timeouts']) {
    expect(byName.get(name), name).toMatchObject({ ok: false, oracle: null, nop: null });
  }
  expect(reasons('tests-link')).toMatch(/tests: is a symbolic link \(to .*host-secrets\), not a directory inside the task directory/);
  expect(reasons('instruction-link')).toMatch(/instruction\.md: is a symbolic link \(to .*secret\.txt\), not a file inside the task directory/);
  expect(reasons('image-path')).toContain('task.toml [environment] docker_image: "../../etc/passwd" is not an image reference');
  for (const key of ['[agent] timeout_sec', '[verifier] timeout_sec', '[environment] build_timeout_sec']) {
    expect(reasons('huge-timeouts')).toContain(
      `task.toml ${key}: 2200000 s is longer than pairbench can time; the largest allowed value is 2147483 (about 24 days)`,
    );
  }
  // The text form names the same problems under each task.
  expect(text.stdout).toMatch(/^FAIL tests-link\n\s+- the task directory is broken: tests: is a symbolic link/m);
  // Nothing the runs left behind holds the secret either.
  expect(await allTextBut(root, path.join(root, 'host-secrets'))).not.toContain(CANARY);
});

it('`tasks list` names the same links without reading through them', async () => {
  const r = await pairbench('tasks', 'list', '--tasks-dir', tasksDir);
  expect(r.stdout + r.stderr).not.toContain(CANARY);
  expect(r.stdout).toContain('tests: is a symbolic link');
  expect(r.stdout).toContain('instruction.md: is a symbolic link');
});

it('`tasks check` on a task whose tests/test.sh links its reward to /etc/shadow prints no host content', async () => {
  const dir = path.join(root, 'tasks-verifier');
  await cp(path.join(FIXTURES, 'verifier-link-shadow'), path.join(dir, 'verifier-link-shadow'), { recursive: true });
  const shadow = (await readFile('/etc/shadow', 'utf8')).split('\n').filter((l) => l.includes(':'));
  const r = await pairbench('tasks', 'check', '--tasks-dir', dir);
  expect(r.exitCode).toBe(1);
  const printed = r.stdout + r.stderr;
  expect(printed).toMatch(/^FAIL verifier-link-shadow: oracle reward_invalid/m);
  expect(printed).toContain('not a regular file');
  for (const line of shadow) expect(printed).not.toContain(line.split(':').slice(0, 2).join(':'));
}, 180_000);
