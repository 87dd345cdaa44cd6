// `pairbench agents list|new|check`: the installed agents under ./agents (and --agents-dir),
// a scaffold for a new one, and a check that installs each and drives it through one seed
// task against the simulated server, as its `tasks` counterparts do for tasks.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';

interface Flags {
  agentsDir?: string[];
  tasksDir: string;
  task: string;
  json?: boolean;
}

const dirsOf = (flags: { agentsDir?: string[] }): string[] => ['./agents', ...(flags.agentsDir ?? [])];

export function registerAgents(program: Command): void {
  const agents = program.command('agents').description('list, create and check installed agents (agents/<name>/agent.toml)');
  agents
    .command('list')
    .description('list the installed agents, with broken ones and every problem')
    .option('--agents-dir <dirs...>', 'more directories holding agents, besides ./agents')
    .option('--json', 'print the result as JSON')
    .action(async (flags: Flags) => listCommand(flags));
  agents
    .command('new')
    .description('create agents/<name>/agent.toml from a template to fill in')
    .argument('<name>', 'the agent name: lower-case letters, digits and _')
    .option('--agents-dir <dir>', 'where to create it', './agents')
    .action(async (name: string, flags: { agentsDir: string }) => newCommand(name, flags.agentsDir));
  agents
    .command('check')
    .description('install each agent and run it on one seed task against the simulated server; exit 1 naming each that fails')
    .argument('[names...]', 'agents to check (default: all)')
    .option('--agents-dir <dirs...>', 'more directories holding agents, besides ./agents')
    .option('--tasks-dir <dir>', 'where the task lives', './tasks')
    .option('--task <name>', 'the task each agent must pass', 'fizzbuzz')
    .option('--json', 'print the result as JSON')
    .action(async (names: string[], flags: Flags) => checkCommand(names, flags));
}

async function listCommand(flags: Flags): Promise<void> {
  const { loadAgents } = await import('../../harnesses/installed/definition.js');
  const { agents, broken } = loadAgents(dirsOf(flags));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ agents: [...agents.values()], broken }, null, 2)}\n`);
    return;
  }
  for (const a of agents.values()) process.stdout.write(`${a.name.padEnd(12)} ${`${a.install.npm}@${a.install.version}`.padEnd(44)} runtime ${a.runtime.padEnd(9)} ${a.description}\n`);
  for (const b of broken) process.stdout.write(`BROKEN ${b.name} (${b.dir})\n${b.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  if (broken.length > 0) process.exitCode = 1;
}

const SCAFFOLD = (name: string): string => `# ${name}: what it is and its licence. Every {template} below is filled per trial.
description = "TODO: one line on what ${name} is"
api = "openai-chat" # it must speak chat completions (POST {base_url}/chat/completions) with tool calls

[install]
npm = "TODO-package"  # the npm package
version = "0.0.0"     # an exact version
entry = "node_modules/TODO-package/cli.js" # its entry point inside the install

[runtime]
kind = "host-node" # host-node: run {entry} with {node}; none: {entry} is its own binary

[run]
# The argv that runs it once, non-interactively, on the task; {instruction} is one argument.
command = ["{node}", "{entry}", "--prompt", "{instruction}"]

[env]
# Point it at the recording proxy: {base_url} (ends in /v1), {api_key} (this trial's own key), {model}.
OPENAI_BASE_URL = "{base_url}"
OPENAI_API_KEY = "{api_key}"

# Config files it reads, written into the container before it runs ({home} is its writable home).
# [[files]]
# path = "{home}/.config/${name}/config.json"
# content = '{"baseUrl": "{base_url}", "apiKey": "{api_key}", "model": "{model}"}'
`;

async function newCommand(name: string, agentsDir: string): Promise<void> {
  const { AGENT_NAME_RULE } = await import('../../harnesses/installed/definition.js');
  const { RESERVED_NAMES } = await import('../../harnesses/variants.js');
  const problems: string[] = [];
  if (!AGENT_NAME_RULE.test(name)) problems.push(`${name}: use lower-case letters, digits and _ (no + or -: they start variant switches)`);
  if (RESERVED_NAMES.includes(name)) problems.push(`${name}: a built-in harness has this name; pick another`);
  const dir = resolve(agentsDir, name);
  if (existsSync(dir)) problems.push(`${dir}: already exists`);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `cannot create agent ${name}`, problems);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'agent.toml'), SCAFFOLD(name));
  process.stdout.write(`created ${join(dir, 'agent.toml')}\nnext: fill in the TODOs, then run\n  pairbench agents check ${name}\n`);
}

async function checkCommand(names: string[], flags: Flags): Promise<void> {
  const { loadAgents } = await import('../../harnesses/installed/definition.js');
  const { agents, broken } = loadAgents(dirsOf(flags));
  const wanted = names.length > 0 ? names : [...agents.keys(), ...broken.map((b) => b.name)];
  const problems: string[] = [];
  for (const n of wanted) {
    const b = broken.find((x) => x.name === n);
    if (b) problems.push(...b.problems.map((p) => `${n}: ${p}`));
    else if (!agents.has(n)) problems.push(`${n}: no such agent under ${dirsOf(flags).join(', ')} (see \`pairbench agents list\`)`);
  }
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, 'cannot check the agents', problems);

  const { prepareNewSweep } = await import('../../runner/sweep/prepare.js');
  const { runNewSweep } = await import('../../runner/sweep/run.js');
  const { mergeSettings } = await import('../../runner/plan/settings.js');
  const { combineReporters } = await import('../../runner/progress/types.js');
  const { openStore } = await import('../../store/db.js');
  const work = await mkdtemp(join(tmpdir(), 'pairbench-agents-check-'));
  const results: Array<{ agent: string; status: string; turns: number | null; message: string | null }> = [];
  try {
    const merged = mergeSettings({
      harnesses: wanted,
      tasks: [flags.task],
      trials: 1,
      tasksDir: flags.tasksDir,
      agentsDirs: dirsOf(flags),
      runsDir: join(work, 'runs'),
      timeScale: 0,
      serving: { source: 'simulated' },
    });
    const prepared = await prepareNewSweep(merged.settings, undefined, merged.problems);
    const db = join(work, 'check.db');
    const reporter = combineReporters([{ onWarning: (m: string) => (flags.json ? undefined : process.stderr.write(`${m}\n`)) }]);
    const run = await runNewSweep(prepared, { dbPath: db, reporter });
    const store = openStore(db, { readonly: true });
    try {
      const rows = store.prepare('SELECT harness, status, turns, error_message FROM trials WHERE sweep_id = ?').all(run.sweepId) as Array<{ harness: string; status: string; turns: number | null; error_message: string | null }>;
      for (const r of rows) results.push({ agent: r.harness, status: r.status, turns: r.turns, message: r.error_message });
    } finally {
      store.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => r.status !== 'pass' || !r.turns);
  if (failed.length > 0 || results.length === 0) process.exitCode = 1;
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ task: flags.task, results }, null, 2)}\n`);
    return;
  }
  for (const r of results) process.stdout.write(`${r.status === 'pass' && r.turns ? 'ok  ' : 'FAIL'} ${r.agent}: ${r.status} on ${flags.task} in ${r.turns ?? 0} model calls${r.message ? ` (${r.message})` : ''}\n`);
}
