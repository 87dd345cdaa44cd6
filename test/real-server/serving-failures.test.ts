// After the serving layer fails a trial, against a real llama-server and real signals: the
// next trial waits for the server to be healthy again (a frozen server: SIGSTOP, then SIGCONT),
// a server pairbench owns is restarted before the slot is retried (SIGKILL), a run of serving
// failures (a wrong key) or a server that does not come back (SIGKILL of one it does not own)
// stops the sweep from starting trials, and `--resume --retries` runs those trials again.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { isAgentOutcome } from '../../core/outcomes.js';
import { freeLoopbackPort } from '../../serving/control/controller.js';
import { ROOT, sweep, sweepIdOf, trials, waitForRows, workspace } from '../e2e/sweep-support.js';
import { llamaServerArgv, realServerPaths, startLlamaServer, type RunningServer } from './support/llama-server.js';

const ws = workspace();
const servers: RunningServer[] = [];
const paused: number[] = [];
afterAll(async () => {
  for (const pid of paused) {
    try {
      process.kill(pid, 'SIGCONT'); // never leave a stopped process behind when a test failed early
    } catch {
      // gone already
    }
  }
  for (const s of servers) await s.stop();
  await ws.cleanup();
});

const BIN = path.join(ROOT, 'bin/pairbench.js');
// Short turns and fast stall deadlines keep each trial to a few seconds; the model is random.
const SWEEP = ['--harness', 'terse', '--task', 'quick', '--max-turns', '1', '--json'];

function pairbench(args: string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], { reject: false, cwd: ROOT, all: true, env });
}

async function server(flags: Parameters<typeof startLlamaServer>[0] = {}): Promise<RunningServer> {
  const s = await startLlamaServer({ ctx: 4096, ...flags });
  servers.push(s);
  return s;
}

interface EventRow {
  kind: string;
  reason: string | null;
  at: string;
  detail_json: string | null;
}

function events(id: string): EventRow[] {
  const conn = new Database(ws.db, { readonly: true });
  try {
    return conn.prepare('SELECT kind, reason, at, detail_json FROM serving_events WHERE sweep_id = ? ORDER BY id').all(id) as EventRow[];
  } finally {
    conn.close();
  }
}

function servingFile(name: string, body: string): string {
  const file = path.join(ws.dir, name);
  writeFileSync(file, body);
  return file;
}

const endpoint = (url: string): string =>
  `[endpoint]\nbase_url = "${url}"\nmodel = "tiny"\ndialect = "llama-server"\nfirst_token_timeout_ms = 1500\nidle_timeout_ms = 1500\n`;

