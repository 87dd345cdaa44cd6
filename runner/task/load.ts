// Loads task directories in Harbor's layout. A broken task is reported with every problem
// at once; a sweep over many tasks sets the broken ones aside and runs the rest.

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import { checkTaskToml, taskNameProblem, TASK_NAME_RULE } from './schema.js';
import { checkEntries, checkTomlBounds, type EntryCheck, type TaskEntry } from './boundary.js';
import { harborFieldWarnings } from './harbor-fields.js';
import { unsetTemplateProblems } from '../../core/env-templates.js';
import { SCAFFOLD_PLACEHOLDERS } from './scaffold.js';
import { composeWarning, parseCompose } from './compose.js';
import type { ComposeEnvironment, LoadedTask, TaskConfig } from '../../core/task.js';

export interface BrokenTask {
  name: string;
  dir: string;
  problems: string[];
}

export interface LoadedTasks {
  tasks: LoadedTask[];
  broken: BrokenTask[];
  /** Scaffolds still holding placeholders: left out of 'all' (by name they load into `tasks`). */
  unfinished: LoadedTask[];
}

/** The one-line warning for a task left out of 'all' because it is still a scaffold. */
export function unfinishedWarning(t: LoadedTask): string {
  return `task ${t.name} is unfinished (placeholders from \`pairbench tasks new\` remain in ${t.unfinished.join(', ')}) and is left out; fill them in, then run \`pairbench tasks check ${t.name}\``;
}

/** Files under `dir` that still hold the scaffold's placeholder line. */
async function unfinishedFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const [rel, line] of Object.entries(SCAFFOLD_PLACEHOLDERS)) {
    const text = await readFile(join(dir, rel), 'utf8').catch(() => '');
    if (text.split('\n').some((l) => l.trim() === line)) found.push(rel);
  }
  return found;
}

type Kind = 'file' | 'dir' | 'missing';

/** A refused entry (a link, a special file, or under one) is reported by the boundary check alone, and never read. */
function asKind(entries: EntryCheck, rel: TaskEntry): Kind | 'refused' {
  const kind = entries.kinds[rel];
  return entries.unsafe.has(rel) || kind === 'link' || kind === 'other' ? 'refused' : kind;
}

async function kindOf(path: string): Promise<Kind> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** A problem for a required file, or null when it is there. */
function requireFile(kind: Kind | 'refused', rel: string, why: string): string | null {
  if (kind === 'file' || kind === 'refused') return null;
  if (kind === 'dir') return `${rel}: is a directory, not a file; ${why}`;
  return `${rel}: missing; ${why}`;
}

