#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';

type Register = (program: Command) => void;

// Each command's module pulls in its own dependencies (dockerode, the SQLite driver, the
// HTTP server...). Load only the one being run, so `pairbench report` does not pay for
// the container engine at start-up; help and unknown commands load them all.
const COMMANDS: Record<string, () => Promise<Register>> = {
  tasks: async () => (await import('./commands/tasks.js')).registerTasks,
  run: async () => (await import('./commands/run.js')).registerRun,
  report: async () => (await import('./commands/report.js')).registerReport,
  compare: async () => (await import('./commands/report.js')).registerReport,
  cleanup: async () => (await import('./commands/cleanup.js')).registerCleanup,
  serve: async () => (await import('./commands/serve.js')).registerServe,
};

const program = new Command()
  .name('pairbench')
  .description('Paired agent-harness benchmarks on containerized tasks, with per-turn serving telemetry.')
  .showHelpAfterError();

const name = process.argv.slice(2).find((a) => !a.startsWith('-'));
const load = name === undefined ? undefined : COMMANDS[name];
const registers = load ? [await load()] : await Promise.all(Object.values(COMMANDS).map((l) => l()));
for (const register of new Set(registers)) register(program);

await runCli(program, process.argv);
