import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { MAX_TIMEOUT_SEC, MAX_TIMER_MS, checkTomlBounds, imageReferenceProblem } from '../../runner/task/boundary.js';
import { loadTask } from '../../runner/task/load.js';

const SOUND = resolve('fixtures/tasks-hostile/sound');

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function copyOfSound(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pb-boundary-'));
  temps.push(root);
  const dir = join(root, 'sound');
  await cp(SOUND, dir, { recursive: true });
  return dir;
}

async function problemsOf(dir: string): Promise<string[]> {
  const e = await loadTask(dir).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ValidationError);
  return (e as ValidationError).problems;
}

describe('image references', () => {
  it.each([
    'pairbench/base:bookworm',
    'ubuntu',
    'localhost:5000/team/image:1.2',
    'registry.example.com/a/b/c',
    `alpine@sha256:${'a'.repeat(64)}`,
    `ghcr.io/x/y:v1@sha256:${'0'.repeat(64)}`,
  ])('accepts %s', (ref) => expect(imageReferenceProblem(ref)).toBeNull());

  it.each(['../../etc/passwd', '/etc/passwd', 'Upper/case', 'a b', 'image:', 'x:tag:more', 'a//b', '-leading', `${'a'.repeat(256)}`])(
    'refuses %s',
    (ref) => expect(imageReferenceProblem(ref)).not.toBeNull(),
  );
});

describe('timeouts a Node timer can hold', () => {
  it('the largest allowed value really fits a timer, and one more second does not', () => {
    expect(MAX_TIMEOUT_SEC * 1000).toBeLessThanOrEqual(MAX_TIMER_MS);
    expect((MAX_TIMEOUT_SEC + 1) * 1000).toBeGreaterThan(MAX_TIMER_MS);
  });

  it('names every timeout past the bound, and leaves wrong types to the schema', () => {
    const problems = checkTomlBounds({
      agent: { timeout_sec: MAX_TIMEOUT_SEC },
      verifier: { timeout_sec: MAX_TIMEOUT_SEC + 0.5 },
      environment: { build_timeout_sec: 1e12, docker_image: 42 },
    });
    expect(problems).toEqual([
      `task.toml [verifier] timeout_sec: ${MAX_TIMEOUT_SEC + 0.5} s is longer than pairbench can time; the largest allowed value is ${MAX_TIMEOUT_SEC} (about 24 days)`,
      `task.toml [environment] build_timeout_sec: 1000000000000 s is longer than pairbench can time; the largest allowed value is ${MAX_TIMEOUT_SEC} (about 24 days)`,
    ]);
  });
});

describe('task entries must be what they say, inside the task directory', () => {
  it('a symlinked tests/test.sh, environment/ and solution/ are each named, and nothing else is reported missing', async () => {
    const dir = await copyOfSound();
    await rm(join(dir, 'tests/test.sh'));
    await symlink('/etc/hostname', join(dir, 'tests/test.sh'));
    await rm(join(dir, 'environment'), { recursive: true });
    await symlink('/etc', join(dir, 'environment'));
    await rm(join(dir, 'solution'), { recursive: true });
    await symlink('../elsewhere', join(dir, 'solution'));
    const problems = await problemsOf(dir);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['environment', 'solution', 'tests/test.sh']);
    expect(problems[0]).toMatch(/^environment: is a symbolic link \(to \/etc\), not a directory inside the task directory; .*replace the link/);
  });

  it('a FIFO as instruction.md is refused without opening it (which would block)', async () => {
    const dir = await copyOfSound();
    await rm(join(dir, 'instruction.md'));
    execFileSync('mkfifo', [join(dir, 'instruction.md')]);
    const problems = await problemsOf(dir);
    expect(problems).toEqual([expect.stringMatching(/^instruction\.md: is a FIFO, socket or device, not a regular file/)]);
  });

  it('a symlinked task.toml is refused with the task\'s other problems, in one message', async () => {
    const dir = await copyOfSound();
    await rm(join(dir, 'task.toml'));
    await symlink('/etc/passwd', join(dir, 'task.toml'));
    await writeFile(join(dir, 'instruction.md'), '  \n');
    const problems = await problemsOf(dir);
    expect(problems.map((p) => p.split(':')[0])).toEqual(['task.toml', 'instruction.md']);
  });
});