/** Loads and validates one task directory; throws ValidationError(TASK_INVALID) listing every problem. */
export async function loadTask(dir: string): Promise<LoadedTask> {
  const abs = resolve(dir);
  const name = basename(abs);
  if ((await kindOf(abs)) !== 'dir') {
    throw new ValidationError(ERROR_CODES.TASK_NOT_FOUND, `task directory ${abs} not found`, [
      `${abs}: no such directory; check the path, or pass --tasks-dir <dir> to point at your tasks`,
    ]);
  }
  const paths = {
    taskToml: join(abs, 'task.toml'),
    instruction: join(abs, 'instruction.md'),
    environmentDir: join(abs, 'environment'),
    dockerfile: join(abs, 'environment', 'Dockerfile'),
    solveSh: join(abs, 'solution', 'solve.sh'),
    testsDir: join(abs, 'tests'),
    testSh: join(abs, 'tests', 'test.sh'),
  };
  // lstat, not stat: a link is refused before anything reads through it.
  const entries = await checkEntries(abs);
  const [tomlKind, instructionKind, envKind, dockerfileKind, solveKind, testKind] = (
    ['task.toml', 'instruction.md', 'environment', 'environment/Dockerfile', 'solution/solve.sh', 'tests/test.sh'] as const
  ).map((rel) => asKind(entries, rel));
  const problems: string[] = [...entries.problems];

  // A terminal-bench task is a whole other layout: one message naming the command, not five.
  if (tomlKind === 'missing' && (await kindOf(join(abs, 'task.yaml'))) === 'file') {
    throw new ValidationError(ERROR_CODES.TASK_INVALID, `task ${name} (${abs}) is broken`, [
      `task.yaml: ${name} is a terminal-bench task, not Harbor's layout; convert it with \`pairbench tasks import ${abs} --to <tasks-dir>\` and run the converted copy`,
    ]);
  }

  const nameProblem = taskNameProblem(name);
  if (nameProblem) problems.push(`${name}/: ${nameProblem}; rename the directory: ${TASK_NAME_RULE}`);

  let config: TaskConfig | null = null;
  let raw: Record<string, unknown> = {};
  let tomlParsed = false; // parsed as TOML, even if some fields are wrong
  const tomlMissing = requireFile(
    tomlKind!,
    'task.toml',
    'every task needs one; at least schema_version = "1.4" (`pairbench tasks new <name>` writes a starter)',
  );
  if (tomlMissing) {
    problems.push(tomlMissing);
  } else if (tomlKind === 'file') {
    const checked = checkTaskToml(await readFile(paths.taskToml, 'utf8'));
    if (checked.raw) {
      raw = checked.raw;
      tomlParsed = true;
      problems.push(...checkTomlBounds(checked.raw));
    }
    if (checked.ok) config = checked.config;
    else problems.push(...checked.problems);
  }

  // Harbor's multi-step layout: steps/<name>/ each with its own instruction and tests. One
  // trial here is one instruction and one verdict, the unit every paired ratio is built on,
  // so steps are refused by name rather than run as something they are not.
  if ((await kindOf(join(abs, 'steps'))) === 'dir' || Array.isArray(raw['steps'])) {
    throw new ValidationError(ERROR_CODES.TASK_INVALID, `task ${name} (${abs}) is broken`, [
      `steps/: ${name} is a multi-step task (Harbor's steps/ layout); pairbench runs single-step tasks only (one instruction, one verifier, one reward per trial): make each step its own task`,
    ]);
  }
  if (config) {
    problems.push(
      ...unsetTemplateProblems('task.toml [environment] env', config.environment.env),
      ...unsetTemplateProblems('task.toml [verifier] env', config.verifier.env),
      ...unsetTemplateProblems('task.toml [solution] env', config.solution.env),
    );
  }

  let instruction = '';
  const instructionMissing = requireFile(
    instructionKind!,
    'instruction.md',
    'write there what the agent is asked to do',
  );
  if (instructionMissing) {
    problems.push(instructionMissing);
  } else if (instructionKind === 'file') {
    instruction = await readFile(paths.instruction, 'utf8');
    if (instruction.trim() === '') {
      problems.push('instruction.md: empty; write there what the agent is asked to do (exact paths, bytes, messages)');
    }
  }

  // The environment is a Dockerfile, or a prebuilt image named in task.toml. When task.toml
  // does not parse we cannot tell whether docker_image was meant, so stay quiet about it.
  const section = raw['environment'];
  const image = section !== null && typeof section === 'object' ? (section as Record<string, unknown>)['docker_image'] : undefined;
  const hasImage = typeof image === 'string' && image.trim() !== '';
  if (dockerfileKind !== 'file' && dockerfileKind !== 'refused' && !hasImage && (tomlParsed || tomlMissing !== null)) {
    const compose = envKind === 'dir' && (await kindOf(join(abs, 'environment', 'docker-compose.yaml'))) === 'file';
    const what =
      envKind === 'missing'
        ? 'environment/: missing'
        : compose
          ? "environment/Dockerfile: missing (environment/docker-compose.yaml adds sidecars to Harbor's main service, which is still built from environment/Dockerfile)"
          : 'environment/Dockerfile: missing';
    problems.push(
      `${what}; add environment/Dockerfile (e.g. FROM pairbench/base:bookworm) or set [environment] docker_image in task.toml`,
    );
  }

  // Harbor's compose environments: the main service plus sidecars (runner/task/compose.ts).
  let compose: ComposeEnvironment | null = null;
  const composeWarnings: string[] = [];
  const composePath = join(abs, 'environment', 'docker-compose.yaml');
  if (asKind(entries, 'environment/docker-compose.yaml') === 'file') {
    const parsed = parseCompose(await readFile(composePath, 'utf8'), paths.environmentDir);
    problems.push(...parsed.problems.map((p) => (p.startsWith('environment/docker-compose.yaml') ? p : `environment/docker-compose.yaml ${p}`)));
    compose = parsed.compose;
    const w = composeWarning(parsed.unhonoured);
    if (w) composeWarnings.push(w);
  }

  const solveMissing = requireFile(
    solveKind!,
    'solution/solve.sh',
    'the oracle harness runs it, so write the reference solution there',
  );
  if (solveMissing) problems.push(solveMissing);
  const testMissing = requireFile(
    testKind!,
    'tests/test.sh',
    'the verifier runs it; it must write 1 or 0 to /logs/verifier/reward.txt',
  );
  if (testMissing) problems.push(testMissing);

  if (problems.length > 0 || config === null) {
    throw new ValidationError(ERROR_CODES.TASK_INVALID, `task ${name} (${abs}) is broken`, problems);
  }
  return {
    name,
    dir: abs,
    instruction,
    config,
    raw,
    warnings: [...harborFieldWarnings(raw), ...composeWarnings],
    unfinished: await unfinishedFiles(abs),
    compose,
    paths: { ...paths, dockerfile: dockerfileKind === 'file' ? paths.dockerfile : null },
  };
}

