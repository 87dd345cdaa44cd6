// Sustained requests per second of the simulated server at time-scale 0 (no modelled
// waiting): what it costs to run the suite's many turns through it. Streamed requests with
// usage, sequential and with 4 concurrent clients, medians over several runs. The server
// runs in its own process, as a sweep runs it, so the load generator does not share its
// event loop.
//
//   npm run build && npm run bench:sim [-- --runs 5 --seconds 2]

import './support/clean-exit.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TERSE_SYSTEM_PROMPT } from '../core/contracts.js';
import { median as medianOf } from '../reports/stats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const RUNS = arg('runs', 5);
const SECONDS = arg('seconds', 2);
const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');

// A mid-sized agent turn: system prompt, the instruction, a few earlier turns.
const history = Array.from({ length: 6 }, (_, i) => [
  { role: 'assistant', content: `<think>step ${i}</think>\n<cmd>ls -la /app/dir${i}</cmd>` },
  { role: 'user', content: `exit code 0\n${'total 8\ndrwxr-xr-x 2 root root 4096 . \n'.repeat(10)}` },
]).flat();
const body = JSON.stringify({
  model: 'pairbench-simulated',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'system', content: TERSE_SYSTEM_PROMPT }, { role: 'user', content: 'Set up a git repository.' }, ...history],
});

async function oneRequest(url: string): Promise<void> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-pairbench-task': 'git-init' },
    body,
  });
  const text = await res.text();
  if (!text.endsWith('data: [DONE]\n\n')) throw new Error('stream did not finish');
}

/** Requests per second with `clients` loops sending back to back for SECONDS. */
async function measure(url: string, clients: number): Promise<number> {
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await oneRequest(url);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

// The server in a child process, started from the compiled module directly so the figure
// does not depend on the rest of the CLI loading.
async function serve(slots: number): Promise<{ url: string; stop(): Promise<void> }> {
  const server = new URL('../simulator/server.js', import.meta.url).href;
  const code = `
    const { startSimulatedServer } = await import(${JSON.stringify(server)});
    const s = await startSimulatedServer({ timeScale: 0, slots: ${slots}, tasksDir: ${JSON.stringify(join(ROOT, 'tasks'))} });
    process.stdout.write('listening on ' + s.url + '\\n');
    process.once('SIGTERM', () => s.close());`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulated server exited with ${code}`)));
  });
  return {
    url: line.replace(/^listening on /, ''),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const median = (xs: number[]): number => medianOf(xs) ?? NaN;

async function main(): Promise<void> {
  const slotsFor = { 1: 1, 4: 4 } as const;
  const results: Record<number, number[]> = { 1: [], 4: [] };
  // Runs alternate between the two shapes so machine noise hits both alike.
  for (let run = 0; run < RUNS; run++) {
    for (const clients of [1, 4] as const) {
      const server = await serve(slotsFor[clients]);
      try {
        await measure(server.url, clients); // warm-up: JIT, keep-alive sockets
        results[clients]!.push(await measure(server.url, clients));
      } finally {
        await server.stop();
      }
    }
  }
  const seq = median(results[1]!);
  const conc = median(results[4]!);
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
  process.stdout.write(
    [
      `simulated server throughput, time-scale 0, streamed turns of ${Math.ceil(body.length / 4)} prompt tokens (${RUNS} runs x ${SECONDS} s, server in its own process)`,
      `  sequential (1 client, 1 slot):     median ${seq.toFixed(0)} req/s   [${fmt(results[1]!)}]`,
      `  concurrent (4 clients, 4 slots):   median ${conc.toFixed(0)} req/s   [${fmt(results[4]!)}]`,
      `  concurrent / sequential:           ${(conc / seq).toFixed(2)}x`,
      '',
    ].join('\n'),
  );
}

await main();
