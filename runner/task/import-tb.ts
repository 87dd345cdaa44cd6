// `pairbench tasks import`: terminal-bench task directories (task.yaml, Dockerfile,
// docker-compose.yaml, run-tests.sh, solution.sh or solution.yaml, tests/) into Harbor's
// layout, following Harbor's own mapper (src/harbor/mappers/terminal_bench.py):
//   task.yaml instruction            -> instruction.md
//   max_agent/test_timeout_sec       -> [agent]/[verifier] timeout_sec (defaults 360 / 60)
//   author, difficulty, category...  -> [metadata]
//   Dockerfile (+ the compose main service's environment, working_dir, expose, entrypoint
//   appended as ENV/WORKDIR/EXPOSE/ENTRYPOINT, and ENV TEST_DIR=/tests) -> environment/
//   a compose file with sidecars     -> environment/docker-compose.yaml, main service renamed
//   solution.sh                      -> solution/solve.sh
//   tests/ + run-tests.sh            -> tests/, and tests/test.sh writing the reward file
//   every other file                 -> environment/
// Two differences, both written down where they happen: test.sh runs run-tests.sh as its own
// script (Harbor appends the reward lines to it, so a script that exits early or stops under
// set -e leaves no reward), and a solution.yaml of plain commands becomes solve.sh (Harbor
// refuses every solution.yaml).

