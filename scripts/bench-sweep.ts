// Sweep throughput: the three seed tasks x terse and tmux x 10 trials (60 trials) on the
// simulated server at time scale 0, at concurrency 1 and 2, through the real CLI. Prints
// total wall and trials per minute for each, and the concurrency-2 / concurrency-1 ratio
// from runs made side by side (the machine is shared and noisy: only medians and the ratio
// of interleaved runs mean much). Target: under 60 s at concurrency 2 on a 2-core machine.
//
// Run: npm run build && npm run bench:sweep [-- <rounds>]   (default 3 rounds = 6 sweeps, medians)

import './support/clean-exit.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { median as medianOf } from '../reports/stats.js';

const TARGET_SEC = 60;
const TRIALS = 10;
const CONCURRENCIES = [1, 2] as const;

const rounds = Number(process.argv[2] ?? 3);
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`usage: bench-sweep [rounds >= 1], got ${process.argv[2]}\n`);
  process.exit(2);
}

// dist/scripts/bench-sweep.js -> the checkout root
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/pairbench.js');

interface Measured {
  concurrency: number;
  wallSec: number;
  trials: number;
  passed: number;
  substrate: number;
}

async function sweepOnce(concurrency: number, dir: string): Promise<Measured> {
  const db = path.join(dir, `c${concurrency}-${Date.now()}.db`);
  const args = [
    bin, 'run', '--harness', 'terse', 'tmux', '--task', 'all', '--trials', String(TRIALS),
    '--serving', 'simulated', '--time-scale', '0', '--concurrency', String(concurrency),
    '--db', db, '--runs-dir', path.join(dir, 'runs'), '--json',
  ];
  const t0 = performance.now();
  const r = await execa('node', args, { cwd: root, reject: false });
  const wallSec = (performance.now() - t0) / 1000;
  const end = r.stdout
    .split('\n')
    .filter((l) => l.includes('"event":"sweep_end"'))
    .map((l) => JSON.parse(l) as { status: string; counts: { done: number; passed: number; substrate: number } })[0];
  if (r.exitCode !== 0 || !end || end.status !== 'completed') {
    throw new Error(`sweep at concurrency ${concurrency} did not complete (exit ${r.exitCode}):\n${r.stderr.slice(-2000)}`);
  }
  return { concurrency, wallSec, trials: end.counts.done, passed: end.counts.passed, substrate: end.counts.substrate };
}

const median = (xs: number[]): number => medianOf(xs) ?? NaN;

const dir = await mkdtemp(path.join(tmpdir(), 'pb-bench-sweep-'));
try {
  const results: Measured[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which concurrency goes first, so drift of the machine favours neither.
    const order = round % 2 === 0 ? CONCURRENCIES : [...CONCURRENCIES].reverse();
    for (const c of order) {
      const m = await sweepOnce(c, dir);
      results.push(m);
      process.stdout.write(
        `round ${round + 1} concurrency ${c}: ${m.wallSec.toFixed(1)} s, ${m.trials} trials (${m.passed} passed, ${m.substrate} substrate), ${((m.trials / m.wallSec) * 60).toFixed(1)} trials/min\n`,
      );
    }
  }
  process.stdout.write(`\nsweep of 3 tasks x terse, tmux x ${TRIALS} trials, simulated serving at time scale 0 (median of ${rounds} round(s), process wall including start-up):\n`);
  process.stdout.write('| concurrency | total wall | trials/min |\n|---|---|---|\n');
  const walls = new Map<number, number>();
  for (const c of CONCURRENCIES) {
    const mine = results.filter((r) => r.concurrency === c);
    const wall = median(mine.map((r) => r.wallSec));
    walls.set(c, wall);
    process.stdout.write(`| ${c} | ${wall.toFixed(1)} s | ${((mine[0]!.trials / wall) * 60).toFixed(1)} |\n`);
  }
  const c2 = walls.get(2)!;
  process.stdout.write(`\nconcurrency 2 / concurrency 1 wall: ${(c2 / walls.get(1)!).toFixed(2)}\n`);
  process.stdout.write(`target: under ${TARGET_SEC} s at concurrency 2: ${c2 < TARGET_SEC ? 'met' : 'NOT met'} (${c2.toFixed(1)} s)\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
