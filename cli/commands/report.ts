// `pairbench report` and `compare`: the flags and help. The work (SQLite, the report model)
// is in report-run.ts and loads only when one of them runs, never for help.

import type { Command } from 'commander';
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from '../../reports/defaults.js';

export const FORMATS = ['markdown', 'json', 'csv', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export interface ReportFlags {
  db?: string;
  baseline?: string;
  format?: string;
  json?: boolean;
  out?: string;
  seed?: string;
  resamples?: string;
}

const work = () => import('./report-run.js');

function commonOptions(cmd: Command): Command {
  return cmd
    .option('--db <path>', 'the SQLite file a sweep wrote')
    .option('--baseline <harness>', 'harness the ratios divide by (default: the first harness the sweep named)')
    .option('--format <format>', `output form: ${FORMATS.join(' | ')}`)
    .option('--json', 'same as --format json')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--seed <n>', `bootstrap seed (default ${DEFAULT_SEED})`)
    .option('--resamples <n>', `bootstrap resamples (default ${DEFAULT_RESAMPLES})`);
}

export function registerReport(program: Command): void {
  commonOptions(
    program
      .command('report')
      .description('Ratio tables from a sweep in SQLite: clean-trial walls, pass rates, passes per wall-second, turn telemetry and an honest read.'),
  )
    .option('--sweep <id>', 'the sweep to report (default: the latest)')
    .action(async (opts: ReportFlags & { sweep?: string }) => {
      const { emit, runReport } = await work();
      emit(await runReport(opts), opts.out);
    });

  commonOptions(
    program
      .command('compare')
      .description('Two sweeps side by side: the same tables, with each change (b ÷ a) and its bootstrap interval.')
      .argument('<sweep-a>', 'the sweep to compare from')
      .argument('<sweep-b>', 'the sweep to compare to'),
  ).action(async (a: string, b: string, opts: ReportFlags) => {
    const { emit, runCompare } = await work();
    emit(await runCompare(a, b, opts), opts.out);
  });
}
