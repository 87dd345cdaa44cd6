// `pairbench report` through the built CLI: a fixture database gives the tables and exit 0;
// a missing or empty database gives one clear message naming the fix, and exit 1.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { generateFixtureDb } from '../../fixtures/db/generate.js';
import { openStore } from '../../store/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'pb-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pairbench(...args: string[]) {
  return execa('node', [path.join(ROOT, 'bin/pairbench.js'), ...args], { cwd: ROOT, reject: false });
}

it('prints the markdown tables of a fixture database', async () => {
  const db = path.join(dir, 'fixture.db');
  generateFixtureDb(db, { trials: 3, seed: 2, withSubstrateErrors: 0.1, withRestart: true });
  const r = await pairbench('report', '--db', db);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  for (const heading of ['## Outcomes per harness and task', '## Clean-trial walls per task', '## The run as a whole', '## Time to first token and decode by input depth', '## Time to first token by turn', '## Prompt tokens served from cache', '## Where the wall goes', '## Honest read']) {
    expect(r.stdout).toContain(heading);
  }
  expect(r.stdout).toContain('| harness | task | n | pass rate | passes | agent failures | of which harness errors | substrate errors | mean wall (clean) |');
  expect(r.stdout).toContain('| task | terse mean wall (n) | tmux mean wall (n) | tmux ÷ terse [95% CI] | notes |');

  const out = path.join(dir, 'out', 'report.json');
  const j = await pairbench('report', '--db', db, '--json', '--out', out, '--baseline', 'tmux', '--seed', '9');
  expect(j.exitCode).toBe(0);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ baseline: 'tmux', bootstrap: { seed: 9 } });

  const c = await pairbench('compare', 'sweep-1', 'sweep-1', '--db', db);
  expect(c.exitCode).toBe(0);
  expect(c.stdout).toContain('# pairbench compare: sweep-1 → sweep-1');
});

it('names the problem and the fix for a missing db, an empty db and an unknown sweep', async () => {
  const missing = path.join(dir, 'nowhere.db');
  const r1 = await pairbench('report', '--db', missing);
  expect(r1.exitCode).toBe(1);
  expect(r1.stderr).toContain(`no database at ${missing}`);
  expect(r1.stderr).toContain('pairbench run --db');
  expect(r1.stderr).not.toMatch(/\n\s+at /); // no stack trace

  const empty = path.join(dir, 'empty.db');
  writeFileSync(empty, '');
  const r2 = await pairbench('report', '--db', empty);
  expect(r2.exitCode).toBe(1);
  expect(r2.stderr).toContain(`${empty} is empty`);

  const noSweeps = path.join(dir, 'no-sweeps.db');
  openStore(noSweeps).close();
  const r3 = await pairbench('report', '--db', noSweeps);
  expect(r3.exitCode).toBe(1);
  expect(r3.stderr).toContain('holds no sweeps yet');

  const db = path.join(dir, 'fixture.db');
  const r4 = await pairbench('report', '--db', db, '--sweep', 'sweep-9');
  expect(r4.exitCode).toBe(1);
  expect(r4.stderr).toContain("no sweep 'sweep-9'");
  expect(r4.stderr).toContain('sweep-1');
});

it('resamples on a second thread to the same bits as in process', async () => {
  // The built CLI runs the bootstraps in a worker while it reads turns; run from sources here,
  // runReport and runCompare resample on this thread. Every figure must come out the same.
  const db = path.join(dir, 'two-sweeps.db');
  generateFixtureDb(db, { sweeps: 2, trials: 6, seed: 9, simulated: true, withSubstrateErrors: 0.2, withRestart: true, sweepSpeed: [1, 0.8] });
  const { runCompare, runReport } = await import('../../cli/commands/report-run.js');
  const printed = (text: string): string => text.replace(/\n$/, ''); // as execa hands stdout back
  const [report, json, compare, compareJson] = await Promise.all([
    pairbench('report', '--db', db, '--sweep', 'sweep-1'),
    pairbench('report', '--db', db, '--json', '--resamples', '300', '--seed', '7'),
    pairbench('compare', 'sweep-1', 'sweep-2', '--db', db),
    pairbench('compare', 'sweep-1', 'sweep-2', '--db', db, '--json'),
  ]);
  expect(report.stdout).toBe(printed(await runReport({ db, sweep: 'sweep-1' })));
  expect(json.stdout).toBe(printed(await runReport({ db, json: true, resamples: '300', seed: '7' })));
  expect(compare.stdout).toBe(printed(await runCompare('sweep-1', 'sweep-2', { db })));
  expect(compareJson.stdout).toBe(printed(await runCompare('sweep-1', 'sweep-2', { db, json: true })));
  expect(compare.stdout).toMatch(/change \[95% CI\][\s\S]*\[\d/);
});
