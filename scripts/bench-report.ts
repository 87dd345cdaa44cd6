// `npm run bench:report`: the report and compare commands against the floor of reading the
// same rows, the `sqlite3` command line summing every column the report reads over the
// fixture's turns and trials. Fixtures: one sweep of 100,000 trials and over 1,000,000 turns
// (report), and two such sweeps in one database (compare). Both are generated once and cached
// in the temp directory. Each ratio is taken from medians of runs interleaved with the floor.
//
//   npm run bench:report [-- <rounds>]   (default 7; at least 5)

import './support/clean-exit.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateFixtureDb, type FixtureOptions } from '../fixtures/db/generate.js';
import { openStore } from '../store/db.js';
import { loadSweepData } from '../reports/queries.js';
import { buildReport } from '../reports/model.js';
import { renderMarkdown } from '../reports/markdown.js';
import { interleave, pairbenchProcess, printRatio, printRatioTable, ROOT, roundsFrom, sqliteFloor, timed, type RatioRow } from './support/floor.js';
import { runWithHugePages } from './support/huge-pages.js';

// The queries are timed in this process: as `pairbench report` runs them (bin/pairbench.js).
await runWithHugePages();

const rounds = roundsFrom(process.argv[2] ?? process.env.PB_BENCH_RUNS, 7);

const GOALS = { report: 3, queries: 2, compare: 3 } as const;

const ONE_SWEEP: FixtureOptions = {
  tasks: Array.from({ length: 10 }, (_, i) => `task-${String(i).padStart(2, '0')}`),
  harnesses: ['terse', 'tmux', 'terse+think', 'tmux+spec'],
  trials: 2500,
  turnsPerTrial: 8,
  seed: 1,
  simulated: true,
  withSubstrateErrors: 0.05,
  withRestart: true,
  withPlan: false,
  // As a real sweep does: the report then also reads what the answers show of each lever.
  withLevers: true,
};
// The second sweep runs 15% faster, so compare has a change to show.
const TWO_SWEEPS: FixtureOptions = { ...ONE_SWEEP, sweeps: 2, sweepSpeed: [1, 0.85] };

// Every column the report reads, summed: what reading the rows costs with nothing built on them.
const FLOOR_SQL =
  'SELECT count(*), sum(turn_index), sum(prompt_tokens), sum(cached_tokens), sum(ttft_ms), sum(decode_tps), sum(model_ms), sum(exec_ms), sum(wait_ms), sum(completion_tokens), sum(reasoning_tokens), sum(reasoning_chars), sum(draft_n), max(trial_id) FROM turns; ' +
  'SELECT count(*), sum(trial_index), sum(attempt), sum(wall_ms), sum(setup_ms), sum(verify_ms), sum(simulated), max(harness), max(task), max(status) FROM trials;';

// What a fixture's rows depend on: the generator and the store code it writes through.
const GENERATOR_SOURCES = ['fixtures/db/generate.ts', 'store/records.ts', 'store/schema.ts', 'core/turn.ts', 'core/trial.ts', 'core/prng.ts'];

/**
 * The cached fixture's file: named by a hash of the generator's sources and the options, so a
 * change to either generates a new one and a stale cache is never measured.
 */
function fixturePath(name: string, options: FixtureOptions): string {
  const hash = createHash('sha256').update(JSON.stringify(options));
  for (const source of GENERATOR_SOURCES) hash.update(readFileSync(path.join(ROOT, source)));
  const file = path.join(tmpdir(), 'pairbench-bench-report', `${name}-${hash.digest('hex').slice(0, 12)}.db`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  process.stdout.write(`generating ${file} (once; about half a minute per sweep) ... `);
  const t0 = performance.now();
  const summary = generateFixtureDb(partial, options);
  const written = openStore(partial);
  written.pragma('wal_checkpoint(TRUNCATE)');
  written.close();
  renameSync(partial, file);
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  process.stdout.write(`${summary.trials} trials, ${summary.turns} turns in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return file;
}

function describe(db: string): string {
  const store = openStore(db, { readonly: true });
  const n = store.prepare('SELECT (SELECT count(*) FROM sweeps) AS sweeps, (SELECT count(*) FROM trials) AS trials, (SELECT count(*) FROM turns) AS turns').get() as {
    sweeps: number;
    trials: number;
    turns: number;
  };
  store.close();
  return `${n.sweeps} sweep${n.sweeps === 1 ? '' : 's'}, ${n.trials.toLocaleString('en-US')} trials, ${n.turns.toLocaleString('en-US')} turns`;
}

const one = fixturePath('100k-trials', ONE_SWEEP);
const two = fixturePath('2x100k-trials', TWO_SWEEPS);
console.log(`report fixture: ${describe(one)}; compare fixture: ${describe(two)}`);

// Where the time goes, once, as context.
{
  const store = openStore(one, { readonly: true });
  let t = performance.now();
  const data = loadSweepData(store, 'sweep-1');
  const load = performance.now() - t;
  t = performance.now();
  const report = buildReport(data);
  const model = performance.now() - t;
  t = performance.now();
  const md = renderMarkdown(report);
  const render = performance.now() - t;
  store.close();
  console.log(`phases (in process, once): queries ${load.toFixed(0)} ms, model + bootstrap ${model.toFixed(0)} ms, markdown ${render.toFixed(0)} ms (${md.length} chars)`);
}
console.log(`${rounds} rounds each, pairbench and its floor alternating which goes first\n`);

const rows: RatioRow[] = [];
const measure = async (what: string, floorName: string, goal: number, pair: Parameters<typeof interleave>[0]): Promise<void> => {
  const row = { what, floorName, goal, samples: await interleave(pair, rounds) };
  printRatio(row);
  rows.push(row);
};

const floorName = 'sqlite3 summing the same columns';
await measure('`pairbench report` (markdown, end to end)', floorName, GOALS.report, {
  subject: pairbenchProcess(['report', '--db', one], (out) => out.includes('## The run as a whole')),
  floor: sqliteFloor(one, FLOOR_SQL),
});
await measure("the report's queries alone, in process", floorName, GOALS.queries, {
  subject: timed(() => {
    const store = openStore(one, { readonly: true });
    try {
      loadSweepData(store, 'sweep-1');
    } finally {
      store.close();
    }
  }),
  floor: sqliteFloor(one, FLOOR_SQL),
});
await measure('`pairbench compare` of two 100k-trial sweeps (markdown, end to end)', floorName, GOALS.compare, {
  subject: pairbenchProcess(['compare', 'sweep-1', 'sweep-2', '--db', two], (out) => out.includes('## The run as a whole')),
  floor: sqliteFloor(two, FLOOR_SQL),
});
printRatioTable(rows);
