// The model client against its floor: the same streamed request as a bare http.request to the
// same server, alternately, against the simulated server at time-scale 0 (so the server adds
// no modelled delay). The ratio of the whole call's medians is what the goal is set on; the
// client's own overhead (its TTFT minus the bare request's first token) is printed as context.
// (The simulated server's sustained throughput is npm run bench:sim.)
//
//   npm run bench:client [-- --calls 300]

import './support/clean-exit.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createModelClient } from '../serving/client/create.js';
import type { ChatMessage, ChatRequest } from '../serving/client/types.js';
import { percentileSorted } from '../reports/stats.js';
import { printRatio, printRatioTable, type RatioRow } from './support/floor.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const CALLS = flag('calls', 300);
// The client parses the stream into telemetry and a reply: a few percent over the bare bytes.
const GOAL = 1.2;
const WARMUP = 40;

// An agent-sized turn: a system prompt, a task, a couple of exchanged turns.
const messages: ChatMessage[] = [
  { role: 'system', content: `You drive a Linux shell to finish a task. ${'Reply with exactly one command per turn and keep it short. '.repeat(40)}` },
  { role: 'user', content: 'Create hello.txt containing "hello" in /app.' },
  { role: 'assistant', content: 'ls -la /app' },
  { role: 'user', content: 'total 8\ndrwxr-xr-x 2 root root 4096 .\ndrwxr-xr-x 1 root root 4096 ..' },
];
const chatRequest: ChatRequest = { messages, thinking: false, temperature: 0, seed: 1, maxTokens: 256 };

// The server runs in its own process (as in a sweep), so its work never shares the client's
// event loop. It is started from its module rather than the CLI to keep the CLI's start-up
// out of the way.
async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const serverModule = new URL('../simulator/server.js', import.meta.url).href;
  const code = `const { startSimulatedServer } = await import(${JSON.stringify(serverModule)});
const s = await startSimulatedServer({ port: 0, timeScale: 0 });
console.log('listening on ' + s.url);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulated server exited (${code}) before listening`)));
  });
  return { url, child };
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const rawBody = JSON.stringify({ model: 'pairbench-simulated', messages, stream: true, stream_options: { include_usage: true }, chat_template_kwargs: { enable_thinking: false }, temperature: 0, seed: 1, max_tokens: 256 });

/** A bare streamed request: ms to the first body bytes carrying a token, and to the end. */
function rawCall(url: string): Promise<{ ttfbMs: number; wallMs: number }> {
  const u = new URL('/v1/chat/completions', url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first: number | null = null;
    let seen = '';
    const req = httpRequest(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream' } },
      (res) => {
        res.on('data', (b: Buffer) => {
          if (first !== null) return;
          // Reference measurement only: the first chunk whose delta carries text (the role
          // chunk has "content":null).
          seen += b.toString('utf8');
          if (/"(content|reasoning_content)":"/.test(seen)) first = performance.now();
        });
        res.on('end', () => resolve({ ttfbMs: (first ?? performance.now()) - t0, wallMs: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(rawBody);
  });
}

const quantile = (xs: number[], q: number): number => percentileSorted(Float64Array.from(xs).sort(), q) ?? NaN;
const median = (xs: number[]): number => quantile(xs, 0.5);
const f = (x: number, d = 3): string => x.toFixed(d);

async function main(): Promise<void> {
  const { url, child } = await startServer();
  try {
    const client = createModelClient({ baseUrl: url, model: 'pairbench-simulated', dialect: 'llama-server', apiKeyEnv: null, simulated: true });
    for (let i = 0; i < WARMUP; i++) {
      await client.chat(chatRequest);
      await rawCall(url);
    }
    const clientTtft: number[] = [];
    const rawTtfb: number[] = [];
    const pairDiff: number[] = [];
    const clientWall: number[] = [];
    const rawWall: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      // Alternate which goes first, so neither always gets the warmer socket.
      const clientFirst = i % 2 === 0;
      let raw = clientFirst ? null : await rawCall(url);
      const r = await client.chat(chatRequest);
      raw ??= await rawCall(url);
      const ttft = r.telemetry.ttftMs ?? r.telemetry.wallMs;
      clientTtft.push(ttft);
      rawTtfb.push(raw.ttfbMs);
      pairDiff.push(ttft - raw.ttfbMs);
      clientWall.push(r.telemetry.wallMs);
      rawWall.push(raw.wallMs);
    }

    const overhead = median(pairDiff);
    console.log(`${CALLS} alternating pairs (after ${WARMUP} warm-up pairs), simulated server at time-scale 0`);
    console.log(`  client TTFT            median ${f(median(clientTtft))} ms   p90 ${f(quantile(clientTtft, 0.9))} ms`);
    console.log(`  raw http first token   median ${f(median(rawTtfb))} ms   p90 ${f(quantile(rawTtfb, 0.9))} ms`);
    console.log(`  overhead (TTFT - raw)  median ${f(overhead)} ms   p90 ${f(quantile(pairDiff, 0.9))} ms\n`);
    const row: RatioRow = {
      what: 'a streamed model call through the client (whole call)',
      floorName: 'the same request as a bare http.request',
      goal: GOAL,
      samples: { subject: clientWall, floor: rawWall },
    };
    printRatio(row);
    printRatioTable([row]);
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
  }
}

await main();
