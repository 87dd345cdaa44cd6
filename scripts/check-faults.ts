// The fault check, benchmark-free: one 30-trial sweep (fixtures/tasks-record: five tasks x
// terse, tmux and nop x 2 trials) through the real CLI, the real engine and a real SQLite
// file, against a server started from a serving file's `command` (pairbench's simulated
// llama-server, run as a user's server would be). Into it go one fault of each kind: the
// server stalls (SIGSTOP) mid-trial, the server crashes (SIGKILL) mid-trial, a harness's own
// code throws, verifiers exit without a reward (set -e, a forgetful test.sh, one an agent
// sabotaged), and the runner is SIGKILLed mid-trial, then resumed. Prints the expected and
// the recorded outcome of every trial and the trace of every fault; exits 1 on any mismatch.
//
// Run: npm run check:faults

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { execa, type ResultPromise } from 'execa';
import { connectEngine } from '../engines/registry.js';
import { sweepIdOf } from './support/sweep-id.js';
import { freeLoopbackPort } from '../serving/control/controller.js';
import { identitiesIn, stillRunning, type OwnedServerIdentity } from '../serving/control/reap.js';
import { HARNESS_THROW_ENV } from '../harnesses/agent/test-faults.js';
import type { SweepPlan } from '../runner/plan/plan.js';
import {
  CHECK_HARNESSES, CHECK_TASKS, CHECK_TRIALS, faultRows, planRows, renderTable, type EventRecord, type Injected, type TrialRecord,
} from './support/fault-expectations.js';

// dist/scripts/check-faults.js -> the checkout root
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/pairbench.js');
const tasksDir = path.join(root, 'fixtures/tasks-record');
const dir = mkdtempSync(path.join(tmpdir(), 'pb-check-faults-'));
const db = path.join(dir, 'check.db');
const env = { ...process.env, [HARNESS_THROW_ENV]: 'terse' };
const t0 = performance.now();
const say = (line: string): void => void process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

function query<T>(sql: string, ...params: unknown[]): T[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(sql).all(...params) as T[];
  } finally {
    conn.close();
  }
}

const trialsOf = (id: string): TrialRecord[] =>
  query('SELECT id, slot_index, harness, task, trial_index, attempt, status, error_code, error_message, reward, finished_at FROM trials WHERE sweep_id = ? ORDER BY rowid', id);
const eventsOf = (id: string): (EventRecord & { detail_json: string | null })[] =>
  query('SELECT kind, reason, detail_json FROM serving_events WHERE sweep_id = ? ORDER BY id', id);
const serversOf = (id: string): OwnedServerIdentity[] =>
  eventsOf(id).flatMap((e) => identitiesIn(e.kind, e.detail_json === null ? null : JSON.parse(e.detail_json)));

/** The newest server the sweep started (its start, or its latest restart). */
function currentServer(id: string): OwnedServerIdentity {
  const s = serversOf(id).at(-1);
  if (!s) throw new Error('no server recorded yet');
  return s;
}

/**
 * A `paced` terse trial, attempt 1, in a slot not yet hit, that has run its first command: it
 * has model calls still to make (terse runs each command on the host before its next call).
 * Polls the store; no timing is assumed.
 */
async function pacedTrialMidway(id: string, taken: Set<string>): Promise<string> {
  return pollTrial(
    id,
    taken,
    `SELECT t.id, t.slot_index, t.harness FROM trials t JOIN turns u ON u.trial_id = t.id
     WHERE t.sweep_id = ? AND t.task = 'paced' AND t.harness = 'terse' AND t.status = 'running' AND t.attempt = 1 AND u.command LIKE '%echo start%'`,
  );
}

/** Any trial running its first attempt, in a slot not yet hit: where the runner is killed. */
function anyTrialRunning(id: string, taken: Set<string>): Promise<string> {
  return pollTrial(id, taken, `SELECT t.id, t.slot_index, t.harness FROM trials t WHERE t.sweep_id = ? AND t.status = 'running' AND t.attempt = 1`);
}