import { chmod, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { taskNameProblem, TASK_NAME_RULE } from './schema.js';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface ImportResult {
  imported: { source: string; target: string; notes: string[] }[];
  failed: { source: string; problem: string }[];
}

/** Harbor's defaults for a task.yaml that leaves them out (TerminalBenchTaskConfig). */
const TB_DEFAULTS = { agentTimeoutSec: 360, testTimeoutSec: 60 } as const;

const TBENCH_DEFAULT_VOLUMES = new Set([
  '${T_BENCH_TASK_LOGS_PATH}:${T_BENCH_CONTAINER_LOGS_PATH}',
  '${T_BENCH_TASK_AGENT_LOGS_PATH}:${T_BENCH_CONTAINER_AGENT_LOGS_PATH}',
]);
const TBENCH_DEFAULT_ENV = 'TEST_DIR=${T_BENCH_TEST_DIR}';
const DOCKERFILE_FIELDS = new Set(['environment', 'working_dir', 'expose', 'entrypoint', 'platform']);
const IGNORED_FIELDS = new Set(['build', 'image', 'container_name', 'command', 'volumes', 'environment']);
const HARBOR_REPLACES = new Set(['build', 'image', 'container_name', 'command', 'environment', 'volumes', 'deploy']);

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Directories holding a task.yaml: each argument is a task, or a folder of tasks as Harbor maps them. */
export async function findTerminalBenchTasks(dirs: string[]): Promise<{ tasks: string[]; problems: string[] }> {
  const tasks: string[] = [];
  const problems: string[] = [];
  for (const d of dirs) {
    const abs = resolve(d);
    if (!(await stat(abs).then((s) => s.isDirectory(), () => false))) {
      problems.push(`${abs}: no such directory`);
      continue;
    }
    if (await exists(join(abs, 'task.yaml'))) {
      tasks.push(abs);
      continue;
    }
    const children = (await readdir(abs, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => join(abs, e.name));
    const found = [];
    for (const c of children.sort()) if (await exists(join(c, 'task.yaml'))) found.push(c);
    if (found.length === 0) problems.push(`${abs}: holds no task.yaml, nor any directory with one; give a terminal-bench task directory`);
    tasks.push(...found);
  }
  return { tasks, problems };
}

function mainService(compose: Table): [string, Table] | null {
  const services = isTable(compose['services']) ? compose['services'] : {};
  const names = Object.keys(services);
  if (names.length === 0) return null;
  const name = 'client' in services ? 'client' : names[0]!;
  const svc = services[name];
  return [name, isTable(svc) ? svc : {}];
}

function buildContext(svc: Table): string {
  const b = svc['build'];
  if (typeof b === 'string') return b;
  if (isTable(b) && typeof b['context'] === 'string') return b['context'];
  return '.';
}

/** Harbor's can_collapse_to_dockerfile: one service, only fields a Dockerfile can carry. */
function collapsible(compose: Table, svc: Table): boolean {
  const services = isTable(compose['services']) ? compose['services'] : {};
  if (Object.keys(services).length !== 1) return false;
  if (Object.keys(compose).some((k) => k !== 'services' && k !== 'version')) return false;
  for (const [key, value] of Object.entries(svc)) {
    if (!DOCKERFILE_FIELDS.has(key) && !IGNORED_FIELDS.has(key)) return false;
    if (key === 'volumes' && !(Array.isArray(value) && value.every((v) => TBENCH_DEFAULT_VOLUMES.has(String(v))))) return false;
  }
  return true;
}

/** Harbor's extract_dockerfile_additions. */
function dockerfileAdditions(svc: Table): string[] {
  const out = ['ENV TEST_DIR=/tests'];
  const env = svc['environment'];
  if (Array.isArray(env)) {
    for (const e of env.map(String)) if (e !== TBENCH_DEFAULT_ENV) out.push(`ENV ${e}`);
  } else if (isTable(env)) {
    for (const [k, v] of Object.entries(env)) if (`${k}=${String(v)}` !== TBENCH_DEFAULT_ENV) out.push(`ENV ${k}=${String(v)}`);
  }
  const wd = svc['working_dir'];
  if (typeof wd === 'string' && !wd.includes('${')) out.push(`WORKDIR ${wd}`);
  const expose = svc['expose'];
  if (expose !== undefined) for (const p of Array.isArray(expose) ? expose : [expose]) out.push(`EXPOSE ${String(p)}`);
  const ep = svc['entrypoint'];
  if (ep !== undefined) out.push(`ENTRYPOINT ${JSON.stringify(Array.isArray(ep) ? ep.map(String) : [String(ep)])}`);
  return out;
}

/** Harbor's write_harbor_compose: the main service becomes `main`, built from environment/. */
function harborCompose(compose: Table, mainName: string, svc: Table): string {
  const out: Table = {};
  for (const [k, v] of Object.entries(compose)) if (k !== 'services' && k !== 'version') out[k] = v;
  const main: Table = { build: { context: '.' }, command: ['sh', '-c', 'sleep infinity'] };
  for (const [k, v] of Object.entries(svc)) if (!HARBOR_REPLACES.has(k)) main[k] = v;
  const services: Table = { main };
  for (const [name, s] of Object.entries(isTable(compose['services']) ? compose['services'] : {})) if (name !== mainName) services[name] = s;
  out['services'] = services;
  return stringifyYaml(out).replaceAll('${T_BENCH_TASK_DOCKER_NAME_PREFIX}', 'pb');
}

/** solution.yaml's plain commands as solve.sh lines; null (with why) when it drives keys a shell cannot replay. */
function solutionFromYaml(text: string): { script: string } | { problem: string } {
  const doc: unknown = parseYaml(text);
  if (!Array.isArray(doc)) return { problem: 'solution.yaml is not a list of commands' };
  const lines: string[] = [];
  for (const [i, entry] of doc.entries()) {
    const cmd = isTable(entry) ? entry['command'] : undefined;
    if (typeof cmd !== 'string') return { problem: `solution.yaml entry ${i + 1} has no command` };
    if (isTable(entry) && entry['append_enter'] === false) {
      return { problem: `solution.yaml entry ${i + 1} sends keystrokes without Enter (${JSON.stringify(cmd)}); write solution.sh by hand` };
    }
    lines.push(cmd);
  }
  return { script: `#!/bin/bash\n# From terminal-bench's solution.yaml, one command per entry.\n${lines.join('\n')}\n` };
}

const tomlString = (s: string): string => JSON.stringify(s);
function tomlValue(v: unknown): string {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  return tomlString(String(v));
}

function taskToml(name: string, y: Table): string {
  const num = (k: string, d: number): number => (typeof y[k] === 'number' ? (y[k] as number) : d);
  const meta: [string, unknown][] = [
    ['author_name', y['author_name'] ?? 'unknown'],
    ['author_email', y['author_email'] ?? 'unknown'],
    ['difficulty', y['difficulty'] ?? 'unknown'],
    ['category', y['category'] ?? 'software_engineering'],
    ['tags', Array.isArray(y['tags']) ? y['tags'] : []],
  ];
  for (const k of ['estimated_duration_sec', 'expert_time_estimate_min', 'junior_time_estimate_min']) if (y[k] !== undefined && y[k] !== null) meta.push([k, y[k]]);
  return [
    '# Converted from terminal-bench by `pairbench tasks import`, as Harbor\'s mapper converts it.',
    'schema_version = "1.4"',
    '',
    '[task]',
    `name = ${tomlString(`terminal-bench/${name}`)}`,
    '',
    '[metadata]',
    ...meta.map(([k, v]) => `${k} = ${tomlValue(v)}`),
    '',
    '[agent]',
    `timeout_sec = ${num('max_agent_timeout_sec', TB_DEFAULTS.agentTimeoutSec)}`,
    '',
    '[verifier]',
    `timeout_sec = ${num('max_test_timeout_sec', TB_DEFAULTS.testTimeoutSec)}`,
    '',
    '[environment]',
    '# terminal-bench ran tasks with the network on, and Harbor keeps that default.',
    'network_mode = "public"',
    '',
  ].join('\n');
}

const TEST_SH = `#!/bin/bash
# Converted from terminal-bench by \`pairbench tasks import\`: run-tests.sh passes or fails by
# its exit code, and this writes that verdict as the reward Harbor's verifier reads. It runs
# run-tests.sh as a script of its own, so an early exit or set -e still leaves a reward.
export TEST_DIR=/tests
mkdir -p /logs/verifier
bash /tests/run-tests.sh
code=$?
if [ "$code" -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
exit "$code"
`;

async function copyTree(src: string, dst: string, skip: (rel: string) => boolean, root = src): Promise<void> {
  for (const e of await readdir(src, { withFileTypes: true })) {
    const from = join(src, e.name);
    const rel = relative(root, from);
    if (skip(rel)) continue;
    const to = join(dst, e.name);
    if (e.isDirectory()) {
      await mkdir(to, { recursive: true });
      await copyTree(from, to, skip, root);
    } else if (e.isFile()) {
      await mkdir(dst, { recursive: true });
      await cp(from, to);
    }
    // symlinks and other kinds are not copied: a task's files are its own
  }
}

/** Converts one terminal-bench task directory into `<tasksDir>/<name>`; throws with one clear line. */
export async function importTerminalBenchTask(source: string, tasksDir: string): Promise<{ target: string; notes: string[] }> {
  const name = basename(source);
  const nameProblem = taskNameProblem(name);
  if (nameProblem) throw new Error(`${nameProblem}; rename the directory (${TASK_NAME_RULE})`);
  const target = join(resolve(tasksDir), name);
  if (await exists(target)) throw new Error(`${target} already exists; remove it or import into another --to directory`);
  try {
    return await convert(source, name, target);
  } catch (e) {
    await rm(target, { recursive: true, force: true }); // never leave half a task behind
    throw e;
  }
}

async function convert(source: string, name: string, target: string): Promise<{ target: string; notes: string[] }> {
  const yamlDoc: unknown = parseYaml(await readFile(join(source, 'task.yaml'), 'utf8'));
  if (!isTable(yamlDoc) || typeof yamlDoc['instruction'] !== 'string' || yamlDoc['instruction'].trim() === '') {
    throw new Error('task.yaml has no instruction; terminal-bench tasks carry their instruction there');
  }
  if (!(await exists(join(source, 'run-tests.sh')))) throw new Error('run-tests.sh is missing; it is what decides the verdict');
  const notes: string[] = [];
  let solve: string | null = null;
  if (await exists(join(source, 'solution.sh'))) solve = await readFile(join(source, 'solution.sh'), 'utf8');
  else if (await exists(join(source, 'solution.yaml'))) {
    const s = solutionFromYaml(await readFile(join(source, 'solution.yaml'), 'utf8'));
    if ('problem' in s) throw new Error(s.problem);
    solve = s.script;
    notes.push('solution.yaml became solution/solve.sh, one command per entry (Harbor refuses solution.yaml)');
  }

  const handled = new Set(['task.yaml', 'solution.sh', 'solution.yaml', 'run-tests.sh', 'tests', 'docker-compose.yaml', 'Dockerfile']);
  const envDir = join(target, 'environment');
  await mkdir(envDir, { recursive: true });
  let dockerfile: string | null = null;
  let composeOut: string | null = null;
  let additions: string[] = ['ENV TEST_DIR=/tests'];
  const composePath = join(source, 'docker-compose.yaml');
  let context = '.';
  if (await exists(composePath)) {
    const compose: unknown = parseYaml(await readFile(composePath, 'utf8'));
    const main = isTable(compose) ? mainService(compose) : null;
    if (isTable(compose) && main) {
      const [mainName, svc] = main;
      context = buildContext(svc);
      additions = dockerfileAdditions(svc);
      if (!collapsible(compose, svc)) {
        composeOut = harborCompose(compose, mainName, svc);
        notes.push('its docker-compose.yaml has more than the main service: environment/docker-compose.yaml keeps the sidecars');
        const services = isTable(compose['services']) ? compose['services'] : {};
        for (const [n, s] of Object.entries(services)) {
          if (n === mainName || !isTable(s)) continue;
          const c = buildContext(s);
          if (c !== '.') {
            handled.add(c.replace(/^\.\//, '').split('/')[0]!);
            await copyTree(join(source, c), join(envDir, c), () => false);
          }
        }
      }
    }
  }
  if (context !== '.') {
    handled.add(context.replace(/^\.\//, '').split('/')[0]!);
    await copyTree(join(source, context), envDir, () => false);
    if (await exists(join(envDir, 'Dockerfile'))) dockerfile = join(envDir, 'Dockerfile');
  } else if (await exists(join(source, 'Dockerfile'))) {
    dockerfile = join(envDir, 'Dockerfile');
    await cp(join(source, 'Dockerfile'), dockerfile);
  }
  if (dockerfile === null) throw new Error('no Dockerfile (at the top, or in the compose build context)');
  let df = await readFile(dockerfile, 'utf8');
  // Harbor copies tests/ and solution.sh into the build context when the Dockerfile uses them.
  if (/^(COPY|ADD)\s+(\.\/)?tests\b/m.test(df) && (await exists(join(source, 'tests')))) await copyTree(join(source, 'tests'), join(envDir, 'tests'), () => false);
  if (/^(COPY|ADD)\s+(\.\/)?solution\.sh\b/m.test(df) && (await exists(join(source, 'solution.sh')))) await cp(join(source, 'solution.sh'), join(envDir, 'solution.sh'));
  if (!df.endsWith('\n')) df += '\n';
  df += `\n# Mapped from docker-compose.yaml\n${additions.join('\n')}\n`;
  await writeFile(dockerfile, df);
  if (composeOut !== null) await writeFile(join(envDir, 'docker-compose.yaml'), composeOut);

  // Every other file goes into the build context, as Harbor's _copy_remaining_files does.
  await copyTree(source, envDir, (rel) => handled.has(rel.split('/')[0]!));

  const testsDir = join(target, 'tests');
  await mkdir(testsDir, { recursive: true });
  if (await exists(join(source, 'tests'))) await copyTree(join(source, 'tests'), testsDir, () => false);
  const runTests = (await readFile(join(source, 'run-tests.sh'), 'utf8')).replaceAll('$TEST_DIR', '/tests').replaceAll('${TEST_DIR}', '/tests');
  await writeFile(join(testsDir, 'run-tests.sh'), runTests);
  await writeFile(join(testsDir, 'test.sh'), TEST_SH);
  await chmod(join(testsDir, 'test.sh'), 0o755);

  if (solve !== null) {
    await mkdir(join(target, 'solution'), { recursive: true });
    await writeFile(join(target, 'solution', 'solve.sh'), solve);
    await chmod(join(target, 'solution', 'solve.sh'), 0o755);
  } else {
    notes.push('it has no solution.sh or solution.yaml: add solution/solve.sh before `pairbench tasks check`');
  }
  const instruction = yamlDoc['instruction'];
  await writeFile(join(target, 'instruction.md'), instruction.endsWith('\n') ? instruction : `${instruction}\n`);
  await writeFile(join(target, 'task.toml'), taskToml(name, yamlDoc));
  return { target, notes };
}

/** Imports each task, reporting each failure by source without stopping at the first. */
export async function importTerminalBench(dirs: string[], tasksDir: string): Promise<ImportResult> {
  const { tasks, problems } = await findTerminalBenchTasks(dirs);
  const result: ImportResult = { imported: [], failed: problems.map((p) => ({ source: p.split(':')[0]!, problem: p })) };
  for (const source of tasks) {
    try {
      const { target, notes } = await importTerminalBenchTask(source, tasksDir);
      result.imported.push({ source, target, notes });
    } catch (e) {
      result.failed.push({ source, problem: `${source}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return result;
}
