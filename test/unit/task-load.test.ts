import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import { loadTask, loadTasks } from '../../runner/task/load.js';
import { checkTaskToml } from '../../runner/task/schema.js';
import { TASK_DEFAULTS } from '../../core/task.js';

const BROKEN = resolve('fixtures/tasks-broken');
const SEEDS = resolve('tasks');

async function problemsOf(dir: string): Promise<string[]> {
  try {
    await loadTask(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const err = e as ValidationError;
    expect(err.code).toBe(ERROR_CODES.TASK_INVALID);
    expect(err.message).toContain(`is broken`);
    for (const p of err.problems) expect(err.message).toContain(p);
    return err.problems;
  }
  throw new Error(`${dir} loaded, but it is meant to be broken`);
}

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pb-task-load-'));
  temps.push(d);
  return d;
}
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A minimal valid task, with any file overridden (null removes it). */
async function writeTask(root: string, name: string, files: Record<string, string | null> = {}): Promise<string> {
  const dir = join(root, name);
  const all: Record<string, string | null> = {
    'task.toml': 'schema_version = "1.4"\n',
    'instruction.md': 'Do the thing.\n',
    'environment/Dockerfile': 'FROM pairbench/base:bookworm\n',
    'solution/solve.sh': '#!/bin/bash\ntrue\n',
    'tests/test.sh': '#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n',
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    if (text === null) continue;
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

describe('broken task fixtures: each kind names its problem', () => {
  const cases: [kind: string, expected: RegExp][] = [
    ['missing-task-toml', /^task\.toml: missing; .*schema_version/],
    ['missing-instruction', /^instruction\.md: missing; /],
    ['empty-instruction', /^instruction\.md: empty; /],
    ['missing-solution', /^solution\/solve\.sh: missing; the oracle/],
    ['missing-tests', /^tests\/test\.sh: missing; .*reward\.txt/],
    ['no-dockerfile', /^environment\/Dockerfile: missing; .*docker_image/],
    ['toml-syntax', /^task\.toml:6:10: not valid TOML \(.+\); fix the syntax/],
    ['wrong-types', /^task\.toml \[agent\] timeout_sec: expected a positive number of seconds, got "60" \(a string\); write it without quotes: timeout_sec = 60$/],
    ['non-positive', /^task\.toml \[environment\] cpus: expected a positive number of CPUs, got 0; /],
    ['bad-allow-internet', /^task\.toml \[environment\] allow_internet: expected true or false, got "yes" \(a string\)/],
    ['section-not-table', /^task\.toml \[agent\]: expected a table, got 600; /],
    ['Bad_Name', /^Bad_Name\/: .*not usable in a Docker image name; rename the directory/],
  ];

  it.each(cases)('%s', async (kind, expected) => {
    const problems = await problemsOf(join(BROKEN, kind));
    expect(problems.some((p) => expected.test(p)), problems.join('\n')).toBe(true);
  });

  it('wrong-types lists each wrong field', async () => {
    const problems = await problemsOf(join(BROKEN, 'wrong-types'));
    expect(problems).toHaveLength(3);
    expect(problems[1]).toMatch(/^task\.toml \[verifier\] env\.DEBUG: expected a string, got 1/);
    expect(problems[2]).toMatch(/memory_mb: .*got "512" \(a string\); write it without quotes: memory_mb = 512$/);
  });

  it('non-positive lists every non-positive number and the fractional pids_limit', async () => {
    const problems = await problemsOf(join(BROKEN, 'non-positive'));
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'task.toml [verifier] timeout_sec',
      'task.toml [environment] cpus',
      'task.toml [environment] memory_mb',
      'task.toml [environment] pids_limit',
    ]);
  });

  it('many-problems lists every problem at once', async () => {
    const problems = await problemsOf(join(BROKEN, 'many-problems'));
    const heads = problems.map((p) => p.split(/:\s/)[0]);
    expect(heads).toEqual([
      'task.toml [agent] timeout_sec',
      'task.toml [environment] memory_mb',
      'task.toml [environment] allow_internet',
      'instruction.md',
      'environment/Dockerfile',
      'solution/solve.sh',
      'tests/test.sh',
    ]);
  });

  it('a directory that is not there is TASK_NOT_FOUND, not TASK_INVALID', async () => {
    await expect(loadTask(join(BROKEN, 'no-such-kind'))).rejects.toMatchObject({ code: ERROR_CODES.TASK_NOT_FOUND });
  });
});

