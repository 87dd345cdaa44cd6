import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { loadTask, loadTasks, unfinishedWarning } from '../../runner/task/load.js';
import { HARBOR_TASK_NAME_PATTERN } from '../../runner/task/schema.js';
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
    // Harbor's schema: [task] name is org/name (ORG_NAME_PATTERN), and the network is stated.
    expect(task.raw['task']).toEqual({ name: 'local/my-task' });
    expect(task.config.harborName).toMatch(HARBOR_TASK_NAME_PATTERN);
    expect(task.raw['environment']).toMatchObject({ network_mode: 'no-network' });
    expect(task.config.environment.network).toBe('no-network');
    expect(task.warnings).toEqual([]);
    // Unfinished until its placeholders are replaced, file by file.
    expect(task.unfinished).toEqual(['instruction.md', 'solution/solve.sh', 'tests/test.sh']);
    const testSh = await readFile(task.paths.testSh, 'utf8');
    expect(testSh).toContain('TODO');
    expect(testSh).toMatch(/^reward=0$/m);
    expect(testSh).toContain('> /logs/verifier/reward.txt');
    expect(await readFile(task.paths.solveSh, 'utf8')).toContain('TODO');
    expect((await stat(task.paths.testSh)).mode & 0o111).not.toBe(0);
  });

  it('takes org/name as Harbor does, the directory being the name part', async () => {
    const root = await tempDir();
    const dir = await scaffoldTask(root, 'acme/parse-logs');
    expect(dir).toBe(join(root, 'parse-logs'));
    expect((await loadTask(dir)).raw['task']).toEqual({ name: 'acme/parse-logs' });
    await expect(scaffoldTask(root, '.bad/x')).rejects.toMatchObject({ code: ERROR_CODES.TASK_INVALID });
  });

  it('is unfinished until every placeholder is gone, and left out of all (with a warning) but loads by name', async () => {
    const root = await tempDir();
    await scaffoldTask(root, 'draft');
    const done = await scaffoldTask(root, 'done');
    await writeFile(join(done, 'instruction.md'), 'Write hello to /app/out.txt.\n');
    await writeFile(join(done, 'solution/solve.sh'), "#!/bin/bash\nprintf 'hello\\n' > /app/out.txt\n");
    await writeFile(join(done, 'tests/test.sh'), '#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n');
    const all = await loadTasks(root, 'all');
    expect(all.tasks.map((t) => t.name)).toEqual(['done']);
    expect(all.unfinished.map((t) => t.name)).toEqual(['draft']);
    expect(unfinishedWarning(all.unfinished[0]!)).toBe(
      'task draft is unfinished (placeholders from `pairbench tasks new` remain in instruction.md, solution/solve.sh, tests/test.sh) and is left out; fill them in, then run `pairbench tasks check draft`',
    );
    const byName = await loadTasks(root, ['draft']);
    expect(byName.tasks.map((t) => t.name)).toEqual(['draft']);
    expect(byName.unfinished).toEqual([]);
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
    expect((err as Error).message).toMatch(/lowercase letters, digits|the org ".*" is not one Harbor accepts/);
  });
});
