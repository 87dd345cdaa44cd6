// `pairbench tasks new <name>`: a task directory that loads at once, and whose verifier
// fails (reward 0) until its author writes it, so `tasks check` cannot pass by accident.
// Until its placeholders are replaced it is an unfinished task: listed as such and left out
// of `--task all`, so a half-written task never breaks a sweep (or the test suite).

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ERROR_CODES, PairbenchError, ValidationError } from '../../core/errors.js';
import { HARBOR_ORG_PATTERN, taskNameProblem, TASK_NAME_RULE } from './schema.js';

/**
 * One line per file that only the scaffold writes: while any is still there, the task is
 * unfinished. Each is a whole line, so an author who edits around it keeps it unfinished.
 */
export const SCAFFOLD_PLACEHOLDERS = {
  'instruction.md': 'TODO: say exactly what the agent must do. Name exact paths (e.g. /app/out.txt), exact',
  'solution/solve.sh': "echo 'solution not written yet'",
  'tests/test.sh': 'echo "FAIL: tests/test.sh is not written yet"',
} as const;

/** The org of a task created without one: Harbor names tasks org/name. */
export const SCAFFOLD_ORG = 'local';

const taskToml = (name: string, org: string): string => `# Harbor task format (schema 1.4): Harbor's own schema accepts this file as it is.
# pairbench honours the fields below; \`pairbench tasks list\` names any Harbor field it does not.
schema_version = "1.4"

[task]
name = "${org}/${name}" # org/name, as Harbor requires
`;

const taskTomlRest = `
[metadata]
author_name = "TODO: your name"
difficulty = "easy" # easy | medium | hard
category = "TODO"
tags = []

[agent]
timeout_sec = 300 # how long the agent may work before it is stopped

[verifier]
timeout_sec = 60 # how long tests/test.sh may run

[environment]
build_timeout_sec = 300
cpus = 1
memory_mb = 512
# Harbor's default is "public" (internet on); a task that builds and runs offline says so.
network_mode = "no-network"
`;

const instruction = (name: string): string => `# ${name}

${SCAFFOLD_PLACEHOLDERS['instruction.md']}
file contents and exact messages, so that a correct solution is unambiguous and the
verifier in tests/test.sh can check it.
`;

const DOCKERFILE = `# The task's container. It must build without the network: start from the local base
# image (Debian bookworm with python3, git, tmux) and add files with COPY, not downloads.
FROM pairbench/base:bookworm
WORKDIR /app
`;

const SOLVE_SH = `#!/bin/bash
# The reference solution: the oracle harness runs it in the task's container, and
# \`pairbench tasks check\` requires that it passes tests/test.sh.
# Write one top-level command per line (a heredoc counts as one command), use absolute
# paths instead of cd, and do not rely on set -e: agents replay it one command at a time.
#
# TODO: replace this line with the solution, e.g.
#   printf 'hello\\n' > /app/out.txt
${SCAFFOLD_PLACEHOLDERS['solution/solve.sh']}
`;

const TEST_SH = `#!/bin/bash
# The verifier: it runs in the container after the agent, with this directory at /tests.
# It must always write 1 (pass) or 0 (fail) to /logs/verifier/reward.txt and print what
# it checked; its output is kept in /logs/verifier/test-stdout.txt.
mkdir -p /logs/verifier

# TODO: check the agent's work and set reward=1 only when every check passes, e.g.
#   if [ "$(cat /app/out.txt 2>/dev/null)" = "hello" ]; then reward=1; else reward=0; fi
${SCAFFOLD_PLACEHOLDERS['tests/test.sh']}
reward=0

echo "$reward" > /logs/verifier/reward.txt
echo "reward: $reward"
`;

/**
 * Creates tasks/<name> from the template and returns its absolute path. `name` may be
 * `org/name`, as Harbor's own `harbor tasks init` takes it; the directory is the name part.
 */
export async function scaffoldTask(tasksDir: string, fullName: string): Promise<string> {
  const slash = fullName.indexOf('/');
  const org = slash >= 0 ? fullName.slice(0, slash) : SCAFFOLD_ORG;
  const name = slash >= 0 ? fullName.slice(slash + 1) : fullName;
  if (slash >= 0 && !HARBOR_ORG_PATTERN.test(org)) {
    throw new ValidationError(ERROR_CODES.TASK_INVALID, `cannot create task ${JSON.stringify(fullName)}`, [
      `the org ${JSON.stringify(org)} is not one Harbor accepts; use letters, digits, . _ or - (starting with a letter or digit)`,
    ]);
  }
  const problem = taskNameProblem(name);
  if (problem) {
    throw new ValidationError(ERROR_CODES.TASK_INVALID, `cannot create task ${JSON.stringify(name)}`, [
      `${problem}; ${TASK_NAME_RULE}`,
    ]);
  }
  const dir = join(resolve(tasksDir), name);
  await mkdir(resolve(tasksDir), { recursive: true });
  try {
    await mkdir(dir); // not recursive: fails when the directory exists
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PairbenchError(
        ERROR_CODES.TASK_INVALID,
        `${dir} already exists; pick another name, or remove that directory first`,
      );
    }
    throw e;
  }
  await Promise.all(['environment', 'solution', 'tests'].map((d) => mkdir(join(dir, d))));
  await Promise.all([
    writeFile(join(dir, 'task.toml'), taskToml(name, org) + taskTomlRest),
    writeFile(join(dir, 'instruction.md'), instruction(name)),
    writeFile(join(dir, 'environment', 'Dockerfile'), DOCKERFILE),
    writeFile(join(dir, 'solution', 'solve.sh'), SOLVE_SH),
    writeFile(join(dir, 'tests', 'test.sh'), TEST_SH),
  ]);
  await Promise.all([chmod(join(dir, 'solution', 'solve.sh'), 0o755), chmod(join(dir, 'tests', 'test.sh'), 0o755)]);
  return dir;
}