describe('seed tasks', () => {
  it.each(['fizzbuzz', 'word-count', 'git-init'])('%s loads with its Harbor 1.4 fields', async (name) => {
    const task = await loadTask(join(SEEDS, name));
    expect(task.name).toBe(name);
    expect(task.dir).toBe(join(SEEDS, name));
    expect(task.instruction.length).toBeGreaterThan(100);
    expect(task.raw['schema_version']).toBe('1.4');
    expect(task.config.environment).toEqual({
      buildTimeoutSec: 300,
      cpus: 1,
      memoryMb: 512,
      pidsLimit: TASK_DEFAULTS.pidsLimit,
      network: 'no-network',
      dockerImage: null,
      workdir: null,
      env: {},
      healthcheck: null,
    });
    // Stated, not defaulted: Harbor's default is public, and the seeds build and run offline.
    expect(task.raw['environment']).toMatchObject({ network_mode: 'no-network' });
    expect(task.config.harborName).toBe(`pairbench/${name}`);
    expect(task.warnings).toEqual([]);
    expect(task.unfinished).toEqual([]);
    expect(task.config.metadata).toMatchObject({ difficulty: 'easy', author_name: 'pairbench' });
    expect(task.paths.dockerfile).toBe(join(SEEDS, name, 'environment', 'Dockerfile'));
    expect(task.paths.testSh).toBe(join(SEEDS, name, 'tests', 'test.sh'));
  });

  it('git-init solution is exactly seven top-level commands', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(SEEDS, 'git-init', 'solution', 'solve.sh'), 'utf8');
    const commands = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    expect(commands).toHaveLength(7);
    expect(commands.some((c) => /^cd\b/.test(c))).toBe(false);
  });
});

describe('Harbor compatibility', () => {
  const HARBOR_TOML = `schema_version = "1.4"
future_top_level = "kept"

[task]
name = "acme/parse-logs"
version = "2.1.0"

[metadata]
author_name = "A. Author"
author_email = "a@example.com"
difficulty = "medium"
category = "data-processing"
tags = ["logs", "python"]

[verifier]
timeout_sec = 180.0
env = { LOG_LEVEL = "debug" }

[agent]
timeout_sec = 900.0

[environment]
build_timeout_sec = 1200.0
docker_image = "acme/parse-logs:1"
cpus = 2
memory_mb = 4096
storage_mb = 10240
gpus = 0
allow_internet = true

[solution.env]
OPENAI_API_KEY = "\${OPENAI_API_KEY}"
`;

  it('a Harbor task.toml with every section loads unchanged and keeps fields pairbench does not read', async () => {
    const dir = await writeTask(await tempDir(), 'parse-logs', {
      'task.toml': HARBOR_TOML,
      'environment/Dockerfile': null, // docker_image stands in for it
    });
    vi.stubEnv('OPENAI_API_KEY', 'sk-never-stored');
    const task = await loadTask(dir);
    expect(task.config).toEqual({
      harborName: 'acme/parse-logs',
      agent: { timeoutSec: 900, user: null, network: 'public' },
      verifier: { timeoutSec: 180, env: { LOG_LEVEL: 'debug' }, user: null, network: 'public' },
      // The template is kept as written: the secret is read only when the command runs.
      solution: { env: { OPENAI_API_KEY: '${OPENAI_API_KEY}' } },
      environment: {
        buildTimeoutSec: 1200,
        cpus: 2,
        memoryMb: 4096,
        pidsLimit: TASK_DEFAULTS.pidsLimit,
        network: 'public',
        dockerImage: 'acme/parse-logs:1',
        workdir: null,
        env: {},
        healthcheck: null,
      },
      metadata: {
        author_name: 'A. Author',
        author_email: 'a@example.com',
        difficulty: 'medium',
        category: 'data-processing',
        tags: ['logs', 'python'],
      },
    });
    expect(task.paths.dockerfile).toBeNull();
    expect(task.raw['future_top_level']).toBe('kept');
    expect(task.raw['task']).toEqual({ name: 'acme/parse-logs', version: '2.1.0' });
    expect(task.raw['solution']).toEqual({ env: { OPENAI_API_KEY: '${OPENAI_API_KEY}' } });
    expect(task.raw['environment']).toMatchObject({ storage_mb: 10240, gpus: 0 });
    expect(JSON.stringify(task)).not.toContain('sk-never-stored');
    expect(task.warnings).toEqual([
      'task.toml future_top_level: not a field pairbench knows (nor Harbor\'s task schema); ignored',
      'task.toml [environment] storage_mb: pairbench sets no disk limit; the container gets the engine default',
    ]);
  });

  it('an empty task.toml takes every default', () => {
    const checked = checkTaskToml('');
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.config.agent.timeoutSec).toBe(TASK_DEFAULTS.agentTimeoutSec);
    expect(checked.config.verifier.timeoutSec).toBe(TASK_DEFAULTS.verifierTimeoutSec);
    expect(checked.config.environment.memoryMb).toBe(TASK_DEFAULTS.memoryMb);
    expect(checked.config.environment.network).toBe('public'); // Harbor's default
    expect(checked.config.verifier.timeoutSec).toBe(600); // Harbor's default
  });
});