describe('after a serving failure, against a real llama-server', () => {
  it('a frozen server (SIGSTOP): the slot is serving_failed, and no trial starts until /health answers again (SIGCONT)', async () => {
    const s = await server();
    const file = servingFile('frozen.toml', `${endpoint(s.url)}[management]\ntype = "none"\n[health]\ntimeout_ms = 60000\n`);
    const child = pairbench(['run', ...ws.base, ...SWEEP, '--trials', '1', '--retries', '1', '--serving', file]);
    const id = await sweepIdOf(child);
    await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'running'));
    process.kill(s.pid, 'SIGSTOP');
    paused.push(s.pid);
    const [failed] = (await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'serving_failed'))).filter((r) => r.status === 'serving_failed');
    // The runner is now waiting on /health: hold the server frozen a little longer, then thaw it.
    await new Promise((r) => setTimeout(r, 1_000));
    const thawed = new Date().toISOString();
    process.kill(s.pid, 'SIGCONT');

    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    const rows = trials(ws.db, id);
    expect(rows.filter((r) => r.status === 'serving_failed').map((r) => r.id)).toEqual([failed!.id]);
    expect(['PB_SERVING_NO_FIRST_TOKEN', 'PB_SERVING_STALLED']).toContain(failed!.error_code);
    // Nothing ran on the frozen server: every later trial started after it was thawed.
    const later = rows.filter((r) => r.started_at > failed!.started_at);
    expect(later.length).toBeGreaterThan(0);
    for (const r of later) expect(r.started_at > thawed, `${r.id} started ${r.started_at}, thawed ${thawed}`).toBe(true);
    const retry = rows.find((r) => r.slot_index === failed!.slot_index && r.attempt === 2)!;
    expect(isAgentOutcome(retry.status)).toBe(true);
    const ready = events(id).find((e) => e.kind === 'ready' && (e.reason ?? '').includes('after a serving failure'));
    expect(ready, JSON.stringify(events(id))).toBeDefined();
    expect(ready!.reason).toContain(failed!.id);
    expect(ready!.at > thawed && ready!.at <= retry.started_at).toBe(true);
    expect(sweep(ws.db, id)!.status).toBe('completed');
  });

  it('a server pairbench owns, SIGKILLed mid-trial, is restarted (a new pid) before the slot is retried', async () => {
    const port = await freeLoopbackPort();
    const command = llamaServerArgv(realServerPaths(), port, { ctx: 4096 });
    const file = servingFile('owned.toml', `${endpoint(`http://127.0.0.1:${port}`)}[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n[health]\ntimeout_ms = 60000\n`);
    const child = pairbench(['run', ...ws.base, ...SWEEP, '--trials', '1', '--retries', '1', '--serving', file]);
    const id = await sweepIdOf(child);
    await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'running'));
    const start = events(id).find((e) => e.kind === 'start')!;
    const pid = (JSON.parse(start.detail_json!) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL');

    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    const rows = trials(ws.db, id);
    expect(rows.map((r) => r.status)[0]).toBe('serving_failed');
    expect(rows).toHaveLength(2);
    expect(isAgentOutcome(rows[1]!.status)).toBe(true);
    const ev = events(id);
    const restart = ev.find((e) => e.kind === 'restart');
    expect(restart, JSON.stringify(ev)).toBeDefined();
    const detail = JSON.parse(restart!.detail_json!) as { performed: boolean; before: { pid: number }; after: { pid: number } };
    expect(detail).toMatchObject({ performed: true, before: { pid } });
    expect(detail.after.pid).not.toBe(pid);
    // The retry began once the new process was healthy.
    const ready = ev.slice(ev.indexOf(restart!)).find((e) => e.kind === 'ready')!;
    expect(ready.at <= rows[1]!.started_at).toBe(true);
  });

  it('a wrong key: three serving failures in a row stop the sweep with the cause; resume --retries runs them again', async () => {
    const s = await server({ extra: ['--api-key', 'the-right-key'] });
    const flags = ['--base-url', s.url, '--model', 'tiny', '--dialect', 'llama-server', '--api-key-env', 'PB_REAL_SERVER_KEY'];
    const first = await pairbench(['run', ...ws.base, ...SWEEP, ...flags, '--trials', '1', '--retries', '5'], { PB_REAL_SERVER_KEY: 'a-wrong-key' });
    expect(first.exitCode, first.all).toBe(1);
    const id = /"sweepId":"([^"]+)"/.exec(first.stdout)![1]!;
    const rows = trials(ws.db, id);
    // Three attempts, not six: the breaker stopped the rest from starting.
    expect(rows.map((r) => r.status)).toEqual(['serving_failed', 'serving_failed', 'serving_failed']);
    expect(rows[0]!.error_message).toMatch(/401/);
    const halt = events(id).find((e) => e.kind === 'halt');
    expect(halt?.reason).toMatch(/failed 3 trials in a row/);
    expect(first.stdout).toContain('no more trials start');
    expect(first.stdout).toContain(`--resume ${id}`);
    expect(first.stdout).toContain('--retries 1');
    // The stop's cause is the sweep's own record, as any stop of its own is.
    expect(sweep(ws.db, id)).toMatchObject({ status: 'failed', error_code: 'PB_SERVING_HALTED' });
    expect(sweep(ws.db, id)!.error_message).toBe(halt!.reason);
    expect(first.all).not.toContain('the-right-key');

    const again = await pairbench(['run', '--resume', id, '--db', ws.db, '--retries', '0', '--json'], { PB_REAL_SERVER_KEY: 'the-right-key' });
    expect(again.exitCode, again.all).toBe(0);
    const after = trials(ws.db, id);
    expect(after).toHaveLength(3 + 1); // nothing recorded is lost; the slot ran once more
    expect(after[3]!.attempt).toBe(4);
    expect(isAgentOutcome(after[3]!.status), JSON.stringify(after[3])).toBe(true);
    expect(sweep(ws.db, id)).toMatchObject({ status: 'completed', error_code: null, error_message: null });
  });

  it('a server it does not own, SIGKILLed: the sweep stops at once, naming it, its retries left unspent', async () => {
    const s = await server();
    const flags = ['--base-url', s.url, '--model', 'tiny', '--dialect', 'llama-server'];
    const child = pairbench(['run', ...ws.base, ...SWEEP, ...flags, '--trials', '1', '--retries', '3']);
    const id = await sweepIdOf(child);
    await waitForRows(ws.db, id, (rows) => rows.some((r) => r.status === 'running'));
    s.child.kill('SIGKILL');
    const first = await child;
    expect(first.exitCode, first.all).toBe(1);
    const rows = trials(ws.db, id);
    expect(rows.map((r) => r.status)).toEqual(['serving_failed']);
    const halt = events(id).find((e) => e.kind === 'halt');
    expect(halt?.reason).toMatch(/did not come back/);
    expect(halt?.reason).toContain(`127.0.0.1:${s.port}`);
    expect(first.stdout).toContain(`"resumeCommand":"pairbench run --resume ${id}`);
    expect(sweep(ws.db, id)).toMatchObject({ status: 'failed', error_code: 'PB_SERVING_HALTED', error_message: halt!.reason });
  });
});
