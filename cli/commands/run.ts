import type { Command } from 'commander';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import { BASES_HELP } from '../../core/harness-bases.js';
import type { RunFlags } from '../../runner/plan/flag-layer.js';
import type { SettingsLayer } from '../../runner/plan/settings.js';
import type { SweepReporter } from '../../runner/progress/types.js';

// The runner (engine, store, serving) loads when a sweep starts, never for help: cli/main.ts
// registers every command on each start-up.
const runner = async () => ({
  ...(await import('../../runner/plan/flag-layer.js')),
  ...(await import('../../runner/plan/settings.js')),
  ...(await import('../../runner/plan/sweep-file.js')),
  ...(await import('../../runner/progress/json-lines.js')),
  ...(await import('../../runner/progress/live-line.js')),
  ...(await import('../../runner/progress/plain-lines.js')),
  ...(await import('../../runner/progress/summary.js')),
  ...(await import('../../runner/progress/types.js')),
  ...(await import('../../runner/sweep/prepare.js')),
  ...(await import('../../runner/sweep/run.js')),
});
type Runner = Awaited<ReturnType<typeof runner>>;

export const DEFAULT_DB = '.pairbench/pairbench.db';

interface RunCommandOptions extends RunFlags {
  db: string;
  sweepFile?: string;
  resume?: string;
  json?: boolean;
}

// Flags that shape the plan; a resumed sweep keeps the plan it started with.
const PLAN_FLAGS: (keyof RunFlags)[] = [
  'harness', 'task', 'trials', 'tasksDir', 'agentsDir', 'runsDir', 'order', 'seed', 'groupBy', 'restartEvery', 'canaryEvery', 'canaryFactor',
  'retries', 'serving', 'baseUrl', 'model', 'dialect', 'apiKeyEnv', 'timeScale', 'selinux', 'maxTurns', 'engine', 'network',
];

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run a paired sweep: every harness on every (task, trial) slot, results into SQLite')
    .option('--harness <variants...>', `harness variants to compare, each a base and switches (e.g. terse tmux, terse+think, oracle nop); bases: ${BASES_HELP}`)
    .option('--task <names...>', 'task names, or all')
    .option('--trials <n>', 'trials per task for each harness')
    .option('--db <path>', 'SQLite database to write', DEFAULT_DB)
    .option('--tasks-dir <dir>', 'directory holding the task directories (default ./tasks)')
    .option('--agents-dir <dirs...>', 'more directories holding installed agents (agents/<name>/agent.toml), besides ./agents')
    .option('--runs-dir <dir>', 'where trial directories go (default .pairbench/runs)')
    .option('--sweep-file <file>', 'a sweep file (TOML); flags override its values')
    .option('--order <order>', 'alternate (A B, then B A) or shuffle (seeded)')
    .option('--seed <n>', 'seed for --order shuffle (drawn and recorded when absent)')
    .option('--group-by <g>', 'slot, task, or a number of slots per group')
    .option('--restart-every <r>', 'restart the serving layer at group boundaries: group, never, or after N trials')
    .option('--canary-every <n>', 'run a canary request every N trials')
    .option('--canary-factor <k>', 'restart early when the canary is K times slower than after the last restart (default 1.5)')
    .option('--concurrency <n>', 'trials in parallel (default 1: parallel trials disturb timings)')
    .option('--retries <n>', 're-run substrate errors up to N times (agent failures never)')
    .option('--grace-sec <s>', 'on Ctrl-C, seconds running trials get to finish before teardown (default 30)')
    .option('--resume <sweep-id>', 'continue a stopped sweep in --db: runs only what is missing')
    .option('--serving <source>', 'simulated, or a serving.toml')
    .option('--base-url <url>', 'a model server already running (with --model)')
    .option('--model <name>', 'model name for --base-url')
    .option('--dialect <dialect>', 'server dialect for --base-url: llama-server, vllm, ollama or openai')
    .option('--api-key-env <var>', 'NAME of the environment variable holding the API key')
    .option('--time-scale <s>', 'simulated server time scale (0 = no simulated latency)')
    .option('--selinux <mode>', 'relabel bind mounts: auto, on or off (default auto)')
    .option('--max-turns <n>', 'turn limit for agent harnesses')
    .option('--engine <engines...>', 'container engines to spread the trials over, each running --concurrency at once: docker (default), podman, an address (unix://, tcp://, ssh://) or kind=address')
    .option('--network <mode>', 'none: every container of every trial runs offline, whatever its task allows (said in the report); task (default): each task\'s own network rule')
    .option('--json', 'one JSON event per line on stdout')
    .action(async (opts: RunCommandOptions) => {
      const r = await runner();
      const reporter = reporterFor(r, opts.json === true);
      const result = opts.resume !== undefined ? await resume(r, opts, reporter) : await startNew(r, opts, reporter);
      if (result.status === 'interrupted') process.exitCode = result.signal === 'SIGTERM' ? 143 : 130; // 128 + the signal's number, as a shell reports it
      else if (result.status === 'failed') process.exitCode = 1;
    });
}

function reporterFor(r: Runner, json: boolean): Required<SweepReporter> {
  const { combineReporters, jsonLinesReporter, liveLineReporter, plainLinesReporter, summaryReporter } = r;
  if (json) return combineReporters([jsonLinesReporter()]);
  // Live line on a terminal (warnings print above it); plain lines otherwise, warnings on stderr.
  const progress = process.stdout.isTTY ? liveLineReporter() : plainLinesReporter(process.stdout, process.stderr);
  return combineReporters([progress, summaryReporter()]);
}

async function startNew(r: Runner, opts: RunCommandOptions, reporter: Required<SweepReporter>) {
  const { parseFlagLayer, loadSweepFile, mergeSettings, prepareNewSweep, runNewSweep } = r;
  const flags = parseFlagLayer(opts);
  let file: { layer: SettingsLayer; problems: string[] } = { layer: {}, problems: [] };
  if (opts.sweepFile !== undefined) file = await loadSweepFile(opts.sweepFile);
  const merged = mergeSettings(file.layer, flags.layer);
  // When the file itself is broken, what looks missing may only be unread: report the file's problems.
  const problems = [...file.problems, ...flags.problems, ...(file.problems.length > 0 ? [] : merged.problems)];
  const explicitRestart = flags.layer.restartEvery ?? file.layer.restartEvery;
  const prepared = await prepareNewSweep(merged.settings, explicitRestart, problems);
  return runNewSweep(prepared, { dbPath: opts.db, reporter, handleSignals: true });
}

async function resume(r: Runner, opts: RunCommandOptions, reporter: Required<SweepReporter>) {
  const { parseFlagLayer, resumeSweep } = r;
  const problems: string[] = [];
  const ignored = PLAN_FLAGS.filter((k) => opts[k] !== undefined).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (opts.sweepFile !== undefined) ignored.push('--sweep-file');
  if (ignored.length > 0) {
    problems.push(`${ignored.join(', ')}: a resumed sweep keeps the plan and settings it started with; drop these (only --db, --concurrency, --grace-sec and --json apply)`);
  }
  const { layer, problems: flagProblems } = parseFlagLayer({ concurrency: opts.concurrency, graceSec: opts.graceSec });
  problems.push(...flagProblems);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `cannot resume sweep ${opts.resume}`, problems);
  return resumeSweep(opts.resume!, {
    dbPath: opts.db,
    reporter,
    handleSignals: true,
    ...(layer.concurrency !== undefined && { concurrency: layer.concurrency }),
    ...(layer.graceSec !== undefined && { graceSec: layer.graceSec }),
  });
}