async function pollTrial(id: string, taken: Set<string>, sql: string): Promise<string> {
  for (;;) {
    try {
      const hit = query<{ id: string; slot_index: number; harness: string }>(sql, id).find((t) => !taken.has(`${t.slot_index}/${t.harness}`));
      if (hit) {
        taken.add(`${hit.slot_index}/${hit.harness}`);
        return hit.id;
      }
    } catch {
      // the store is not written yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function waitFor(what: string, ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 100));
  say(what);
}

async function main(): Promise<number> {
  const port = await freeLoopbackPort();
  const serving = path.join(dir, 'serving.toml');
  const command = [process.execPath, bin, 'serve', '--simulated', '--port', String(port), '--time-scale', '0', '--tasks-dir', tasksDir];
  writeFileSync(
    serving,
    `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "pairbench-simulated"\ndialect = "llama-server"\n` +
      `[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n`,
  );
  const args = [
    'run', '--db', db, '--runs-dir', path.join(dir, 'runs'), '--tasks-dir', tasksDir, '--serving', serving,
    '--harness', ...CHECK_HARNESSES, '--task', ...CHECK_TASKS, '--trials', String(CHECK_TRIALS), '--retries', '1', '--json',
  ];
  const runner = execa('node', [bin, ...args], { cwd: root, env, reject: false, all: true, detached: true });
  const id = await sweepIdOf(runner);
  say(`sweep ${id} started: ${CHECK_TASKS.length} tasks x ${CHECK_HARNESSES.length} harnesses x ${CHECK_TRIALS} trials`);
  const taken = new Set<string>();
  const injected: Injected = { stall: null, crash: null, killed: null };
  const stopped: number[] = [];
  try {
    // 1. The server stalls mid-trial: stopped, it holds its connections and answers nothing.
    injected.stall = await pacedTrialMidway(id, taken);
    const wedged = currentServer(id);
    process.kill(wedged.pid, 'SIGSTOP');
    stopped.push(wedged.pid);
    say(`stall: SIGSTOP server pid ${wedged.pid} under ${injected.stall}`);
    await waitFor('stall: recorded, and the server restarted', () => {
      const ev = eventsOf(id);
      const at = ev.findIndex((e) => e.kind === 'stall');
      return at >= 0 && ev.slice(at).some((e) => e.kind === 'ready');
    });

    // 2. The server crashes mid-trial.
    injected.crash = await pacedTrialMidway(id, taken);
    const crashing = currentServer(id);
    process.kill(crashing.pid, 'SIGKILL');
    say(`crash: SIGKILL server pid ${crashing.pid} under ${injected.crash}`);

    // 3. The runner is killed mid-trial; nothing it recorded may be lost.
    injected.killed = await anyTrialRunning(id, taken);
    process.kill(runner.pid!, 'SIGKILL');
    await runner;
    say(`killed runner pid ${runner.pid} under ${injected.killed}`);
    const before = trialsOf(id);

    // 4. Resume: the killed runner's server is stopped, its container removed, its trial re-run.
    const resumed = await execa('node', [bin, 'run', '--resume', id, '--db', db], { cwd: root, env, reject: false, all: true });
    say(`resume exited ${resumed.exitCode}`);

    const after = trialsOf(id);
    const plan = JSON.parse(query<{ plan_json: string }>('SELECT plan_json FROM sweeps WHERE id = ?', id)[0]!.plan_json) as SweepPlan;
    const slots = new Map(plan.entries.map((e) => [e.slotIndex, { task: e.task, trialIndex: e.trialIndex }]));
    const perTrial = planRows(after, plan.entries, slots, injected);
    const faults = faultRows(after, eventsOf(id), injected);
    const lost = before.filter((b) => {
      const now = after.find((a) => a.id === b.id);
      return !now || (b.finished_at !== null && JSON.stringify(now) !== JSON.stringify(b));
    });
    const sweepRow = query<{ status: string }>('SELECT status FROM sweeps WHERE id = ?', id)[0]!;
    const leftContainers = (await (await connectEngine()).findLeftovers({ sweep: id })).length;
    const liveServers = serversOf(id).filter(stillRunning);
    const harnessBug = after.find((t) => t.task === 'harness-bug' && t.harness === 'terse');
    const checks = [
      ...faults,
      { what: 'harness bug: its message', expected: 'the TypeError and where it was thrown', recorded: harnessBug?.error_message?.slice(0, 60) ?? '(no row)', ok: /TypeError/.test(harnessBug?.error_message ?? '') },
      {
        what: 'killed runner: its server',
        expected: 'stopped by the resume (recorded pid and start time)',
        recorded: /stopped the serving process left running by the stopped runner \(pid \d+/.exec(resumed.all)?.[0].slice(0, 60) ?? 'not stopped by the resume',
        ok: /stopped the serving process left running by the stopped runner/.test(resumed.all),
      },
      { what: 'nothing lost', expected: `all ${before.length} rows of the killed run kept, finished ones unchanged`, recorded: lost.length === 0 ? 'all kept' : `${lost.length} changed or gone`, ok: lost.length === 0 },
      { what: 'the sweep', expected: 'completed, resume exit 0', recorded: `${sweepRow.status}, resume exit ${resumed.exitCode}`, ok: sweepRow.status === 'completed' && resumed.exitCode === 0 },
      { what: 'left behind', expected: 'no container, no server process', recorded: `${leftContainers} container(s), ${liveServers.length} server(s)`, ok: leftContainers === 0 && liveServers.length === 0 },
    ];
    const planned = CHECK_TASKS.length * CHECK_HARNESSES.length * CHECK_TRIALS;
    process.stdout.write(`${renderTable(`Every planned trial (${perTrial.length} of ${planned}; recorded: each attempt's outcome, the last one final)`, perTrial)}\n\n`);
    process.stdout.write(`${renderTable('Every injected fault, and what must hold around them', checks)}\n\n`);
    const bad = [...perTrial, ...checks].filter((r) => !r.ok).length + (perTrial.length === planned ? 0 : 1);
    process.stdout.write(bad === 0 ? `check:faults: all ${perTrial.length + checks.length} rows as the outcome table says (sweep ${id}, ${after.length} attempts)\n` : `check:faults: ${bad} MISMATCH(ES)\n`);
    if (bad > 0) process.stderr.write(`resume output:\n${resumed.all}\n`);
    return bad === 0 ? 0 : 1;
  } finally {
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGCONT'); // never leave a stopped process behind
      } catch {
        // gone: the sweep restarted it
      }
    }
    try {
      process.kill(runner.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    for (const s of serversOf(id)) if (stillRunning(s)) process.kill(-s.pid, 'SIGKILL');
    await execa('node', [bin, 'cleanup', '--sweep', id, '--db', db], { cwd: root, reject: false });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`check:faults failed to run: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(2);
  },
);
