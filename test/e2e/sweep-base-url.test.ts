// --base-url, for a server pairbench does not own: where nothing listens the sweep fails
// within seconds naming the URL (the test's timeout is the bound, far below the ten-minute
// health wait); credentials in the URL are refused before anything is stored or printed.
// (A sweep on pairbench's simulated server reached by URL: serving-check.test.ts.)

import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { pairbench, workspace } from './sweep-support.js';

const ws = workspace();
afterAll(async () => {
  await ws.cleanup();
});

const model = ['--model', 'm', '--dialect', 'llama-server'];

async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

it('fails within seconds, naming the URL, when nothing listens there', { timeout: 45_000 }, async () => {
  const url = `http://127.0.0.1:${await deadPort()}`;
  const r = await pairbench(['run', ...ws.base, '--harness', 'terse', '--task', 'quick', '--trials', '1', '--base-url', url, ...model]);
  expect(r.exitCode, r.all).toBe(1);
  expect(r.all).toContain(`nothing answers at ${url}`);
  expect(r.all).toContain('--base-url');
});

it('refuses credentials in the URL, naming --api-key-env, and never prints or stores them', async () => {
  const r = await pairbench(['run', ...ws.base, '--harness', 'terse', '--task', 'quick', '--trials', '1', '--base-url', 'http://alice:s3cr3t-pw@127.0.0.1:9/v1', ...model]);
  expect(r.exitCode, r.all).toBe(1);
  expect(r.stderr).toContain('--api-key-env');
  expect(r.stderr).toContain('credentials');
  expect(r.all).not.toContain('s3cr3t-pw');
  if (existsSync(ws.db)) expect(readFileSync(ws.db).includes('s3cr3t-pw')).toBe(false);
});
