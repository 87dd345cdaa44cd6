// `pairbench serving check` through the real CLI against pairbench's simulated server on a
// real port: each lever's measured answer and its evidence, the SIMULATED label, the findings
// saved in the store, the warning a later sweep on that server prints before it starts, and
// one clear message (no stack trace) for a server that is not there or refuses the key.

import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { QUESTION_IDS, type ServingCheck } from '../../serving/check/findings.js';
import { SWEEP_TASKS, pairbench, sweep, trials, workspace } from './sweep-support.js';

const ws = workspace();
const N_CTX = 4096;
let sim: SimulatedServer;
let drafting: SimulatedServer;
beforeAll(async () => {
  [sim, drafting] = await Promise.all([
    startSimulatedServer({ tasksDir: SWEEP_TASKS, timeScale: 0, nCtx: N_CTX }),
    // As a llama-server started with a draft model: it drafts on every request.
    startSimulatedServer({ timeScale: 0, specDefault: 8 }),
  ]);
});
afterAll(async () => {
  await Promise.all([sim.close(), drafting.close()]);
  await ws.cleanup();
});

const target = (url: string): string[] => ['--base-url', url, '--model', 'm', '--dialect', 'llama-server'];

it('measures each lever on the simulated server, says SIMULATED, and saves the findings', async () => {
  const r = await pairbench(['serving', 'check', ...target(sim.url), '--db', ws.db, '--json']);
  expect(r.exitCode, r.all).toBe(0);
  const check = JSON.parse(r.stdout) as ServingCheck & { savedIn: string };
  expect(Object.keys(check.findings)).toEqual(QUESTION_IDS);
  for (const f of Object.values(check.findings)) expect(Object.keys(f).sort()).toEqual(['detail', 'field', 'value', 'verdict']);
  expect(check.target).toEqual({ baseUrl: sim.url, model: 'm', dialect: 'llama-server', simulated: true });
  const f = check.findings;
  expect(f.health).toMatchObject({ verdict: 'yes', value: 200 });
  expect(f.usage.verdict).toBe('yes');
  expect(f.cachedField).toMatchObject({ verdict: 'yes', field: 'timings.cache_n' });
  expect(f.timings.verdict).toBe('yes');
  // The simulator, like current llama-server builds, ignores per-request speculative keys.
  expect(f.speculative).toMatchObject({ verdict: 'no', field: 'timings.draft_n', value: null });
  expect(f.thinking).toMatchObject({ verdict: 'yes', field: 'reasoning_content' });
  expect(f.cacheReuse.verdict).toBe('yes');
  expect(f.cacheReuse.value as number).toBeGreaterThan(0);
  expect(f.cacheOff).toMatchObject({ verdict: 'yes', value: 0 });
  expect(f.contextSize).toMatchObject({ verdict: 'yes', value: N_CTX, field: '/props default_generation_settings.n_ctx' });
  expect(f.outputCap.verdict).toBe('yes');
  expect(f.outputCap.value as number).toBeLessThanOrEqual(8);

  expect(check.savedIn).toBe(ws.db);
  const conn = new Database(ws.db, { readonly: true });
  try {
    const rows = conn.prepare('SELECT base_url, model, simulated, findings_json FROM serving_checks').all() as { base_url: string; model: string; simulated: number; findings_json: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ base_url: sim.url, model: 'm', simulated: 1 });
    expect(JSON.parse(rows[0]!.findings_json)).toEqual(check.findings);
  } finally {
    conn.close();
  }
});

it('finds drafting on a server started with a draft default, in a table marked SIMULATED', async () => {
  const r = await pairbench(['serving', 'check', ...target(drafting.url), '--no-save']);
  expect(r.exitCode, r.all).toBe(0);
  expect(r.stdout).toContain('SIMULATED SERVING');
  expect(r.stdout).toMatch(/^\| speculative keys applied \| yes \| timings\.draft_n = \d+; .*every request/m);
  expect(r.stdout).toMatch(/^\| context size \| 131072 tokens \|/m);
  expect(r.stdout).toContain('Not saved (--no-save)');
});

it('makes a sweep on the checked server warn before it starts, and records it as simulated', { timeout: 120_000 }, async () => {
  // The check of the first test is in ws.db; terse asks for speculative decoding.
  const r = await pairbench(['run', ...ws.base, '--harness', 'terse', '--task', 'quick', '--trials', '1', ...target(sim.url)]);
  expect(r.exitCode, r.all).toBe(0);
  const warning = r.stderr.split('\n').find((l) => l.includes('speculative decoding per request'));
  expect(warning, r.stderr).toContain(`the serving check of ${sim.url} (`);
  expect(warning).toContain('found it not honoured (timings.draft_n');
  expect(r.all.indexOf('the serving check of')).toBeLessThan(r.all.indexOf('trials planned'));

  // pairbench's own simulated server, reached by URL, is still recorded as simulated.
  const id = /sweep (sw-\S+) completed/.exec(r.stdout)![1]!;
  expect(r.stderr).toContain("pairbench's simulated server");
  expect(sweep(ws.db, id)!.simulated).toBe(1);
  const rows = trials(ws.db, id);
  expect(rows.length).toBeGreaterThan(0);
  for (const t of rows) expect(t.simulated).toBe(1);
});

it('names the URL and the fix when nothing answers there', async () => {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((res) => srv.close(() => res()));
  const r = await pairbench(['serving', 'check', ...target(`http://127.0.0.1:${port}`), '--db', ws.db]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toContain(`nothing answers at http://127.0.0.1:${port}/health (ECONNREFUSED): start the server, or check --base-url`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

it('says the key was refused, naming its variable, and never prints it', async () => {
  // Answers as llama-server started with --api-key does: /health is open, the API is not.
  const keyed: Server = createHttpServer((req, res) => {
    if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    const ok = req.headers.authorization === 'Bearer right-key';
    res.writeHead(ok ? 500 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 401, message: 'Invalid API Key', type: 'authentication_error' } }));
  });
  await new Promise<void>((res) => keyed.listen(0, '127.0.0.1', res));
  try {
    const url = `http://127.0.0.1:${(keyed.address() as { port: number }).port}`;
    const r = await pairbench(['serving', 'check', ...target(url), '--api-key-env', 'PB_CHECK_KEY', '--no-save'], { PB_CHECK_KEY: 'wrong-key-123' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('refused the API key (HTTP 401');
    expect(r.stderr).toContain('set PB_CHECK_KEY to the key the server was started with');
    expect(r.all).not.toContain('wrong-key-123');
    expect(r.stderr).not.toMatch(/\n\s+at /);

  } finally {
    await new Promise<void>((res) => keyed.close(() => res()));
  }
});
