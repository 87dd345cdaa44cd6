import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { loadTask } from '../../runner/task/load.js';
import { scaffoldTask } from '../../runner/task/scaffold.js';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pb-task-scaffold-'));
  temps.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('scaffoldTask', () => {
  it('creates a task that loads, with a verifier that fails until it is written', async () => {
    const root = await tempDir();
    const dir = await scaffoldTask(join(root, 'tasks'), 'my-task');
    expect(dir).toBe(join(root, 'tasks', 'my-task'));
    const task = await loadTask(dir);
    expect(task.name).toBe('my-task');
    expect(task.raw['schema_version']).toBe('1.4');
    expect(task.raw['task']).toMatchObject({ name: 'my-task' });
    expect(task.config.environment.allowInternet).toBe(false);
    const testSh = await readFile(task.paths.testSh, 'utf8');
    expect(testSh).toContain('TODO');
    expect(testSh).toMatch(/^reward=0$/m);
    expect(testSh).toContain('> /logs/verifier/reward.txt');
    expect(await readFile(task.paths.solveSh, 'utf8')).toContain('TODO');
    expect((await stat(task.paths.testSh)).mode & 0o111).not.toBe(0);
  });

  it('refuses an existing directory and leaves it alone', async () => {
    const root = await tempDir();
    const dir = await scaffoldTask(root, 'twice');
    const before = await readFile(join(dir, 'task.toml'), 'utf8');
    const err = await scaffoldTask(root, 'twice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PairbenchError);
    expect((err as PairbenchError).code).toBe(ERROR_CODES.TASK_INVALID);
    expect((err as Error).message).toMatch(/already exists; pick another name/);
    expect(await readFile(join(dir, 'task.toml'), 'utf8')).toBe(before);
  });

  it.each(['Upper', 'has space', '../escape', '-lead', 'a//b', ''])('refuses the bad name %j', async (name) => {
    const root = await tempDir();
    const err = await scaffoldTask(root, name).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ERROR_CODES.TASK_INVALID });
    expect((err as Error).message).toMatch(/lowercase letters, digits/);
  });
});
