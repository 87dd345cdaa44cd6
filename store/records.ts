// Row shapes and the statements that read and write them. During a sweep the recorder
// (recorder.ts) on the executor's main thread is the only writer.

import type { Db } from './db.js';
import type { TurnRecord } from '../core/turn.js';
import type { TrialStatus } from '../core/outcomes.js';
import type { TrialResult } from '../core/trial.js';

export interface SweepRow {
  id: string;
  created_at: string;
  finished_at: string | null;
  status: 'running' | 'completed' | 'interrupted' | 'failed';
  config_json: string;
  plan_json: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  host: string | null;
  engine_version: string | null;
  serving_kind: string | null;
  simulated: number;
  serving_provenance_json: string | null;
  pairbench_version: string | null;
  /** Whether installed agents' containers were kept from the host's services (null: no installed agent). */
  agent_isolation_json?: string | null;
  /** Why the sweep stopped short of its trials when the cause was the sweep's own (null: it did not). */
  error_code?: string | null;
  error_message?: string | null;
}

export interface TrialStart {
  id: string;
  sweep_id: string;
  slot_index: number | null;
  group_index: number | null;
  harness: string;
  harness_base: string | null;
  harness_config_json: string | null;
  task: string;
  trial_index: number;
  attempt: number;
  simulated: boolean;
  container_name: string | null;
  trial_dir: string | null;
  started_at: string;
  /** The engine the trial runs on, as its ref (docker, podman, an address). */
  engine?: string | null;
}

/** A trials row as SQLite holds it: the start, then the trial's result column for column. */
export interface TrialRow extends Omit<TrialStart, 'simulated'> {
  simulated: number;
  status: TrialStatus;
  reward: number | null;
  rewards_json: string | null;
  wall_ms: number | null;
  setup_ms: number | null;
  agent_ms: number | null;
  verify_ms: number | null;
  teardown_ms: number | null;
  turns: number | null;
  error_code: string | null;
  error_message: string | null;
  image: string | null;
  finished_at: string | null;
}

export interface ServingEvent {
  sweep_id: string;
  kind: 'start' | 'ready' | 'restart' | 'canary' | 'stop' | 'crash' | 'stall' | 'halt';
  reason: string | null;
  at: string;
  duration_ms: number | null;
  trials_done: number | null;
  detail: unknown;
}

const b = (v: boolean | null): number | null => (v === null ? null : v ? 1 : 0);

type Statement = ReturnType<Db['prepare']>;
const statements = new WeakMap<Db, Map<string, Statement>>();

/** Each SQL text is compiled once per connection: insertTurn runs once per agent turn. */
function statement(db: Db, sql: string): Statement {
  let bySql = statements.get(db);
  if (!bySql) statements.set(db, (bySql = new Map()));
  let s = bySql.get(sql);
  if (!s) bySql.set(sql, (s = db.prepare(sql)));
  return s;
}

export function insertSweep(db: Db, row: SweepRow): void {
  statement(
    db,
    `INSERT INTO sweeps (id, created_at, finished_at, status, config_json, plan_json, git_commit, git_dirty, host,
       engine_version, serving_kind, simulated, serving_provenance_json, pairbench_version)
     VALUES (@id, @created_at, @finished_at, @status, @config_json, @plan_json, @git_commit, @git_dirty, @host,
       @engine_version, @serving_kind, @simulated, @serving_provenance_json, @pairbench_version)`,
  ).run(row);
}

