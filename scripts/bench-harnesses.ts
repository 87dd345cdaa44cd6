// The harness comparison and its ablation, on the simulated server's default cost model.
//
// Part 1: `terse` against `tmux` (a Terminus-style baseline) on the three seed tasks, several
// paired trials each, the order within each pair alternating. Per task: the median trial wall
// of each harness and the tmux/terse ratio (and the same for the agent phase alone). Nothing here sets a figure: the gap comes from
// the cost model (prefill, decode, reasoning tokens, speculative speed-up) paid on every turn
// each loop takes, plus each loop's own waiting and container round trips, adding up over a
// task's turns against the per-trial costs both harnesses share (container, verifier).
//
// Part 2: the ablation. Each lever switched alone, from either end: terse losing one of its
// levers (terse+think, terse-spec, terse+json, terse+tmux) and tmux gaining one of terse's
// (tmux-think, tmux+spec, tmux+terse, tmux+host). For each, the tmux/terse ratio with that
// variant standing in for its base, and how far that moves the ratio.
//
// Every trial gets a freshly started simulated server, as a sweep restarting its serving layer
// between trials would, so no trial inherits another's prefix cache or load slowdown.
//
//   npm run build && npm run bench:harnesses -- [--trials 3] [--ablation-trials 2]
//       [--concurrency 3] [--time-scale 1] [--tasks fizzbuzz,word-count,git-init] [--json]
//
// The reported figures are at --time-scale 1 (real time); a lower scale is for a quick look.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHarnessVariant, variantLabel } from '../harnesses/variants.js';
import { loadTask } from '../runner/task/load.js';
import type { LoadedTask } from '../core/task.js';
import { runTrial } from '../runner/trial.js';
import type { TrialResult } from '../core/trial.js';
import { startSimulatedServer } from '../simulator/server.js';
import type { TurnRecord } from '../core/turn.js';
import { median as medianOf } from '../reports/stats.js';

const args = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}
const num = (name: string, dflt: number): number => {
  const v = flag(name);
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a number >= 0, got ${v}`);
  return n;
};
const TRIALS = Math.max(1, Math.round(num('trials', 3)));
const ABLATION_TRIALS = Math.round(num('ablation-trials', 2));
const CONCURRENCY = Math.max(1, Math.round(num('concurrency', 3)));
const TIME_SCALE = num('time-scale', 1);
const JSON_OUT = args.includes('--json');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TASKS_DIR = path.resolve(flag('tasks-dir') ?? path.join(ROOT, 'tasks'));
const TASKS = (flag('tasks') ?? 'fizzbuzz,word-count,git-init').split(',').filter(Boolean);

const ABLATION: { variant: string; from: 'terse' | 'tmux'; lever: string }[] = [
  { variant: 'terse+think', from: 'terse', lever: 'thinking on' },
  { variant: 'terse-spec', from: 'terse', lever: 'speculative off' },
  { variant: 'terse+json', from: 'terse', lever: 'json contract' },
  { variant: 'terse+tmux', from: 'terse', lever: 'tmux state' },
  { variant: 'tmux-think', from: 'tmux', lever: 'thinking off' },
  { variant: 'tmux+spec', from: 'tmux', lever: 'speculative on' },
  { variant: 'tmux+terse', from: 'tmux', lever: 'terse contract' },
  { variant: 'tmux+host', from: 'tmux', lever: 'host-exec state' },
];

interface Trial {
  variant: string;
  task: string;
  index: number;
  result: TrialResult;
  turns: TurnRecord[];
}

const SWEEP = `bench-harnesses-${process.pid}-${Date.now().toString(36)}`;
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
let seq = 0;
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

async function runOne(root: string, task: LoadedTask, variant: string, index: number): Promise<Trial> {
  const n = ++seq;
  const server = await startSimulatedServer({ tasksDir: TASKS_DIR, timeScale: TIME_SCALE });
  const turns: TurnRecord[] = [];
  try {
    const result = await runTrial(
      {
        trialId: `${SWEEP}-t${n}`,
        sweepId: SWEEP,
        task,
        harness: parseHarnessVariant(variant),
        trialIndex: index,
        attempt: 1,
        trialDir: path.join(root, `t${n}`),
        containerName: `pb-${SWEEP}-t${n}`,
        selinux: 'auto',
        serving: { baseUrl: server.url, model: 'pairbench-simulated', dialect: 'llama-server', apiKeyEnv: null, simulated: true },
      },
      { onTurn: (t) => turns.push(t) },
      interrupt.signal,
    );
    log(`  ${variant.padEnd(12)} ${task.name.padEnd(11)} #${index}  ${result.status.padEnd(10)} agent ${((result.agentMs ?? 0) / 1000).toFixed(1)} s, ${turns.length} turns`);
    return { variant, task: task.name, index, result, turns };
  } finally {
    await server.close();
  }
}

