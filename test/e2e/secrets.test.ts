// An API key given through --api-key-env reaches the server and nothing else: not the
// store, not the trial directories (transcripts, mount files, logs), not any report format.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { ROOT, workspace, type Workspace } from './sweep-support.js';

const BIN = path.join(ROOT, 'bin/pairbench.js');
const KEY = `sk-pairbench-test-${randomBytes(12).toString('hex')}`;

let server: SimulatedServer;
let ws: Workspace;
const seen: IncomingHttpHeaders[] = [];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

beforeAll(async () => {
  server = await startSimulatedServer({ tasksDir: path.join(ROOT, 'tasks'), timeScale: 0 });
  ws = workspace();
});

afterAll(async () => {
  await ws?.cleanup();
  await server?.close();
});

describe('an API key from the environment', () => {
  it('is sent to the server and written nowhere', async () => {
    // A recording proxy in front of the simulated server proves the key does leave the client.
    const http = await import('node:http');
    const proxy = http.createServer((req, res) => {
      seen.push(req.headers);
      const url = new URL(server.url);
      const up = http.request({ host: url.hostname, port: url.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    try {
      const run = await execa(
        'node',
        [BIN, 'run', '--harness', 'terse', 'tmux', '--task', 'fizzbuzz', '--trials', '1', '--tasks-dir', path.join(ROOT, 'tasks'),
          '--db', ws.db, '--runs-dir', ws.runs, '--base-url', `http://127.0.0.1:${port}`, '--model', 'm', '--dialect', 'llama-server',
          '--api-key-env', 'PAIRBENCH_TEST_KEY', '--json'],
        { cwd: ROOT, reject: false, all: true, env: { PAIRBENCH_TEST_KEY: KEY } },
      );
      expect(run.exitCode, run.all).toBe(0);
      expect(run.all).not.toContain(KEY);
    } finally {
      proxy.close();
    }
    expect(seen.filter((h) => h.authorization === `Bearer ${KEY}`).length).toBeGreaterThan(0);

    const outputs: string[] = [];
    for (const format of ['markdown', 'json', 'csv', 'html']) {
      const r = await execa('node', [BIN, 'report', '--db', ws.db, '--format', format], { cwd: ROOT, reject: false, all: true });
      expect(r.exitCode, r.all).toBe(0);
      outputs.push(r.all);
    }
    for (const out of outputs) expect(out).not.toContain(KEY);

    const written = filesUnder(ws.dir);
    expect(written.some((f) => f.endsWith('transcript.jsonl'))).toBe(true);
    const holding = written.filter((f) => readFileSync(f).includes(KEY));
    expect(holding).toEqual([]);
  });
});
