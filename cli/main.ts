#!/usr/bin/env node
import { Command } from 'commander';
import { runCli } from './run-cli.js';
import { registerTasks } from './commands/tasks.js';
import { registerRun } from './commands/run.js';
import { registerReport } from './commands/report.js';
import { registerCleanup } from './commands/cleanup.js';
import { registerServe } from './commands/serve.js';
import { registerAgents } from './commands/agents.js';
import { registerServing } from './commands/serving.js';
import { restoreUserTunables } from '../core/launch-env.js';

// Node has started as bin/pairbench.js asked; whatever pairbench starts gets the user's environment.
restoreUserTunables();

// Every command is declared on every start-up: its options and help cost next to nothing.
// What a command runs (the container engine, SQLite, the HTTP server) it imports inside its
// action, so help and the other commands never load it. A new command is one entry here.
// The build bundles this file with what it imports statically (scripts/bundle-cli.ts); a
// command's work goes in a dynamic import, or a *-run.ts module, and stays out of it.
const COMMANDS: ((program: Command) => void)[] = [registerTasks, registerRun, registerReport, registerCleanup, registerServe, registerServing, registerAgents];

const program = new Command()
  .name('pairbench')
  .description('Paired agent-harness benchmarks on containerized tasks, with per-turn serving telemetry.')
  .showHelpAfterError();
for (const register of COMMANDS) register(program);

await runCli(program, process.argv);
