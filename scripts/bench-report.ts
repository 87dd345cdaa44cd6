// `npm run bench:report`: `pairbench report` end to end on a fixture database of 100,000
// trials and over 1,000,000 turns. The database is generated once and cached in the temp
// directory; each run is a fresh `node bin/pairbench.js report` process. Target: median < 2 s.

import { existsSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { generateFixtureDb, type FixtureOptions } from '../fixtures/db/generate.js';
import { openStore } from '../store/db.js';
import { loadSweepData } from '../reports/queries.js';
import { buildReport } from '../reports/model.js';
import { renderMarkdown } from '../reports/markdown.js';
import { median } from '../reports/stats.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.PB_BENCH_RUNS ?? 7);
const TARGET_MS = 2000;

const OPTIONS: FixtureOptions = {
  tasks: Array.from({ length: 10 }, (_, i) => `task-${String(i).padStart(2, '0')}`),
  harnesses: ['terse', 'tmux', 'terse+think', 'tmux+spec'],
  trials: 2500,
  turnsPerTrial: 8,
  seed: 1,
  simulated: true,
  withSubstrateErrors: 0.05,
  withRestart: true,
  withPlan: false,
};

function fixturePath(): string {
  // Bump the version when the generator changes, so a stale cache is never measured.
  const file = path.join(tmpdir(), 'pairbench-bench-report', 'v1-100k-trials.db');
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  process.stdout.write(`generating ${file} (once; about half a minute) ... `);
  const t0 = performance.now();
  const summary = generateFixtureDb(partial, OPTIONS);
  const written = openStore(partial);
  written.pragma('wal_checkpoint(TRUNCATE)');
  written.close();
  renameSync(partial, file);
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  process.stdout.write(`${summary.trials} trials, ${summary.turns} turns in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return file;
}

const db = fixturePath();
{
  const store = openStore(db, { readonly: true });
  const n = store.prepare('SELECT (SELECT count(*) FROM trials) AS trials, (SELECT count(*) FROM turns) AS turns').get() as { trials: number; turns: number };
  console.log(`fixture: ${n.trials.toLocaleString('en-US')} trials, ${n.turns.toLocaleString('en-US')} turns`);

  // In-process phases, once, to show where the time goes.
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
  console.log(`phases (in process): queries ${load.toFixed(0)} ms, model + bootstrap ${model.toFixed(0)} ms, markdown ${render.toFixed(0)} ms (${md.length} chars)`);
}

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  const r = await execa('node', [path.join(ROOT, 'bin/pairbench.js'), 'report', '--db', db], { reject: false });
  const ms = performance.now() - t;
  if (r.exitCode !== 0 || !r.stdout.includes('## The run as a whole')) {
    console.error(r.stderr);
    throw new Error(`report run ${i + 1} failed (exit ${r.exitCode})`);
  }
  times.push(ms);
}
// The CLI's own start-up (every command's modules load), measured side by side.
const startup: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  await execa('node', [path.join(ROOT, 'bin/pairbench.js'), '--help']);
  startup.push(performance.now() - t);
}
const m = median(times)!;
console.log(`pairbench --help (CLI start-up alone, same ${RUNS} runs): median ${median(startup)!.toFixed(0)} ms`);
console.log(`pairbench report (markdown, end to end, ${RUNS} runs): ${times.map((x) => x.toFixed(0)).join(', ')} ms`);
console.log(`median ${m.toFixed(0)} ms; target < ${TARGET_MS} ms: ${m < TARGET_MS ? 'met' : 'MISSED'}`);
