import type { Command } from 'commander';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import { SETTING_ENTRIES, flagAttribute, settingHelp, type RunFlags } from '../../core/sweep-settings.js';
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

// Settings that shape the plan; a resumed sweep keeps the plan it started with.
const PLAN_SETTINGS = SETTING_ENTRIES.filter(([, d]) => !d.onResume).map(([, d]) => d);
const RESUME_FLAGS = SETTING_ENTRIES.filter(([, d]) => d.onResume).map(([, d]) => `--${d.flag}`);

export function registerRun(program: Command): void {
  const run = program.command('run').description('Run a paired sweep: every harness on every (task, trial) slot, results into SQLite');
  for (const [, decl] of SETTING_ENTRIES) run.option(`--${decl.flag} ${decl.arg}`, settingHelp(decl));
  run
    .option('--sweep-file <file>', 'a sweep file (TOML); flags override its values')
    .option('--db <path>', 'SQLite database to write', DEFAULT_DB)
    .option('--resume <sweep-id>', 'continue a stopped sweep in --db: runs only what is missing')
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
  const given = new Set(Object.entries(opts).filter(([, v]) => v !== undefined).map(([k]) => k));
  const ignored = PLAN_SETTINGS.filter((d) => given.has(flagAttribute(d.flag))).map((d) => `--${d.flag}`);
  if (opts.sweepFile !== undefined) ignored.push('--sweep-file');
  if (ignored.length > 0) {
    problems.push(`${ignored.join(', ')}: a resumed sweep keeps the plan and settings it started with; drop these (only --db, ${RESUME_FLAGS.join(', ')} and --json apply)`);
  }
  const { layer, problems: flagProblems } = parseFlagLayer({ concurrency: opts.concurrency, graceSec: opts.graceSec, retries: opts.retries });
  problems.push(...flagProblems);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, `cannot resume sweep ${opts.resume}`, problems);
  return resumeSweep(opts.resume!, {
    dbPath: opts.db,
    reporter,
    handleSignals: true,
    ...(layer.concurrency !== undefined && { concurrency: layer.concurrency }),
    ...(layer.graceSec !== undefined && { graceSec: layer.graceSec }),
    ...(layer.retries !== undefined && { retries: layer.retries }),
  });
}