describe('loadTasks', () => {
  it('sets broken tasks aside by name and loads the others', async () => {
    const root = await tempDir();
    await writeTask(root, 'good-one');
    await writeTask(root, 'bad-one', { 'tests/test.sh': null });
    await writeFile(join(root, 'README.md'), 'not a task');
    await mkdir(join(root, '.hidden'));
    const { tasks, broken } = await loadTasks(root, 'all');
    expect(tasks.map((t) => t.name)).toEqual(['good-one']);
    expect(broken).toEqual([{ name: 'bad-one', dir: join(root, 'bad-one'), problems: [expect.stringMatching(/^tests\/test\.sh: missing/)] }]);
  });

  it('loads only the named tasks, in the order given', async () => {
    const { tasks, broken } = await loadTasks(SEEDS, ['word-count', 'fizzbuzz', 'word-count']);
    expect(tasks.map((t) => t.name)).toEqual(['word-count', 'fizzbuzz']);
    expect(broken).toEqual([]);
  });

  it('an unknown name says which tasks exist and mentions --tasks-dir', async () => {
    const err = await loadTasks(SEEDS, ['fizzbuzz', 'nope']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe(ERROR_CODES.TASK_NOT_FOUND);
    expect((err as ValidationError).problems[0]).toBe('nope: no such task directory');
    for (const seed of ['fizzbuzz', 'git-init', 'word-count']) expect((err as ValidationError).message).toContain(seed);
    expect((err as ValidationError).message).toContain('--tasks-dir');
  });

  it('a missing tasks directory is TASK_NOT_FOUND and mentions --tasks-dir', async () => {
    const err = await loadTasks(join(await tempDir(), 'absent'), 'all').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ERROR_CODES.TASK_NOT_FOUND });
    expect((err as Error).message).toContain('--tasks-dir');
  });

  it('an empty tasks directory is TASK_NOT_FOUND', async () => {
    await expect(loadTasks(await tempDir(), 'all')).rejects.toMatchObject({ code: ERROR_CODES.TASK_NOT_FOUND });
  });

  it('a path-like name is unknown, never resolved outside the tasks directory', async () => {
    await expect(loadTasks(join(SEEDS, 'fizzbuzz'), ['../word-count'])).rejects.toMatchObject({
      code: ERROR_CODES.TASK_NOT_FOUND,
    });
  });
});
