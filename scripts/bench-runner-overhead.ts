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
// headline is trial / bare, a ratio to the floor measured beside it (goal <= 1.15, medians of
// at least five rounds, scripts/support/floor.ts); trial / same-work isolates the runner's own
// software overhead from the engine work an oracle trial needs (two copies, two commands).
//
// Run: npm run bench:overhead [-- <rounds>]   (default 15 rounds; at least 5)

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectDocker } from '../engines/docker/engine.js';
import { bareLifecycle, removeImage, sameWork, type BareStep } from '../engines/docker/baseline.js';
import { loadTask } from '../runner/task/load.js';
import type { LoadedTask } from '../core/task.js';
import { runTrial } from '../runner/trial.js';
import type { TrialResult } from '../core/trial.js';
import { parseHarnessVariant } from '../harnesses/variants.js';
import { median as medianOf } from '../reports/stats.js';
import { printRatio, printRatioTable, roundsFrom } from './support/floor.js';

const GOAL = 1.15;
const rounds = roundsFrom(process.argv[2], 15);

const sweep = `bench-overhead-${randomUUID().slice(0, 8)}`;

async function writeTrivialTask(tasksDir: string): Promise<LoadedTask> {
  const dir = path.join(tasksDir, 'bench-trivial');
  const files: Record<string, string> = {
    'task.toml': 'schema_version = "1.4"\n\n[agent]\ntimeout_sec = 60\n\n[verifier]\ntimeout_sec = 30\n\n[environment]\ncpus = 1\nmemory_mb = 512\n',
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

async function oracleTrial(task: LoadedTask, runsDir: string, n: number): Promise<{ ms: number; result: TrialResult; spans: Partial<Record<Span, number>> }> {
  const trialId = `${sweep}-t${n}`;
  const t0 = performance.now();
  const spans: Partial<Record<Span, number>> = {};
  let current: Span = 'prepare';
  let since = t0;
  const mark = (next: Span): void => {
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
    },
    { onTurn: () => undefined, onPhase: mark },
  );
  const ms = performance.now() - t0;
  spans[current] = performance.now() - since;
  if (result.status !== 'pass') throw new Error(`the oracle trial ended ${result.status}: ${result.errorMessage ?? ''}`);
  return { ms, result, spans };
}

const median = (xs: number[]): number => medianOf(xs) ?? NaN;

const fmt = (ms: number): string => `${ms.toFixed(0).padStart(5)} ms`;

async function main(): Promise<void> {
  const engine = await connectDocker(null);
  const work = await mkdtemp(path.join(tmpdir(), 'pb-bench-overhead-'));
  let builtImage: string | null = null;
  try {
    const task = await writeTrivialTask(path.join(work, 'tasks'));
    const ensured = await engine.ensureImage(task, { logPath: path.join(work, 'build.log') });
    builtImage = ensured.built ? ensured.image : null;
    const image = ensured.image;
    const runsDir = path.join(work, 'runs');
    const info = await engine.describe();
    process.stdout.write(`engine ${info.version}; image ${image}; ${rounds} rounds, order rotating\n`);

    // One untimed round of each warms the image cache, the connection and the module graph.
    await bareLifecycle(engine, image, sweep, 0);
    await sameWork(engine, image, task, sweep, 0);
    await oracleTrial(task, runsDir, 0);

    const bare: number[] = [];
    const same: number[] = [];
    const trial: number[] = [];
    const phases: Record<'setupMs' | 'agentMs' | 'verifyMs' | 'teardownMs', number[]> = { setupMs: [], agentMs: [], verifyMs: [], teardownMs: [] };
    const bareSteps: Record<BareStep, number[]> = { createStart: [], exec: [], remove: [] };
    const spans = Object.fromEntries(SPANS.map((k) => [k, [] as number[]])) as Record<Span, number[]>;
    for (let i = 1; i <= rounds; i++) {
      const arms = [
        async (): Promise<void> => void bare.push(await bareLifecycle(engine, image, sweep, i, bareSteps)),
        async (): Promise<void> => void same.push(await sameWork(engine, image, task, sweep, i)),
        async (): Promise<void> => {
          const { ms, result, spans: s } = await oracleTrial(task, runsDir, i);
          trial.push(ms);
          for (const k of Object.keys(phases) as (keyof typeof phases)[]) phases[k].push(result[k] ?? 0);
          for (const k of SPANS) spans[k].push(s[k] ?? 0);
        },
      ];
      for (let j = 0; j < arms.length; j++) await arms[(i + j) % arms.length]!();
    }

    const ms = median(same);
    const mt = median(trial);
    const range = (xs: number[]): string => `(min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))})`;
    process.stdout.write(
      [
        `bare lifecycle (create, start, 1 exec, remove)   median ${fmt(median(bare))}  ${range(bare)}`,
        `same engine work, bare (2 copies, 2 execs)       median ${fmt(ms)}  ${range(same)}`,
        `oracle trial (runTrial, trivial task)            median ${fmt(mt)}  ${range(trial)}`,
        `  bare steps:   create+start ${fmt(median(bareSteps.createStart))}, exec ${fmt(median(bareSteps.exec))}, remove ${fmt(median(bareSteps.remove))}`,
        `  trial phases: setup ${fmt(median(phases.setupMs))}, agent ${fmt(median(phases.agentMs))}, verify ${fmt(median(phases.verifyMs))}, teardown ${fmt(median(phases.teardownMs))}`,
        `  trial spans:  ${SPANS.map((k) => `${k} ${fmt(median(spans[k]))}`).join(', ')}  (wall clock between phase events; teardown includes returning)`,
        `  runner's own share, trial / same work: ${(mt / ms).toFixed(2)}x`,
        '',
      ].join('\n'),
    );
    const row = { what: 'an oracle trial (runTrial, trivial task)', floorName: 'the bare engine lifecycle (create, start, one exec, remove)', goal: GOAL, samples: { subject: trial, floor: bare } };
    printRatio(row);
    printRatioTable([row]);
  } finally {
    await engine.removeLeftovers(await engine.findLeftovers({ sweep }));
    if (builtImage) await removeImage(engine, builtImage);
    await rm(work, { recursive: true, force: true });
  }
}

await main();
