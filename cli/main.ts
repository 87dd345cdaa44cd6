#!/usr/bin/env node
import { Command } from 'commander';
import { registerTasks } from './commands/tasks.js';
import { registerRun } from './commands/run.js';
import { registerReport } from './commands/report.js';
import { registerCleanup } from './commands/cleanup.js';
import { registerServe } from './commands/serve.js';
import { runCli } from './run-cli.js';

const program = new Command()
  .name('pairbench')
  .description('Paired agent-harness benchmarks on containerized tasks, with per-turn serving telemetry.')
  .showHelpAfterError();

registerTasks(program);
registerRun(program);
registerReport(program);
registerCleanup(program);
registerServe(program);

await runCli(program, process.argv);