/** Runs jobs with at most `limit` in flight, keeping their order in the results. */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && !interrupt.signal.aborted) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

const median = (xs: number[]): number => medianOf(xs) ?? NaN;

interface Cell {
  n: number;
  passed: number;
  wallS: number; // median trial wall (set-up, agent, verification, teardown), seconds
  agentS: number; // median agent-phase wall, seconds
  turns: number; // median turns
  modelS: number; // median summed model time per trial
  execWaitS: number; // median summed exec + harness wait per trial
}

function cell(trials: Trial[]): Cell {
  const sum = (t: Trial, f: (r: TurnRecord) => number | null): number => t.turns.reduce((a, r) => a + (f(r) ?? 0), 0) / 1000;
  return {
    n: trials.length,
    passed: trials.filter((t) => t.result.status === 'pass').length,
    wallS: median(trials.map((t) => t.result.wallMs! / 1000)),
    agentS: median(trials.map((t) => (t.result.agentMs ?? NaN) / 1000)),
    turns: median(trials.map((t) => t.turns.length)),
    modelS: median(trials.map((t) => sum(t, (r) => r.model_ms))),
    execWaitS: median(trials.map((t) => sum(t, (r) => (r.exec_ms ?? 0) + (r.wait_ms ?? 0)))),
  };
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '-');

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'pb-bench-harnesses-'));
  const tasks = new Map<string, LoadedTask>();
  for (const name of TASKS) tasks.set(name, await loadTask(path.join(TASKS_DIR, name)));
  const started = performance.now();
  log(`bench-harnesses: simulated server, default cost model, time-scale ${TIME_SCALE}; ${TRIALS} paired trials per task, ${ABLATION_TRIALS} per ablation cell, ${CONCURRENCY} at a time`);

  try {
    // Part 1: pairs, the order inside each pair alternating.
    const pairJobs: (() => Promise<Trial>)[] = [];
    for (let i = 0; i < TRIALS; i++) {
      for (const name of TASKS) {
        const order = i % 2 === 0 ? ['terse', 'tmux'] : ['tmux', 'terse'];
        for (const v of order) pairJobs.push(() => runOne(root, tasks.get(name)!, v, i));
      }
    }
    log('comparison:');
    const paired = await pool(pairJobs, CONCURRENCY);
    // Part 2: each ablation variant on every task.
    const ablationJobs: (() => Promise<Trial>)[] = [];
    for (let i = 0; i < ABLATION_TRIALS; i++) {
      for (const a of ABLATION) for (const name of TASKS) ablationJobs.push(() => runOne(root, tasks.get(name)!, a.variant, i));
    }
    if (ablationJobs.length) log('ablation:');
    const ablated = await pool(ablationJobs, CONCURRENCY);
    if (interrupt.signal.aborted) throw new Error('interrupted');

    const all = [...paired, ...ablated];
    const cellOf = (variant: string, task: string): Cell => cell(all.filter((t) => t.variant === variant && t.task === task));
    const base = new Map(TASKS.map((t) => [t, { terse: cellOf('terse', t), tmux: cellOf('tmux', t) }]));
    const total = (variant: string): number => TASKS.reduce((a, t) => a + cellOf(variant, t).wallS, 0);
    const totalAgent = (variant: string): number => TASKS.reduce((a, t) => a + cellOf(variant, t).agentS, 0);
    const baseRatio = total('tmux') / total('terse');

    const lines: string[] = [];
    lines.push(`## terse vs tmux (a Terminus-style baseline): medians, simulated server, default cost model, time-scale ${TIME_SCALE}, n=${TRIALS} per cell`);
    lines.push('');
    lines.push('| task | terse wall s | tmux wall s | tmux/terse wall | terse agent s | tmux agent s | tmux/terse agent | turns (terse, tmux) | tmux model s | tmux exec+wait s | passed (terse, tmux) |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|');
    for (const t of TASKS) {
      const b = base.get(t)!;
      lines.push(
        `| ${t} | ${f1(b.terse.wallS)} | ${f1(b.tmux.wallS)} | ${ratio(b.tmux.wallS, b.terse.wallS)} | ${f1(b.terse.agentS)} | ${f1(b.tmux.agentS)} | ${ratio(b.tmux.agentS, b.terse.agentS)} | ${b.terse.turns}, ${b.tmux.turns} | ${f1(b.tmux.modelS)} | ${f1(b.tmux.execWaitS)} | ${b.terse.passed}/${b.terse.n}, ${b.tmux.passed}/${b.tmux.n} |`,
      );
    }
    lines.push(
      `| all three | ${f1(total('terse'))} | ${f1(total('tmux'))} | ${ratio(total('tmux'), total('terse'))} | ${f1(totalAgent('terse'))} | ${f1(totalAgent('tmux'))} | ${ratio(totalAgent('tmux'), totalAgent('terse'))} | | | | |`,
    );
    lines.push('');
    lines.push('wall: the whole trial (container set-up, agent, verification, teardown), what a user waits on per task; agent: the agent phase alone.');
    const slower = TASKS.every((t) => base.get(t)!.tmux.wallS > base.get(t)!.terse.wallS);
    const r = (t: string): number => base.get(t)!.tmux.wallS / base.get(t)!.terse.wallS;
    lines.push(`tmux slower than terse on every task: ${slower ? 'yes' : 'NO'}`);
    if (tasks.has('git-init') && tasks.has('fizzbuzz')) {
      lines.push(`wall gap wider on git-init (${r('git-init').toFixed(2)}×) than on fizzbuzz (${r('fizzbuzz').toFixed(2)}×): ${r('git-init') > r('fizzbuzz') ? 'yes' : 'NO'}`);
    }

    if (ABLATION_TRIALS > 0) {
      lines.push('');
      lines.push(`## ablation: one lever switched alone (median trial wall, n=${ABLATION_TRIALS} per task; baseline tmux/terse over all three tasks ${baseRatio.toFixed(2)}×)`);
      lines.push('');
      lines.push(`| variant | lever switched | ${TASKS.map((t) => `${t} s`).join(' | ')} | all three s | tmux/terse with this variant | ratio moved | share of gap |`);
      lines.push(`|---|---|${TASKS.map(() => '---:').join('|')}|---:|---:|---:|---:|`);
      for (const a of ABLATION) {
        const v = total(a.variant);
        // From terse: the variant stands in for terse; from tmux: for tmux.
        const moved = a.from === 'terse' ? total('tmux') / v : v / total('terse');
        const share = (baseRatio - moved) / (baseRatio - 1);
        const passed = TASKS.map((t) => cellOf(a.variant, t)).reduce((acc, c) => acc + c.passed, 0);
        const n = TASKS.length * ABLATION_TRIALS;
        lines.push(
          `| ${variantLabel(a.variant)}${passed < n ? ` (${passed}/${n} passed)` : ''} | ${a.lever} | ${TASKS.map((t) => f1(cellOf(a.variant, t).wallS)).join(' | ')} | ${f1(v)} | ${moved.toFixed(2)}× | ${baseRatio.toFixed(2)}× → ${moved.toFixed(2)}× | ${(share * 100).toFixed(0)}% |`,
        );
      }
      lines.push('');
      lines.push('"share of gap": how much of the tmux/terse gap (baseline ratio minus 1) this one lever accounts for; from the terse side, the gap it closes by being lost; from the tmux side, the gap it closes by being gained.');
    }
    lines.push('');
    lines.push(`wall for the whole benchmark: ${((performance.now() - started) / 1000).toFixed(0)} s.`);

    if (JSON_OUT) {
      const cells = Object.fromEntries(
        [...new Set(all.map((t) => t.variant))].map((v) => [v, Object.fromEntries(TASKS.map((t) => [t, cellOf(v, t)]))]),
      );
      process.stdout.write(`${JSON.stringify({ timeScale: TIME_SCALE, trials: TRIALS, ablationTrials: ABLATION_TRIALS, baseRatio, cells }, null, 2)}\n`);
    } else {
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-harnesses: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
