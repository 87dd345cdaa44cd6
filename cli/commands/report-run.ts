// What `pairbench report` and `compare` do once their flags are parsed: open the store, read
// the sweeps, build and render. Loaded only when one of them runs (cli/commands/report.ts).

import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ERROR_CODES, PairbenchError, ValidationError } from '../../core/errors.js';
import { isAgentOutcome } from '../../core/outcomes.js';
import { openStore, type Db } from '../../store/db.js';
import { loadSweepsData, loadTrialCsvRows, resolveSweepId } from '../../reports/queries.js';
import { buildPreparedReport, planReport, type ReportPlan } from '../../reports/model.js';
import { startResampling, type Resampling } from '../../reports/resampling.js';
import { DEFAULT_RESAMPLES, DEFAULT_SEED } from '../../reports/defaults.js';
import type { ComparisonPlan } from '../../reports/compare.js';
import { renderCompareMarkdown, renderMarkdown } from '../../reports/markdown.js';
import type { CsvContext } from '../../reports/csv.js';
import { FORMATS, type Format, type ReportFlags } from './report.js';

interface Settings {
  dbPath: string;
  format: Format;
  seed: number;
  resamples: number;
  baseline: string | undefined;
  out: string | undefined;
}

/** Every flag problem at once, as the house validates. */
function settingsFrom(flags: ReportFlags): Settings {
  const problems: string[] = [];
  if (!flags.db) problems.push('--db <path>: required (the SQLite file a sweep wrote)');
  const format = flags.json ? 'json' : (flags.format ?? 'markdown');
  if (!(FORMATS as readonly string[]).includes(format)) problems.push(`--format ${format}: use one of ${FORMATS.join(', ')}`);
  if (flags.json && flags.format !== undefined && flags.format !== 'json') problems.push(`--json and --format ${flags.format} disagree: pass one of them`);
  const seed = flags.seed === undefined ? DEFAULT_SEED : Number(flags.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) problems.push(`--seed ${flags.seed}: a whole number from 0 to 4294967295`);
  const resamples = flags.resamples === undefined ? DEFAULT_RESAMPLES : Number(flags.resamples);
  if (!Number.isInteger(resamples) || resamples < 100 || resamples > 100_000) problems.push(`--resamples ${flags.resamples}: a whole number from 100 to 100000`);
  if (problems.length > 0) throw new ValidationError(ERROR_CODES.CONFIG_INVALID, 'pairbench report cannot run', problems);
  return { dbPath: flags.db!, format: format as Format, seed, resamples, baseline: flags.baseline, out: flags.out };
}

/** Opens the store read-only, turning a missing or empty file into a message with the fix. */
function openReportStore(path: string): Db {
  if (!existsSync(path)) {
    throw new PairbenchError(
      ERROR_CODES.CONFIG_INVALID,
      `no database at ${path}. Run a sweep first ('pairbench run --db ${path} ...'), or point --db at the file a sweep wrote.`,
    );
  }
  const stat = statSync(path);
  if (stat.isDirectory()) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `${path} is a directory: point --db at the SQLite file a sweep wrote.`);
  }
  if (stat.size === 0) {
    throw new PairbenchError(
      ERROR_CODES.CONFIG_INVALID,
      `${path} is empty: no sweep has written to it. Run 'pairbench run --db ${path} ...' first, or point --db at the file a sweep wrote.`,
    );
  }
  return openStore(path, { readonly: true });
}

export function emit(text: string, out: string | undefined): void {
  if (out === undefined) {
    process.stdout.write(text);
    return;
  }
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stderr.write(`wrote ${target}\n`);
}

function csvContext(db: Db): CsvContext {
  const kinds = new Map(
    (db.prepare('SELECT id, serving_kind, simulated FROM sweeps').all() as { id: string; serving_kind: string | null; simulated: number }[]).map((s) => [
      s.id,
      s.simulated === 1 ? 'simulated' : s.serving_kind,
    ]),
  );
  return {
    servingKind: (id) => kinds.get(id) ?? null,
    outcomeKind: (status) => (isAgentOutcome(status) ? 'agent' : status === 'running' || status === 'interrupted' ? 'pending' : 'substrate'),
  };
}

/** The whole `report` command, callable without commander (the benchmark and tests use it). */
export async function runReport(flags: ReportFlags & { sweep?: string }): Promise<string> {
  const s = settingsFrom(flags);
  const db = openReportStore(s.dbPath);
  try {
    const sweepId = resolveSweepId(db, s.dbPath, flags.sweep);
    // Each other format's renderer loads only when asked for: a report is markdown by default.
    if (s.format === 'csv') return (await import('../../reports/csv.js')).renderCsv(loadTrialCsvRows(db, sweepId), csvContext(db));
    const options = { baseline: s.baseline, seed: s.seed, resamples: s.resamples, charts: s.format === 'html' };
    // The bootstrap needs only the trials: it runs on a second thread while the turns are read.
    let plan: ReportPlan | undefined;
    let resampling: Resampling | undefined;
    const [data] = loadSweepsData(db, [sweepId], 'all', ([trials]) => {
      plan = planReport(trials!, options);
      resampling = startResampling([plan.resample]);
    });
    const { report } = buildPreparedReport(data!, options, plan, (await resampling?.join())?.[0]);
    if (s.format === 'json') return (await import('../../reports/json.js')).renderJson(report);
    if (s.format === 'html') return (await import('../../reports/html.js')).renderHtml(report);
    return renderMarkdown(report);
  } finally {
    db.close();
  }
}

export async function runCompare(sweepA: string, sweepB: string, flags: ReportFlags): Promise<string> {
  const s = settingsFrom(flags);
  const db = openReportStore(s.dbPath);
  try {
    const a = resolveSweepId(db, s.dbPath, sweepA);
    const b = resolveSweepId(db, s.dbPath, sweepB);
    if (s.format === 'csv') return (await import('../../reports/csv.js')).renderCsv([...loadTrialCsvRows(db, a), ...loadTrialCsvRows(db, b)], csvContext(db));
    const { buildComparison, comparisonResamples, planComparison } = await import('../../reports/compare.js');
    // The JSON carries both sweeps' reports whole; markdown and HTML print only part of them.
    const printedOnly = s.format !== 'json';
    const options = { baseline: s.baseline, seed: s.seed, resamples: s.resamples, printedOnly };
    // The bootstraps need only the trials: they run on a second thread while the turns are read.
    let plan: ComparisonPlan | undefined;
    let resampling: Resampling | undefined;
    const [dataA, dataB] = loadSweepsData(db, [a, b], printedOnly ? 'no-wall-parts' : 'all', ([trialsA, trialsB]) => {
      plan = planComparison(trialsA!, trialsB!, options);
      resampling = startResampling(comparisonResamples(plan));
    });
    const comparison = buildComparison(dataA!, dataB!, options, plan, await resampling?.join());
    if (s.format === 'json') return (await import('../../reports/json.js')).renderJson(comparison);
    if (s.format === 'html') return (await import('../../reports/html.js')).renderCompareHtml(comparison);
    return renderCompareMarkdown(comparison);
  } finally {
    db.close();
  }
}

