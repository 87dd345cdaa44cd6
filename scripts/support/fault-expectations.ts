// What the fault check expects of its sweep, and the comparison of that with what the store
// holds: one row per planned trial (its final outcome, and the attempts before it), then one
// row per injected fault (its trace in the record). Pure: rows in, rows out.

export const CHECK_TASKS = ['paced', 'harness-bug', 'verifier-set-e', 'reward-forgotten', 'verifier-sabotaged'] as const;
export const CHECK_HARNESSES = ['terse', 'tmux', 'nop'] as const;
export const CHECK_TRIALS = 2;

type Task = (typeof CHECK_TASKS)[number];
type Harness = (typeof CHECK_HARNESSES)[number];

/** The outcome table's verdict for each (task, harness), with the injected harness bug on terse. */
const EXPECTED: Record<Task, Record<Harness, string>> = {
  paced: { terse: 'pass', tmux: 'pass', nop: 'fail' },
  // The harness's own code throws (a real TypeError): its bug, its outcome.
  'harness-bug': { terse: 'harness_error', tmux: 'pass', nop: 'fail' },
  // A set -e verifier exits 1 without a reward when the check fails: the agent's fail.
  'verifier-set-e': { terse: 'pass', tmux: 'pass', nop: 'fail' },
  // The verifier exits 0 without a reward: the task's bug, whoever the agent is.
  'reward-forgotten': { terse: 'reward_missing', tmux: 'reward_missing', nop: 'reward_missing' },
  // The agent made the verifier exit 0 without a reward: reward_missing, never pass or fail.
  'verifier-sabotaged': { terse: 'reward_missing', tmux: 'reward_missing', nop: 'fail' },
};

export interface TrialRecord {
  id: string;
  slot_index: number;
  harness: string;
  task: string;
  trial_index: number;
  attempt: number;
  status: string;
  error_code: string | null;
  error_message: string | null;
  reward: number | null;
  finished_at: string | null;
}

export interface EventRecord {
  kind: string;
  reason: string | null;
}

export interface Injected {
  stall: string | null;
  crash: string | null;
  killed: string | null;
}

export interface CheckRow {
  what: string;
  expected: string;
  recorded: string;
  ok: boolean;
}

const key = (t: { slot_index: number; harness: string }): string => `${t.slot_index}/${t.harness}`;

export function planRows(trials: readonly TrialRecord[], plan: { slotIndex: number; harness: string }[], tasks: Map<number, { task: string; trialIndex: number }>, injected: Injected): CheckRow[] {
  const faultOf = new Map<string, string>();
  for (const [fault, id] of Object.entries(injected)) {
    const t = trials.find((r) => r.id === id);
    if (t) faultOf.set(key(t), fault);
  }
  return plan.map((entry) => {
    const slot = tasks.get(entry.slotIndex)!;
    const attempts = trials.filter((t) => t.slot_index === entry.slotIndex && t.harness === entry.harness).sort((a, b) => a.attempt - b.attempt);
    const final = attempts.at(-1);
    const expected = EXPECTED[slot.task as Task]?.[entry.harness as Harness] ?? '?';
    const fault = faultOf.get(`${entry.slotIndex}/${entry.harness}`);
    const history = attempts.map((a) => a.status).join(' → ');
    return {
      what: `${slot.task}#${slot.trialIndex} ${entry.harness}${fault ? ` [${fault}]` : ''}`,
      expected,
      recorded: history || '(no row)',
      ok: final?.status === expected,
    };
  });
}

/** Each injected fault left the trace the outcome table asks for. */
export function faultRows(trials: readonly TrialRecord[], events: readonly EventRecord[], injected: Injected): CheckRow[] {
  const row = (what: string, expected: string, recorded: string, ok: boolean): CheckRow => ({ what, expected, recorded, ok });
  const byId = (id: string | null): TrialRecord | undefined => trials.find((t) => t.id === id);
  const retried = (t: TrialRecord | undefined): TrialRecord | undefined =>
    t && trials.find((r) => r.slot_index === t.slot_index && r.harness === t.harness && r.attempt > t.attempt);
  const out: CheckRow[] = [];

  const stalled = byId(injected.stall);
  const stallEvent = events.findIndex((e) => e.kind === 'stall' && (e.reason ?? '').includes(injected.stall ?? '\0'));
  out.push(
    row(
      'stall: the stalled trial',
      'serving_failed (PB_SERVING_NO_FIRST_TOKEN or PB_SERVING_STALLED)',
      stalled ? `${stalled.status} (${stalled.error_code})` : '(no row)',
      stalled?.status === 'serving_failed' && ['PB_SERVING_NO_FIRST_TOKEN', 'PB_SERVING_STALLED'].includes(stalled.error_code ?? ''),
    ),
    row('stall: serving events', 'a stall event naming the trial, then a restart', traceAfter(events, stallEvent), stallEvent >= 0 && events.slice(stallEvent).some((e) => e.kind === 'restart')),
    row('stall: the slot retried', 'a later attempt with an agent outcome', retried(stalled)?.status ?? '(none)', retried(stalled) !== undefined),
  );

  const crashed = byId(injected.crash);
  const crashEvent = events.findIndex((e) => e.kind === 'crash');
  out.push(
    row('crash: the trial in flight', 'serving_failed', crashed ? `${crashed.status} (${crashed.error_code})` : '(no row)', crashed?.status === 'serving_failed'),
    row('crash: serving events', 'a crash event, then a restart', traceAfter(events, crashEvent), crashEvent >= 0 && events.slice(crashEvent).some((e) => e.kind === 'restart')),
    row('crash: the slot retried', 'a later attempt with an agent outcome', retried(crashed)?.status ?? '(none)', retried(crashed) !== undefined),
  );

  const killed = byId(injected.killed);
  out.push(
    row('killed runner: its trial in flight', 'interrupted, run again on resume', killed ? `${killed.status} → ${retried(killed)?.status ?? '(not re-run)'}` : '(no row)', killed?.status === 'interrupted' && retried(killed) !== undefined),
  );
  return out;
}

function traceAfter(events: readonly EventRecord[], from: number): string {
  return from < 0 ? '(none)' : events.slice(from, from + 3).map((e) => e.kind).join(', ');
}

/** Rows as a fixed-width table, with a mark per row. */
export function renderTable(title: string, rows: readonly CheckRow[]): string {
  const header = ['', 'what', 'expected', 'recorded'];
  const cells = rows.map((r) => [r.ok ? 'ok' : 'MISMATCH', r.what, r.expected, r.recorded]);
  const width = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd();
  return [title, line(header), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
