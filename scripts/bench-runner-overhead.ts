// The runner's overhead per oracle trial against the bare container lifecycle, measured side
// by side on the same engine in one run (the machine is shared and noisy: only the ratio of
// interleaved medians means anything).
//
//   bare:      the engine API's create, start, one exec (`bash -lc true`), remove
//   same-work: the trial's engine calls done bare: create, start, put the solution, run it,
//              put the tests, run them, read the reward, remove (no mount file, no limits,
//              no bookkeeping): what any tool must spend to run an oracle trial
//   trial:     runTrial() of a trivial oracle task, everything included
//
// All use the same image and network mode, and run in rotating order each round. The
// headline is trial / bare, a ratio to the floor measured beside it on the same engine (goal
// <= 1.15, medians of at least five rounds, scripts/support/floor.ts); trial / same-work
// isolates the runner's own software overhead from the engine work an oracle trial needs
// (two copies, two commands). Each engine (Docker, then Podman through its Docker-compatible
// socket) is measured in turn, against its own floor, and the engine round trips of one
// oracle trial are listed by phase: each is a request to the engine, an exec three of them.
//
// Run: npm run bench:overhead [-- <rounds> [<engine>...]]   (default 15 rounds on docker and podman; at least 5)

import './support/clean-exit.js';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DockerApiEngine } from '../engines/docker/engine.js';
import { bareLifecycle, removeImage, sameWork, type BareStep } from '../engines/docker/baseline.js';
import { recordEngineCalls, type EngineCallLog, type TimedCall } from '../engines/docker/call-log.js';
import { connectEngine, parseEngineRef, type EngineKind } from '../engines/registry.js';
import { loadTask } from '../runner/task/load.js';
import type { LoadedTask } from '../core/task.js';
import { runTrial } from '../runner/trial.js';
import type { TrialResult } from '../core/trial.js';
import { parseHarnessVariant } from '../harnesses/variants.js';
import { median as medianOf } from '../reports/stats.js';
import { printRatio, printRatioTable, roundsFrom, type RatioRow } from './support/floor.js';

// An oracle trial execs twice (the solution, then the verifier) where the floor execs once, so
// the floor plus one more of its execs is printed beside the ratio: the least any oracle trial
// can cost against this floor on this engine, which may itself be over the goal.
const GOAL = 1.15;
const rounds = roundsFrom(process.argv[2], 15);
const kinds = engineKinds(process.argv.slice(3));

function engineKinds(args: string[]): EngineKind[] {
  if (args.length === 0) return ['docker', 'podman'];
  return args.map((a) => {
    const ref = parseEngineRef(a);
    if (typeof ref === 'string' || ref.address !== null) {
      process.stderr.write(`engine: ${typeof ref === 'string' ? ref : 'an engine kind (docker, podman), not an address'}\n`);
      process.exit(2);
    }
    return ref.kind;
  });
}

const sweep = `bench-overhead-${randomUUID().slice(0, 8)}`;

async function writeTrivialTask(tasksDir: string): Promise<LoadedTask> {
  const dir = path.join(tasksDir, 'bench-trivial');
  const files: Record<string, string> = {
    // No network, as the floor's containers have none: a task left at Harbor's default is
    // public, and its container's place on the engine's bridge (made as it starts, unmade as it
    // is removed) is engine work the floor would not be doing.
    'task.toml': 'schema_version = "1.4"\n\n[agent]\ntimeout_sec = 60\n\n[verifier]\ntimeout_sec = 30\n\n[environment]\ncpus = 1\nmemory_mb = 512\nnetwork_mode = "no-network"\n',
    'instruction.md': 'Write the word done to /app/out.txt.\n',
    'environment/Dockerfile': 'FROM pairbench/base:bookworm\nWORKDIR /app\n',
    'solution/solve.sh': '#!/bin/bash\necho done > /app/out.txt\n',
    'tests/test.sh': '#!/bin/bash\nif [ "$(cat /app/out.txt)" = done ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text, { mode: rel.endsWith('.sh') ? 0o755 : 0o644 });
  }
  return loadTask(dir);
}

/** Wall-clock spans between runTrial's phase events, 'prepare' before the first and 'return' after teardown. */
type Span = 'prepare' | 'build' | 'setup' | 'agent' | 'verify' | 'teardown';
const SPANS: Span[] = ['prepare', 'build', 'setup', 'agent', 'verify', 'teardown'];

