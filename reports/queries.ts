// SQL -> typed data for the report. Trials (trial-columns.ts) and turns (turn-columns.ts, up to
// millions of rows) are streamed through a SQL function straight into typed arrays, which
// costs a fraction of materialising a row object per trial or turn.

import { mapPages, type Db } from '../store/db.js';
import type { TrialRow } from '../store/records.js';
import { ERROR_CODES, PairbenchError } from '../core/errors.js';
import type { LeversReached } from '../core/harness.js';
import { readTurnColumns, scansTurns, type TurnColumns, type TurnRead, type TurnWallSums } from './turn-columns.js';
import { countTrials, readTrialColumns, type TrialColumns, type TrialData } from './trial-columns.js';
import { readFigureSettings, type FigureSettings } from './sweep-settings.js';
import { askedLevers, variantLevers, type VariantLevers } from './levers.js';

export interface SweepInfo {
  id: string;
  createdAt: string;
  finishedAt: string | null;
  status: string;
  servingKind: string | null;
  simulated: boolean;
  gitCommit: string | null;
  gitDirty: boolean | null;
  host: string | null;
  engineVersion: string | null;
  pairbenchVersion: string | null;
  /** True when the sweep ran with `--network none`: every container offline, whatever its task allows. */
  forcedOffline: boolean;
  /** The settings the figures depend on: model, dialect, server flags, concurrency, time scale, restarts. */
  settings: FigureSettings;
  /** Harness order as the sweep named them (plan, else config); empty when neither says. */
  plannedHarnesses: string[];
  plannedTasks: string[];
  /** Whether installed agents' containers were kept from the host's services; null: no installed agent (or an older store). */
  agentIsolation: { enforced: boolean; detail: string } | null;
}

export type { TrialColumns, TrialData, TurnColumns, TurnWallSums };


export interface ServingEventData {
  kind: string;
  reason: string | null;
  at: string;
  durationMs: number | null;
  trialsDone: number | null;
}

export interface SweepData {
  sweep: SweepInfo;
  trials: TrialColumns;
  turns: TurnColumns;
  /** Per trial, its turns' model, exec and wait times summed; null when read without them. */
  wallSums: TurnWallSums | null;
  servingEvents: ServingEventData[];
  /** Per installed-agent variant, which of its levers the proxy put in the server's requests. */
  agentLevers: AgentLeversData[];
  /** Per variant, the levers it asked for and what its stored turns show the server did. */
  variantLevers?: VariantLevers[];
}

export interface AgentLeversData {
  harness: string;
  reached: LeversReached;
}

interface SweepSqlRow {
  id: string;
  created_at: string;
  finished_at: string | null;
  status: string;
  serving_kind: string | null;
  simulated: number;
  git_commit: string | null;
  git_dirty: number | null;
  host: string | null;
  engine_version: string | null;
  pairbench_version: string | null;
  network: string | null;
  config_json: string | null;
  serving_provenance_json: string | null;
  agent_isolation_json: string | null;
  plan_harnesses: string | null;
  config_harnesses: string | null;
  plan_tasks: string | null;
  config_tasks: string | null;
}

/** The sweep named, or the latest one; a clear error when there is none. */
export function resolveSweepId(db: Db, dbPath: string, sweepId: string | undefined): string {
  if (sweepId !== undefined) {
    const hit = db.prepare('SELECT id FROM sweeps WHERE id = ?').get(sweepId) as { id: string } | undefined;
    if (hit) return hit.id;
    const known = (db.prepare('SELECT id FROM sweeps ORDER BY created_at DESC, rowid DESC LIMIT 10').all() as { id: string }[]).map((r) => r.id);
    throw new PairbenchError(
      ERROR_CODES.SWEEP_NOT_FOUND,
      known.length === 0
        ? `no sweep '${sweepId}' in ${dbPath}: the database holds no sweeps yet. Run 'pairbench run --db ${dbPath} ...' first.`
        : `no sweep '${sweepId}' in ${dbPath}. Sweeps there (latest first): ${known.join(', ')}. Pass one of them to --sweep, or leave --sweep out for the latest.`,
    );
  }
  const latest = db.prepare('SELECT id FROM sweeps ORDER BY created_at DESC, rowid DESC LIMIT 1').get() as { id: string } | undefined;
  if (!latest) {
    throw new PairbenchError(
      ERROR_CODES.SWEEP_NOT_FOUND,
      `${dbPath} holds no sweeps yet: there is nothing to report. Run 'pairbench run --db ${dbPath} ...' first, or point --db at the database a sweep wrote.`,
    );
  }
  return latest.id;
}