/** Task directory names under `tasksDir`, sorted; hidden entries and plain files are not tasks. */
export async function listTaskNames(tasksDir: string): Promise<string[]> {
  const abs = resolve(tasksDir);
  if ((await kindOf(abs)) !== 'dir') {
    throw new ValidationError(ERROR_CODES.TASK_NOT_FOUND, `tasks directory ${abs} not found`, [
      `${abs}: no such directory; run from a checkout that has tasks/, or pass --tasks-dir <dir>`,
    ]);
  }
  const entries = await readdir(abs, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/**
 * Loads the named tasks (or all) from `tasksDir`. Broken tasks come back in `broken` with
 * their problems so a sweep can report them by name and run the others; an unknown name or a
 * missing directory is the caller's mistake and throws ValidationError(TASK_NOT_FOUND).
 */
export async function loadTasks(tasksDir: string, names: string[] | 'all'): Promise<LoadedTasks> {
  const abs = resolve(tasksDir);
  const available = await listTaskNames(abs);
  const known = new Set(available);
  let wanted: string[];
  if (names === 'all') {
    if (available.length === 0) {
      throw new ValidationError(ERROR_CODES.TASK_NOT_FOUND, `no tasks in ${abs}`, [
        `${abs}: holds no task directories; create one with \`pairbench tasks new <name>\`, or pass --tasks-dir <dir>`,
      ]);
    }
    wanted = available;
  } else {
    wanted = [...new Set(names)];
    const unknown = wanted.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      const existing = available.length > 0 ? available.join(', ') : '(none)';
      throw new ValidationError(
        ERROR_CODES.TASK_NOT_FOUND,
        `unknown task${unknown.length > 1 ? 's' : ''} in ${abs}`,
        [
          ...unknown.map((n) => `${n}: no such task directory`),
          `tasks in ${abs}: ${existing}; pass --tasks-dir <dir> to use tasks kept elsewhere`,
        ],
      );
    }
  }

  const tasks: LoadedTask[] = [];
  const broken: BrokenTask[] = [];
  const unfinished: LoadedTask[] = [];
  for (const name of wanted) {
    const dir = join(abs, name);
    try {
      const task = await loadTask(dir);
      // Asked for by name, a scaffold runs (and fails check until it is written); 'all' skips it.
      if (names === 'all' && task.unfinished.length > 0) unfinished.push(task);
      else tasks.push(task);
    } catch (e) {
      if (e instanceof ValidationError && e.code === ERROR_CODES.TASK_INVALID) {
        broken.push({ name, dir, problems: e.problems });
      } else {
        throw e;
      }
    }
  }
  return { tasks, broken, unfinished };
}
