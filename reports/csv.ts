// Trials -> CSV: one row per trial (running and interrupted rows included, with their status,
// so the file is the whole sweep), its stored columns plus turn aggregates. Every row carries
// the serving kind, so simulated figures stay marked wherever the rows travel.

import type { TrialCsvRow } from './queries.js';

export const CSV_COLUMNS = [
  'sweep_id', 'id', 'harness', 'harness_base', 'task', 'trial_index', 'attempt', 'slot_index', 'group_index', 'status',
  'outcome_kind', 'reward', 'wall_ms', 'setup_ms', 'agent_ms', 'verify_ms', 'teardown_ms', 'turns', 'error_code',
  'serving', 'started_at', 'finished_at', 'turns_recorded', 'ttft_ms_mean', 'ttft_ms_max', 'model_ms_sum',
  'exec_ms_sum', 'wait_ms_sum', 'prompt_tokens_sum', 'prompt_tokens_max', 'cached_tokens_sum', 'cache_share',
  'completion_tokens_sum', 'decode_tps_mean',
] as const;

type Column = (typeof CSV_COLUMNS)[number];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface CsvContext {
  /** The sweep's serving kind; trials flagged simulated say 'simulated' whatever it is. */
  servingKind: (sweepId: string) => string | null;
  outcomeKind: (status: string) => 'agent' | 'substrate' | 'pending';
}

export function renderCsv(rows: TrialCsvRow[], ctx: CsvContext): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const values: Record<Column, unknown> = {
      ...r,
      outcome_kind: ctx.outcomeKind(r.status),
      serving: r.simulated === 1 ? 'simulated' : ctx.servingKind(r.sweep_id),
      cache_share: r.prompt_tokens_sum && r.cached_tokens_sum !== null ? r.cached_tokens_sum / r.prompt_tokens_sum : null,
    };
    lines.push(CSV_COLUMNS.map((c) => cell(values[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
}