export function updateSweep(db: Db, id: string, fields: Partial<Omit<SweepRow, 'id'>>): void {
  const keys = Object.keys(fields);
  if (keys.length === 0) return;
  statement(db, `UPDATE sweeps SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...fields, id });
}

export function getSweep(db: Db, id: string): SweepRow | undefined {
  return statement(db, 'SELECT * FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
}

/** Written when a trial starts, so a crash leaves a 'running' row as evidence. */
export function insertTrialStart(db: Db, t: TrialStart): void {
  statement(
    db,
    `INSERT INTO trials (id, sweep_id, slot_index, group_index, harness, harness_base, harness_config_json, task,
       trial_index, attempt, status, simulated, container_name, trial_dir, started_at, engine)
     VALUES (@id, @sweep_id, @slot_index, @group_index, @harness, @harness_base, @harness_config_json, @task,
       @trial_index, @attempt, 'running', @simulated, @container_name, @trial_dir, @started_at, @engine)`,
  ).run({ ...t, simulated: t.simulated ? 1 : 0, engine: t.engine ?? null });
}

/** Completes a trial's row with its result: the one place TrialResult becomes columns. */
export function finishTrial(db: Db, id: string, r: TrialResult, finishedAt: string): void {
  statement(
    db,
    `UPDATE trials SET status = @status, reward = @reward, rewards_json = @rewards_json, wall_ms = @wall_ms,
       setup_ms = @setup_ms, agent_ms = @agent_ms, verify_ms = @verify_ms, teardown_ms = @teardown_ms,
       turns = @turns, error_code = @error_code, error_message = @error_message, image = @image,
       finished_at = @finished_at
     WHERE id = @id`,
  ).run({
    id,
    status: r.status,
    reward: r.reward,
    rewards_json: r.rewards === null ? null : JSON.stringify(r.rewards),
    wall_ms: r.wallMs,
    setup_ms: r.setupMs,
    agent_ms: r.agentMs,
    verify_ms: r.verifyMs,
    teardown_ms: r.teardownMs,
    turns: r.turns,
    error_code: r.errorCode,
    error_message: r.errorMessage,
    image: r.image,
    finished_at: finishedAt,
  });
}

export function insertTurn(db: Db, trialId: string, t: TurnRecord): void {
  statement(
    db,
    `INSERT OR REPLACE INTO turns (trial_id, turn_index, ttft_ms, model_ms, prompt_tokens, cached_tokens,
       completion_tokens, reasoning_tokens, reasoning_chars, decode_tps, draft_n, draft_accepted, speculative_applied,
       http_status, finish_reason, exec_ms, wait_ms, exit_code, parse_ok, command, error_code, tool_calls, tool_names)
     VALUES (@trial_id, @turn_index, @ttft_ms, @model_ms, @prompt_tokens, @cached_tokens, @completion_tokens,
       @reasoning_tokens, @reasoning_chars, @decode_tps, @draft_n, @draft_accepted, @speculative_applied,
       @http_status, @finish_reason, @exec_ms, @wait_ms, @exit_code, @parse_ok, @command, @error_code, @tool_calls, @tool_names)`,
  ).run({
    ...t,
    trial_id: trialId,
    speculative_applied: b(t.speculative_applied),
    parse_ok: b(t.parse_ok),
    tool_calls: t.tool_calls ?? null,
    tool_names: t.tool_names ?? null,
  });
}

export function insertServingEvent(db: Db, e: ServingEvent): void {
  statement(
    db,
    `INSERT INTO serving_events (sweep_id, kind, reason, at, duration_ms, trials_done, detail_json)
     VALUES (@sweep_id, @kind, @reason, @at, @duration_ms, @trials_done, @detail_json)`,
  ).run({ ...e, detail_json: e.detail === undefined || e.detail === null ? null : JSON.stringify(e.detail) });
}

/** Every attempt a sweep has stored: what a resumed sweep has already done. */
export function attemptRows(db: Db, sweepId: string): { slot_index: number | null; harness: string; attempt: number; status: string }[] {
  return statement(db, 'SELECT slot_index, harness, attempt, status FROM trials WHERE sweep_id = ?').all(sweepId) as {
    slot_index: number | null;
    harness: string;
    attempt: number;
    status: string;
  }[];
}

/** A row left 'running' by a killed runner is no outcome: it becomes 'interrupted' and re-runs. */
export function markLeftoversInterrupted(db: Db, sweepId: string, at: string): number {
  return statement(
    db,
    `UPDATE trials SET status = 'interrupted', finished_at = @at,
       error_message = COALESCE(error_message, 'the runner stopped before this trial finished')
     WHERE sweep_id = @sweepId AND status = 'running'`,
  ).run({ sweepId, at }).changes;
}

export function sweepIds(db: Db): string[] {
  return (db.prepare('SELECT id FROM sweeps ORDER BY created_at').all() as { id: string }[]).map((r) => r.id);
}

/** Serving restarts already recorded for the sweep (by earlier runs of it). */
export function restartsStored(db: Db, sweepId: string): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM serving_events WHERE sweep_id = ? AND kind = 'restart'").get(sweepId) as { n: number }).n;
}

/** The details of a sweep's start and restart events, oldest first: where its owned servers are recorded. */
export function serverStartDetails(db: Db, sweepId: string): { kind: string; detail: unknown }[] {
  const rows = db
    .prepare("SELECT kind, detail_json FROM serving_events WHERE sweep_id = ? AND kind IN ('start', 'restart') AND detail_json IS NOT NULL ORDER BY id")
    .all(sweepId) as { kind: string; detail_json: string }[];
  return rows.flatMap((r) => {
    try {
      return [{ kind: r.kind, detail: JSON.parse(r.detail_json) as unknown }];
    } catch {
      return [];
    }
  });
}
