// `pairbench tasks list|new|check`: look at task directories, start a new one, and prove
// each task sound (its oracle passes, nop fails) before any agent is measured on it.

import chalk from 'chalk';
import { Option, type Command } from 'commander';
import { basename, resolve } from 'node:path';
// The runner's modules (the container engine among them) load when a subcommand runs, not
// for help: cli/main.ts registers every command on each start-up.
import type { CheckTrial, TaskCheck } from '../../runner/task/check.js';
import type { SelinuxMode } from '../../core/trial.js';

const DEFAULT_TASKS_DIR = './tasks';

interface ListFlags {
  tasksDir: string;
  json?: boolean;
}
interface NewFlags {
  tasksDir: string;
  json?: boolean;
}
interface ImportFlags {
  to: string;
  json?: boolean;
}
interface CheckFlags {
  tasksDir: string;
  json?: boolean;
  selinux: SelinuxMode;
}

const tasksDirOption = (): Option =>
  new Option('--tasks-dir <dir>', 'directory holding the task directories').default(DEFAULT_TASKS_DIR);

export function registerTasks(program: Command): void {
  const tasks = program.command('tasks').description('list, create and check task directories (Harbor layout)');

  tasks
    .command('list')
    .description('list the tasks, with broken ones and their problems')
    .addOption(tasksDirOption())
    .option('--json', 'print the result as JSON')
    .action(async (flags: ListFlags) => listCommand(flags));

  tasks
    .command('new')
    .description('create a task directory from a template that loads and fails check until filled in')
    .argument('<name>', 'the task name: lowercase letters, digits, . _ -')
    .addOption(tasksDirOption())
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: NewFlags) => newCommand(name, flags));

  tasks
    .command('import')
    .description("convert terminal-bench task directories (task.yaml) into Harbor's layout, as Harbor's own mapper does")
    .argument('<dirs...>', 'terminal-bench task directories, or directories holding them')
    .requiredOption('--to <tasks-dir>', 'where the converted tasks go (e.g. ./tasks)')
    .option('--json', 'print the result as JSON')
    .action(async (dirs: string[], flags: ImportFlags) => importCommand(dirs, flags));

  tasks
    .command('check')
    .description('run the oracle (must pass) and nop (must fail) on each task; exit 1 naming each task that does not')
    .argument('[names...]', 'tasks to check (default: all)')
    .addOption(tasksDirOption())
    .option('--json', 'print the result as JSON')
    .addOption(
      new Option('--selinux <mode>', 'relabel bind mounts for SELinux (auto: when the host enforces it)')
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .action(async (names: string[], flags: CheckFlags) => checkCommand(names, flags));
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '-' : JSON.stringify(v);
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

async function listCommand(flags: ListFlags): Promise<void> {
  const { loadTasks } = await import('../../runner/task/load.js');
  const { tasks, broken, unfinished } = await loadTasks(flags.tasksDir, 'all');
  if (flags.json) {
    printJson({
      tasksDir: resolve(flags.tasksDir),
      tasks: tasks.map((t) => ({
        name: t.name,
        dir: t.dir,
        difficulty: t.config.metadata['difficulty'] ?? null,
        category: t.config.metadata['category'] ?? null,
        tags: t.config.metadata['tags'] ?? [],
        agentTimeoutSec: t.config.agent.timeoutSec,
        verifierTimeoutSec: t.config.verifier.timeoutSec,
        environment: t.config.environment,
        warnings: t.warnings,
      })),
      broken,
      unfinished: unfinished.map((t) => ({ name: t.name, dir: t.dir, files: t.unfinished })),
    });
    return;
  }
  if (tasks.length > 0) {
    const rows = [['TASK', 'DIFFICULTY', 'CATEGORY', 'AGENT TIMEOUT', 'VERIFIER TIMEOUT']];
    for (const t of tasks) {
      rows.push([
        t.name,
        str(t.config.metadata['difficulty']),
        str(t.config.metadata['category']),
        `${t.config.agent.timeoutSec} s`,
        `${t.config.verifier.timeoutSec} s`,
      ]);
    }
    table(rows).forEach((l, i) => out(i === 0 ? chalk.bold(l) : l));
    for (const t of tasks) for (const w of t.warnings) out(chalk.yellow(`  ${t.name}: ${w}`));
  }
  if (unfinished.length > 0) {
    if (tasks.length > 0) out();
    out(chalk.yellow(`${unfinished.length} unfinished task${unfinished.length > 1 ? 's' : ''} (left out of --task all until written):`));
    for (const t of unfinished) out(`  ${t.name}: placeholders remain in ${t.unfinished.join(', ')}`);
  }
  if (broken.length > 0) {
    if (tasks.length > 0) out();
    out(chalk.red(`${broken.length} broken task${broken.length > 1 ? 's' : ''}:`));
    for (const b of broken) {
      out(`  ${b.name} (${b.dir})`);
      for (const p of b.problems) out(`    - ${p}`);
    }
  }
}

async function newCommand(name: string, flags: NewFlags): Promise<void> {
  const { scaffoldTask } = await import('../../runner/task/scaffold.js');
  const dir = await scaffoldTask(flags.tasksDir, name);
  if (flags.json) {
    printJson({ name, dir });
    return;
  }
  const dirFlag = resolve(flags.tasksDir) === resolve(DEFAULT_TASKS_DIR) ? '' : ` --tasks-dir ${flags.tasksDir}`;
  out(`created ${dir}`);
  out('next: fill in the TODOs in instruction.md, solution/solve.sh and tests/test.sh, then run');
  out(`  pairbench tasks check ${basename(dir)}${dirFlag}`);
}

async function importCommand(dirs: string[], flags: ImportFlags): Promise<void> {
  const { importTerminalBench } = await import('../../runner/task/import-tb.js');
  const result = await importTerminalBench(dirs, flags.to);
  if (result.failed.length > 0) process.exitCode = 1;
  if (flags.json) {
    printJson(result);
    return;
  }
  for (const i of result.imported) {
    out(`imported ${i.source} -> ${i.target}`);
    for (const n of i.notes) out(`  note: ${n}`);
  }
  for (const f of result.failed) out(chalk.red(`not imported: ${f.problem}`));
  if (result.imported.length > 0) {
    const names = result.imported.map((i) => basename(i.target)).join(' ');
    out(`next: pairbench tasks check ${names} --tasks-dir ${flags.to}`);
  }
}

function trialLine(harness: string, t: CheckTrial | null): string {
  if (t === null) return `${harness} not run`;
  return `${harness} ${t.status}${t.wallMs === null ? '' : ` (${(t.wallMs / 1000).toFixed(1)} s)`}`;
}

function printCheck(c: TaskCheck): void {
  if (c.ok) {
    out(`${chalk.green('ok')}   ${c.name}: ${trialLine('oracle', c.oracle)}, ${trialLine('nop', c.nop)}`);
    return;
  }
  const trials = c.oracle === null ? '' : `: ${trialLine('oracle', c.oracle)}, ${trialLine('nop', c.nop)}`;
  out(`${chalk.red('FAIL')} ${c.name}${trials}`);
  for (const r of c.reasons) out(`       - ${r}`);
}

async function checkCommand(names: string[], flags: CheckFlags): Promise<void> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted (Ctrl-C)'));
  process.once('SIGINT', onSigint);
  const live = !flags.json && process.stderr.isTTY === true;
  try {
    const { checkTasks } = await import('../../runner/task/check.js');
    const report = await checkTasks({
      tasksDir: flags.tasksDir,
      names: names.length > 0 ? names : 'all',
      selinux: flags.selinux,
      signal: controller.signal,
      onTrialStart(task, harness) {
        if (live) process.stderr.write(`\r\x1b[2K${chalk.dim(`running ${harness} on ${task}...`)}`);
      },
      onTaskDone(check) {
        if (live) process.stderr.write('\r\x1b[2K');
        if (!flags.json) printCheck(check);
      },
      onWarning(message) {
        process.stderr.write(`${chalk.yellow('warning:')} ${message}\n`);
      },
    });
    if (!report.ok) process.exitCode = 1;
    if (flags.json) {
      printJson(report);
      return;
    }
    const failed = report.tasks.filter((t) => !t.ok);
    out();
    if (report.tasks.length === 0 && report.unfinished.length > 0) {
      out(chalk.yellow(`every task is unfinished (${report.unfinished.map((t) => t.name).join(', ')}); fill in the placeholders, or name one to check it as it is`));
      return;
    }
    if (failed.length === 0) {
      const n = report.tasks.length;
      out(chalk.green(`${n === 1 ? 'the task is' : `all ${n} tasks are`} sound: the oracle passes and nop fails ${n === 1 ? 'it' : 'each one'}`));
      return;
    }
    out(chalk.red(`${failed.length} of ${report.tasks.length} tasks failed the check: ${failed.map((t) => t.name).join(', ')}`));
    if (report.runsDir !== '') out(`trial directories (build logs, verifier output) are kept in ${report.runsDir}`);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
