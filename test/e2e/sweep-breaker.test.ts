// The serving breaker against the simulated server answering every chat call 503 (a server
// pairbench owns, started from a serving file): three serving_failed trials in a row stop the
// sweep from starting trials, and the sweep's own row says why, as any stop of its own does.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../serving/control/controller.js';
import { ROOT, pairbench, sweep, trials, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(() => ws.cleanup());

it('a server that answers every call 503: the breaker stops the sweep, PB_SERVING_HALTED with its reason', { timeout: 180_000 }, async () => {
  const port = await freeLoopbackPort();
  const command = [process.execPath, path.join(ROOT, 'bin/pairbench.js'), 'serve', '--simulated', '--port', String(port), '--time-scale', '0', '--fault-503', '1'];
  const serving = path.join(ws.dir, 'serving.toml');
  writeFileSync(serving, `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "m"\ndialect = "llama-server"\n[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n`);

  const r = await pairbench(['run', ...ws.base, '--harness', 'terse', '--task', 'quick', '--trials', '1', '--retries', '5', '--serving', serving, '--json']);
  expect(r.exitCode, r.all).toBe(1);
  const id = /"sweepId":"([^"]+)"/.exec(r.stdout)![1]!;
  // Three attempts of the six the retries allow: the breaker kept the rest from starting.
  expect(trials(ws.db, id).map((t) => t.status)).toEqual(['serving_failed', 'serving_failed', 'serving_failed']);
  const conn = new Database(ws.db, { readonly: true });
  const halt = conn.prepare("SELECT reason FROM serving_events WHERE sweep_id = ? AND kind = 'halt'").get(id) as { reason: string } | undefined;
  conn.close();
  expect(halt?.reason).toMatch(/failed 3 trials in a row/);
  expect(sweep(ws.db, id)).toMatchObject({ status: 'failed', error_code: 'PB_SERVING_HALTED', error_message: halt!.reason });
});