/** One oracle trial; with `calls`, the engine round trips it made, by the phase they fell in. */
async function oracleTrial(
  kind: EngineKind,
  task: LoadedTask,
  runsDir: string,
  n: number,
  calls?: EngineCallLog,
): Promise<{ ms: number; result: TrialResult; spans: Partial<Record<Span, number>>; trips: [Span, TimedCall[]][] }> {
  const trialId = `${sweep}-${kind}-t${n}`;
  const trips: [Span, TimedCall[]][] = [];
  calls?.take();
  const t0 = performance.now();
  const spans: Partial<Record<Span, number>> = {};
  let current: Span = 'prepare';
  let since = t0;
  const mark = (next: Span): void => {
    if (calls) trips.push([current, calls.takeTimed()]);
    const now = performance.now();
    spans[current] = now - since;
    current = next;
    since = now;
  };
  const result = await runTrial(
    {
      trialId,
      sweepId: sweep,
      task,
      harness: parseHarnessVariant('oracle'),
      trialIndex: n,
      attempt: 1,
      trialDir: path.join(runsDir, trialId),
      containerName: trialId,
      selinux: 'auto',
      serving: null,
      engine: kind,
    },
    { onTurn: () => undefined, onPhase: mark },
  );
  const ms = performance.now() - t0;
  spans[current] = performance.now() - since;
  if (calls) trips.push([current, calls.takeTimed()]);
  if (result.status !== 'pass') throw new Error(`the oracle trial ended ${result.status}: ${result.errorMessage ?? ''}`);
  return { ms, result, spans, trips };
}

/** `12 (4 execs)`: the round trips of a list of calls, and how many execs they hold. */
function tripCount(calls: string[]): string {
  const execs = calls.filter((c) => c.endsWith('/exec')).length;
  return `${calls.length} (${execs} exec${execs === 1 ? '' : 's'})`;
}

