// Serving profiles against a real llama-server: two variants that differ only in a server
// start-up flag (-np 1 and -np 2) run paired on the same slots; the server pairbench owns is
// restarted only where the profile changes, each time with that profile's flags (its log says
// so), and every trial and the report name the profile it ran on.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { isAgentOutcome } from '../../core/outcomes.js';
import { freeLoopbackPort } from '../../serving/control/controller.js';
import { ROOT, sweep, trials, workspace } from '../e2e/sweep-support.js';
import { llamaServerArgv, realServerPaths } from './support/llama-server.js';

const ws = workspace();
afterAll(() => ws.cleanup());

const BIN = path.join(ROOT, 'bin/pairbench.js');

it('runs -np 1 and -np 2 paired, restarting only between profiles; trials and report name the profile', async () => {
  const port = await freeLoopbackPort();
  const command = llamaServerArgv(realServerPaths(), port, { ctx: 4096 });
  const file = path.join(ws.dir, 'serving.toml');
  writeFileSync(
    file,
    `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "tiny"\ndialect = "llama-server"\n` +
      `[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n[health]\ntimeout_ms = 60000\n` +
      `[profiles.np1]\nargs = ["-np", "1"]\n[profiles.np2]\nargs = ["-np", "2"]\n`,
  );
  const r = await execa('node', [BIN, 'run', ...ws.base, '--harness', 'terse@np1', 'terse@np2', '--task', 'quick', '--trials', '2', '--max-turns', '1', '--serving', file], {
    reject: false,
    cwd: ROOT,
    all: true,
  });
  expect(r.exitCode, r.all).toBe(0);
  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
  expect(sweep(ws.db, id)!.status).toBe('completed');

  // Paired and alternating: np1 np2 on slot 0, np2 np1 on slot 1, every trial an agent outcome.
  const rows = trials(ws.db, id);
  expect(rows.map((t) => `${t.slot_index}:${t.harness}`)).toEqual(['0:terse@np1', '0:terse@np2', '1:terse@np2', '1:terse@np1']);
  expect(rows.every((t) => isAgentOutcome(t.status))).toBe(true);
  for (const t of rows) expect((JSON.parse(t.harness_config_json!) as { profile: string }).profile).toBe(t.harness.split('@')[1]);

  // One start and one restart per profile change (np1 -> np2 inside slot 0, np2 -> np1 inside slot 1), none else.
  const conn = new Database(ws.db, { readonly: true });
  const ev = conn.prepare("SELECT kind, reason, detail_json FROM serving_events WHERE sweep_id = ? AND kind IN ('start', 'restart') ORDER BY id").all(id) as {
    kind: string;
    reason: string | null;
    detail_json: string;
  }[];
  conn.close();
  const detail = ev.map((e) => JSON.parse(e.detail_json) as { pid?: number; after?: { pid: number }; profile: { name: string; args: string[] } });
  expect(ev.map((e) => e.kind)).toEqual(['start', 'restart', 'restart']);
  expect(detail.map((d) => d.profile)).toEqual([
    { name: 'np1', args: ['-np', '1'] },
    { name: 'np2', args: ['-np', '2'] },
    { name: 'np1', args: ['-np', '1'] },
  ]);
  expect(ev[1]!.reason).toMatch(/serving profile np1 -> np2/);
  expect(ev[2]!.reason).toMatch(/serving profile np2 -> np1/);
  expect(new Set([detail[0]!.pid, detail[1]!.after!.pid, detail[2]!.after!.pid]).size).toBe(3);

  // The server itself says it ran with each profile's slots, in that order.
  const log = readFileSync(path.join(ws.runs, id, 'serving.log'), 'utf8');
  expect([...log.matchAll(/n_slots = (\d+)/g)].map((m) => m[1])).toEqual(['1', '2', '1']);

  const report = await execa('node', [BIN, 'report', '--db', ws.db, '--sweep', id], { reject: false, cwd: ROOT, all: true });
  expect(report.exitCode, report.all).toBe(0);
  expect(report.stdout).toContain('terse@np1');
  expect(report.stdout).toContain('terse@np2');
});