const jsonList = (column: string, path: string): string =>
  `CASE WHEN json_valid(${column}) THEN json_extract(${column}, '${path}') END`;

function loadSweepInfo(db: Db, sweepId: string): SweepInfo {
  // json_extract keeps a large plan_json (one entry per slot) out of JavaScript.
  const row = db
    .prepare(
      `SELECT id, created_at, finished_at, status, serving_kind, simulated, git_commit, git_dirty, host, engine_version,
         pairbench_version, ${jsonList('config_json', '$.settings.network')} AS network, config_json, serving_provenance_json, agent_isolation_json,
         ${jsonList('plan_json', '$.harnesses')} AS plan_harnesses, ${jsonList('config_json', '$.harnesses')} AS config_harnesses,
         ${jsonList('plan_json', '$.tasks')} AS plan_tasks, ${jsonList('config_json', '$.tasks')} AS config_tasks
       FROM sweeps WHERE id = ?`,
    )
    .get(sweepId) as SweepSqlRow;
  return {
    id: row.id,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    status: row.status,
    servingKind: row.serving_kind,
    simulated: row.simulated === 1,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    host: row.host,
    engineVersion: row.engine_version,
    pairbenchVersion: row.pairbench_version,
    forcedOffline: row.network === 'none',
    settings: readFigureSettings(row.config_json, row.serving_provenance_json, row.simulated === 1),
    plannedHarnesses: nameList(row.plan_harnesses) ?? nameList(row.config_harnesses) ?? [],
    plannedTasks: nameList(row.plan_tasks) ?? nameList(row.config_tasks) ?? [],
    agentIsolation: isolationOf(row.agent_isolation_json),
  };
}

function isolationOf(json: string | null): SweepInfo['agentIsolation'] {
  if (json === null) return null;
  try {
    const v = JSON.parse(json) as { enforced?: unknown; detail?: unknown };
    return { enforced: v.enforced === true, detail: typeof v.detail === 'string' ? v.detail : '' };
  } catch {
    return null;
  }
}