function printTrips(trips: [Span, TimedCall[]][]): void {
  const all = trips.flatMap(([, c]) => c.map((x) => x.call));
  const lines = [`  engine round trips of one oracle trial: ${tripCount(all)}`];
  for (const [span, c] of trips) if (c.length > 0) lines.push(`    ${span.padEnd(8)} ${tripCount(c.map((x) => x.call)).padEnd(12)} ${c.map((x) => x.call).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Each round trip's milliseconds over the rounds, keyed by where it fell (`span: call`, in order). */
type TripTimes = Map<string, number[]>;

function addTrips(into: TripTimes, trips: [string, TimedCall[]][], gaps: TripTimes, t0: number, t1: number): void {
  let last = t0;
  for (const [span, c] of trips) {
    const seen = new Map<string, number>();
    for (const { call, ms, at } of c) {
      const n = (seen.get(call) ?? 0) + 1;
      seen.set(call, n);
      const key = `${span.padEnd(8)} ${call}${n > 1 ? ` #${n}` : ''}`;
      into.set(key, [...(into.get(key) ?? []), ms]);
      gaps.set(key, [...(gaps.get(key) ?? []), at - last]);
      last = at + ms;
    }
  }
  gaps.set('(after the last)', [...(gaps.get('(after the last)') ?? []), t1 - last]);
}

/** Medians per round trip: the engine's own time, from request to answer (a stream's: to its opening). */
function printTripTimes(title: string, times: TripTimes, gaps: TripTimes): string {
  const sum = (t: TripTimes): number => [...t.values()].reduce((s, xs) => s + median(xs), 0);
  const rows = [...gaps.keys()].map((k) => `      ${k.padEnd(44)} ${times.has(k) ? fmt(median(times.get(k)!)) : '        '}  after ${fmt(median(gaps.get(k)!))}`);
  return [`    ${title} (median per round trip, and of the time before it since the last answer; sums ${fmt(sum(times))} and ${fmt(sum(gaps))})`, ...rows].join('\n');
}

const median = (xs: number[]): number => medianOf(xs) ?? NaN;

const fmt = (ms: number): string => `${ms.toFixed(0).padStart(5)} ms`;

async function measure(kind: EngineKind): Promise<RatioRow> {
  const engine = await connectEngine(kind);
  if (!(engine instanceof DockerApiEngine)) throw new Error(`the ${kind} engine does not speak Docker's API, which the bare floor needs`);
  const work = await mkdtemp(path.join(tmpdir(), 'pb-bench-overhead-'));
  const calls = recordEngineCalls(engine);
  let builtImage: string | null = null;
  try {
    const task = await writeTrivialTask(path.join(work, 'tasks'));
    const ensured = await engine.ensureImage(task, { logPath: path.join(work, 'build.log') });
    builtImage = ensured.built ? ensured.image : null;
    const image = ensured.image;
    const runsDir = path.join(work, 'runs');
    const info = await engine.describe();
    process.stdout.write(`\n${kind}: engine ${info.version} at ${info.address}; image ${image}; ${rounds} rounds, order rotating; load average ${loadAverage()}\n`);

    // One untimed round of each warms the image cache, the connection and the module graph;
    // the second trial's round trips are listed (the first also connects and asks the engine).
    await bareLifecycle(engine, image, sweep, 0);
    await sameWork(engine, image, task, sweep, 0);
    await oracleTrial(kind, task, runsDir, 0);
    printTrips((await oracleTrial(kind, task, runsDir, -1, calls)).trips);
    const trialTrips: TripTimes = new Map();
    const bareTrips: TripTimes = new Map();
    const trialGaps: TripTimes = new Map();
    const bareGaps: TripTimes = new Map();

    const bare: number[] = [];
    const same: number[] = [];
    const trial: number[] = [];
    const phases: Record<'setupMs' | 'agentMs' | 'verifyMs' | 'teardownMs', number[]> = { setupMs: [], agentMs: [], verifyMs: [], teardownMs: [] };
    const bareSteps: Record<BareStep, number[]> = { createStart: [], exec: [], remove: [] };
    const spans = Object.fromEntries(SPANS.map((k) => [k, [] as number[]])) as Record<Span, number[]>;
    for (let i = 1; i <= rounds; i++) {
      const arms = [
        async (): Promise<void> => {
          calls.takeTimed();
          const t0 = performance.now();
          bare.push(await bareLifecycle(engine, image, sweep, i, bareSteps));
          addTrips(bareTrips, [['bare', calls.takeTimed()]], bareGaps, t0, performance.now());
        },
        async (): Promise<void> => void same.push(await sameWork(engine, image, task, sweep, i)),
        async (): Promise<void> => {
          const t0 = performance.now();
          const { ms, result, spans: s, trips } = await oracleTrial(kind, task, runsDir, i, calls);
          addTrips(trialTrips, trips, trialGaps, t0, t0 + ms);
          trial.push(ms);
          for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k].push(result[k] ?? 0);
          for (const k of SPANS) spans[k].push(s[k] ?? 0);
        },
      ];
      for (let j = 0; j < arms.length; j++) await arms[(i + j) % arms.length]!();
    }
    calls.stop();

    const ms = median(same);
    const mt = median(trial);
    const range = (xs: number[]): string => `(min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))})`;
    process.stdout.write(
      [
        `  bare lifecycle (create, start, 1 exec, remove)   median ${fmt(median(bare))}  ${range(bare)}`,
        `  same engine work, bare (2 copies, 2 execs)       median ${fmt(ms)}  ${range(same)}`,
        `  oracle trial (runTrial, trivial task)            median ${fmt(mt)}  ${range(trial)}`,
        `    bare steps:   create+start ${fmt(median(bareSteps.createStart))}, exec ${fmt(median(bareSteps.exec))}, remove ${fmt(median(bareSteps.remove))}`,
        `    trial phases: setup ${fmt(median(phases.setupMs))}, agent ${fmt(median(phases.agentMs))}, verify ${fmt(median(phases.verifyMs))}, teardown ${fmt(median(phases.teardownMs))}`,
        `    trial spans:  ${SPANS.map((k) => `${k} ${fmt(median(spans[k]))}`).join(', ')}  (wall clock between phase events; teardown includes returning)`,
        `    runner's own share, trial / same work: ${(mt / ms).toFixed(2)}x`,
        `    the least an oracle trial can cost here, the floor plus its one exec again: ${((median(bare) + median(bareSteps.exec)) / median(bare)).toFixed(2)}x the floor`,
        printTripTimes('bare round trips', bareTrips, bareGaps),
        printTripTimes('trial round trips', trialTrips, trialGaps),
        `  load average after ${kind}: ${loadAverage()}`,
        '',
      ].join('\n'),
    );
    const row = { what: `an oracle trial on ${kind} (runTrial, trivial task)`, floorName: `the bare ${kind} lifecycle (create, start, one exec, remove)`, goal: GOAL, samples: { subject: trial, floor: bare } };
    printRatio(row);
    return row;
  } finally {
    calls.stop();
    await engine.removeLeftovers(await engine.findLeftovers({ sweep }));
    if (builtImage) await removeImage(engine, builtImage);
    await rm(work, { recursive: true, force: true });
  }
}

/** The machine is shared: every figure is printed beside the load it was measured under. */
function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(', ');
}

async function main(): Promise<void> {
  const rows: RatioRow[] = [];
  for (const kind of kinds) rows.push(await measure(kind));
  printRatioTable(rows);
}

await main();