/** A JSON list of names, or of objects with a `name`; null when it is neither. */
function nameList(json: string | null): string[] | null {
  if (json === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const names = value
    .map((v: unknown) => (typeof v === 'string' ? v : typeof v === 'object' && v !== null && typeof (v as { name?: unknown }).name === 'string' ? (v as { name: string }).name : null))
    .filter((v): v is string => v !== null);
  return names.length > 0 ? names : null;
}

export function loadSweepData(db: Db, sweepId: string): SweepData {
  return loadSweepsData(db, [sweepId])[0]!;
}

/**
 * Several sweeps at once: their turns are read in one pass (compare reads two). `read` leaves
 * out the turn columns a caller will not draw (reports/turn-columns.ts). `beforeTurns` is
 * handed each sweep (in the order asked) once its trials are read and before its turns are:
 * work that needs only the trials can start there and run while the turns are read.
 */
export function loadSweepsData(
  db: Db,
  sweepIds: string[],
  read: TurnRead = 'all',
  beforeTurns?: (sweeps: Pick<SweepData, 'sweep' | 'trials'>[]) => void,
): SweepData[] {
  // One read transaction: a sweep still being written is read as one moment of it (WAL keeps
  // the reader's snapshot), so no turn, trial or count comes from a later moment than the rest.
  return db.transaction(() => loadInOneSnapshot(db, sweepIds, read, beforeTurns))();
}

function loadInOneSnapshot(
  db: Db,
  sweepIds: string[],
  read: TurnRead,
  beforeTurns: ((sweeps: Pick<SweepData, 'sweep' | 'trials'>[]) => void) | undefined,
): SweepData[] {
  const unique = [...new Set(sweepIds)];
  const counts = unique.map((id) => countTrials(db, id));
  // Pages are mapped only when the turns are found through the index, all over the file: the
  // trials are mapped with them then, so the turns' reads find their pages already there.
  if (db.readonly) mapPages(db, !scansTurns(db, counts.reduce((a, b) => a + b, 0)));
  const loaded = unique.map((id, i) => ({ sweep: loadSweepInfo(db, id), ...readTrialColumns(db, id, counts[i]) }));
  beforeTurns?.(sweepIds.map((id) => loaded[unique.indexOf(id)]!));
  // What each variant asked for is known before the turns are read, so the one scan also
  // tallies what the answers show of it.
  const asked = loaded.map((l) => askedLevers(db, l.trials, l.ids));
  const { turns, evidence, wall } = readTurnColumns(db, unique, loaded.map((l) => l.ids), asked.map((a) => a.size > 0), read);
  const data = loaded.map(
    (l, i): SweepData => ({
      sweep: l.sweep,
      trials: l.trials,
      turns: turns[i]!,
      wallSums: wall[i]!,
      servingEvents: loadServingEvents(db, l.sweep.id),
      // Only installed agents record levers reached: without one (read with the trials) there is no query to make.
      agentLevers: l.trials.installedAgent.includes(1) ? loadAgentLevers(db, l.sweep.id) : [],
      variantLevers: variantLevers(asked[i]!, l.trials, evidence[i]!),
    }),
  );
  return sweepIds.map((id) => data[unique.indexOf(id)]!);
}

function loadAgentLevers(db: Db, sweepId: string): AgentLeversData[] {
  const rows = db
    .prepare("SELECT harness, harness_config_json AS config FROM trials WHERE sweep_id = ? AND harness_base = 'agent' GROUP BY harness ORDER BY harness")
    .all(sweepId) as { harness: string; config: string | null }[];
  return rows.flatMap((r) => {
    const reached = (JSON.parse(r.config ?? '{}') as { leversReached?: LeversReached }).leversReached;
    return reached ? [{ harness: r.harness, reached }] : [];
  });
}

function loadServingEvents(db: Db, sweepId: string): ServingEventData[] {
  return (
    db.prepare('SELECT kind, reason, at, duration_ms, trials_done FROM serving_events WHERE sweep_id = ? ORDER BY at, id').all(sweepId) as {
      kind: string;
      reason: string | null;
      at: string;
      duration_ms: number | null;
      trials_done: number | null;
    }[]
  ).map((e) => ({ kind: e.kind, reason: e.reason, at: e.at, durationMs: e.duration_ms, trialsDone: e.trials_done }));
}

/** One row per trial for CSV: the trial's columns plus its turn aggregates (computed in SQL). */
export interface TrialCsvRow
  extends Pick<
    TrialRow,
    | 'id' | 'sweep_id' | 'harness' | 'harness_base' | 'task' | 'trial_index' | 'attempt' | 'slot_index'
    | 'group_index' | 'reward' | 'wall_ms' | 'setup_ms' | 'agent_ms' | 'verify_ms' | 'teardown_ms' | 'turns'
    | 'error_code' | 'simulated' | 'started_at' | 'finished_at'
  > {
  status: string; // as stored: an outcome, or running / interrupted
  turns_recorded: number;
  ttft_ms_mean: number | null;
  ttft_ms_max: number | null;
  model_ms_sum: number | null;
  exec_ms_sum: number | null;
  wait_ms_sum: number | null;
  prompt_tokens_sum: number | null;
  prompt_tokens_max: number | null;
  cached_tokens_sum: number | null;
  completion_tokens_sum: number | null;
  decode_tps_mean: number | null;
}

export function loadTrialCsvRows(db: Db, sweepId: string): TrialCsvRow[] {
  return db
    .prepare(
      `SELECT t.id, t.sweep_id, t.harness, t.harness_base, t.task, t.trial_index, t.attempt, t.slot_index, t.group_index,
         t.status, t.reward, t.wall_ms, t.setup_ms, t.agent_ms, t.verify_ms, t.teardown_ms, t.turns, t.error_code,
         t.simulated, t.started_at, t.finished_at,
         count(u.turn_index) AS turns_recorded, avg(u.ttft_ms) AS ttft_ms_mean, max(u.ttft_ms) AS ttft_ms_max,
         sum(u.model_ms) AS model_ms_sum, sum(u.exec_ms) AS exec_ms_sum, sum(u.wait_ms) AS wait_ms_sum,
         sum(u.prompt_tokens) AS prompt_tokens_sum, max(u.prompt_tokens) AS prompt_tokens_max,
         sum(u.cached_tokens) AS cached_tokens_sum, sum(u.completion_tokens) AS completion_tokens_sum,
         avg(u.decode_tps) AS decode_tps_mean
       FROM trials t LEFT JOIN turns u ON u.trial_id = t.id
       WHERE t.sweep_id = ?
       GROUP BY t.id
       ORDER BY t.task, t.harness, t.trial_index, t.attempt, t.id`,
    )
    .all(sweepId) as TrialCsvRow[];
}
