// What the recording proxy costs an agent: time to first byte of a streamed chat call
// through the proxy against straight to the simulated server (time-scale 0, so the server
// itself answers at once), side by side in one run. Each round runs every arm once, the
// rounds going through every order of the arms in turn, at concurrency 1 and 4; medians and
// p90 from the same minutes. Target: under 1 ms
// added at the median. The server and the proxy each run on a thread of their own, as in a
// sweep (the server is its own process, the proxy lives in the sweep's main thread), so the
// client's own work is not charged to either. The proxy records as in a sweep, on its own
// thread: each call a turn row in a SQLite store, request and reply appended to a transcript.
// A third arm, a bare relay (node:http in, node:http out, nothing read or recorded, on a
// thread of its own too), says what any Node hop costs on the machine, apart from the proxy's
// own work.

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AGENT_DEFAULT_LEVERS } from '../core/harness.js';
import { startRecordingProxy } from '../proxy/server.js';
import { percentileSorted } from '../reports/stats.js';
import { TranscriptFile } from '../runner/transcript-file.js';
import { TRANSCRIPT_FILE } from '../runner/trial.js';
import { startSimulatedServer } from '../simulator/server.js';
import { openStore } from '../store/db.js';
import { insertSweep } from '../store/records.js';
import { sweepRecorder } from '../store/recorder.js';
import { ROOT } from './support/floor.js';

const CALLS = Number(process.env.PAIRBENCH_BENCH_CALLS ?? 1000);
const TRIAL = { trialId: 'bench-t', task: 'git-init' };
// The headers the proxy adds to each call it forwards for the bench's trial.
const TRIAL_HEADERS = { accept: 'text/event-stream', 'x-pairbench-task': TRIAL.task, 'x-pairbench-trial': TRIAL.trialId };
const WARMUP = 40;

interface Arm {
  name: 'direct' | 'proxy' | 'relay';
  url: URL;
  key: string | null;
  /** What the proxy adds on its way: sent straight by the direct arm, so the server does the same work for both. */
  headers: Record<string, string>;
  agent: Agent;
}

/**
 * Milliseconds from sending a streamed call to its first body byte; the rest is read to the end.
 * The server closes a stream's connection once it ends (as llama-server does), so a kept-alive
 * socket can close just as it is reused: that call goes again on a new socket, as agents'
 * clients retry it, and is timed from its second start.
 */
function ttfb(arm: Arm, body: Buffer, again = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first: number | null = null;
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': body.length, ...arm.headers };
    if (arm.key !== null) headers.authorization = `Bearer ${arm.key}`;
    const req = request(arm.url, { method: 'POST', agent: again ? false : arm.agent, headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${arm.name}: HTTP ${res.statusCode}`));
      res.on('data', () => {
        first ??= performance.now() - t0;
      });
      res.on('end', () => (first === null ? reject(new Error(`${arm.name}: empty response (${res.statusCode})`)) : resolve(first)));
      res.on('error', reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (!again && req.reusedSocket && e.code === 'ECONNRESET') resolve(ttfb(arm, body, true));
      else reject(new Error(`${arm.name}: ${e.message}`));
    });
    req.end(body);
  });
}

function stats(values: number[]): { median: number; p90: number } {
  const sorted = Float64Array.from(values).sort();
  return { median: percentileSorted(sorted, 0.5)!, p90: percentileSorted(sorted, 0.9)! };
}

async function measure(arms: Arm[], body: Buffer, concurrency: number): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = { direct: [], proxy: [], relay: [] };
  const orders = permutations(arms);
  const rounds = Math.ceil(CALLS / concurrency);
  for (let i = 0; i < rounds + WARMUP; i++) {
    // Every order in turn, so each arm runs before and after each other as often: whatever
    // one arm leaves behind (sockets closing, a scavenge) lands on all alike.
    const order = orders[i % orders.length]!;
    for (const arm of order) {
      const times = await Promise.all(Array.from({ length: concurrency }, () => ttfb(arm, body)));
      if (i >= WARMUP) out[arm.name]!.push(...times);
    }
  }
  return out;
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((first, k) => permutations([...items.slice(0, k), ...items.slice(k + 1)]).map((rest) => [first, ...rest]));
}

type Role = { role: 'sim' } | { role: 'proxy'; upstream: string } | { role: 'relay'; upstream: string };

/** The bare relay: what a Node HTTP hop costs with nothing read, parsed or recorded. */
async function startRelay(upstream: string): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL('/v1/chat/completions', upstream);
  // The server closes a stream's connection once it ends: each call a new one, as the proxy does then.
  const agent = new Agent({ keepAlive: false });
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const headers = { ...TRIAL_HEADERS, 'content-type': 'application/json', 'content-length': body.length };
      const up = request(target, { method: 'POST', agent, headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, { 'content-type': ur.headers['content-type'] ?? 'text/event-stream' });
        ur.on('data', (c: Buffer) => res.write(c));
        ur.on('end', () => res.end());
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
type Started = { url: string; key?: string };

/** A thread running the simulated server or the proxy until the bench ends; it says where it listens. */
async function serveInThread(): Promise<void> {
  const job = workerData as Role;
  let close: () => Promise<void>;
  if (job.role === 'sim') {
    const sim = await startSimulatedServer({ timeScale: 0, tasksDir: path.join(ROOT, 'tasks'), slots: 4 });
    close = () => sim.close();
    parentPort!.postMessage({ url: sim.url } satisfies Started);
  } else if (job.role === 'relay') {
    const relay = await startRelay(job.upstream);
    close = relay.close;
    parentPort!.postMessage({ url: relay.url } satisfies Started);
  } else {
    const proxy = await startRecordingProxy({
      upstream: { baseUrl: job.upstream, model: 'pairbench-simulated', dialect: 'llama-server', apiKeyEnv: null, simulated: true },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'pairbench-bench-proxy-'));
    const db = openStore(path.join(dir, 'pairbench.sqlite'));
    insertSweep(db, {
      id: 'bench', created_at: new Date().toISOString(), finished_at: null, status: 'running', config_json: '{}', plan_json: null, git_commit: null,
      git_dirty: null, host: null, engine_version: null, serving_kind: 'simulated', simulated: 1, serving_provenance_json: null, pairbench_version: null,
    });
    const recorder = sweepRecorder(db);
    const info = { ...TRIAL, harness: 'pi', trialIndex: 0, slotIndex: 0, groupIndex: 0, attempt: 1 };
    recorder.onTrialStart({ ...info, sweepId: 'bench', harnessBase: 'agent', harnessConfig: { levers: null, limits: { maxTurns: 0, maxOutputTokens: 0, observationBytes: 0 } }, simulated: true, containerName: 'bench', trialDir: dir, startedAt: new Date().toISOString() }, {} as never);
    let turns = 0;
    const transcript = new TranscriptFile(path.join(dir, TRANSCRIPT_FILE));
    const trial = proxy.openTrial({
      trialId: info.trialId,
      task: info.task,
      levers: AGENT_DEFAULT_LEVERS,
      onTurn: (turn) => {
        turns++;
        recorder.onTurn(info as never, turn);
      },
      transcript: (entry) => transcript.append(entry),
    });
    close = async () => {
      await proxy.close();
      transcript.close();
      parentPort!.postMessage({ turns });
      db.close();
      rmSync(dir, { recursive: true, force: true });
    };
    parentPort!.postMessage({ url: proxy.url, key: trial.key } satisfies Started);
  }
  parentPort!.once('message', () => void close().then(() => process.exit(0)));
}

function thread(role: Role): Promise<{ worker: Worker; started: Started }> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: role });
  return new Promise((resolve, reject) => {
    worker.once('message', (started: Started) => resolve({ worker, started }));
    worker.once('error', reject);
  });
}

async function stop(worker: Worker): Promise<unknown> {
  const last = new Promise((resolve) => worker.once('message', resolve));
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.postMessage('stop');
  return Promise.race([last, exited]);
}

async function main(): Promise<void> {
  const simThread = await thread({ role: 'sim' });
  const proxyThread = await thread({ role: 'proxy', upstream: simThread.started.url });
  const relayThread = await thread({ role: 'relay', upstream: simThread.started.url });
  const sim = { url: simThread.started.url };
  const proxy = { url: proxyThread.started.url };
  const trial = { key: proxyThread.started.key! };
  const body = Buffer.from(
    JSON.stringify({
      model: 'pairbench-simulated',
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: 'system', content: 'You are a coding agent.' },
        { role: 'user', content: 'Create a git repository in /app/project with a README.md and a .gitignore, committed on branch main.' },
      ],
      tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }],
    }),
  );
  try {
    console.log('# Recording proxy: time to first byte, through the proxy vs straight to the simulated server');
    console.log(`(simulated server at time-scale 0; ${CALLS} calls per arm and concurrency after ${WARMUP} warm-up rounds; arms take turns going first)`);
    console.log('');
    console.log('| concurrency | direct median ms | proxy median ms | added at median ms | direct p90 ms | proxy p90 ms | added at p90 ms | a bare relay adds at median ms |');
    console.log('|---|---|---|---|---|---|---|---|');
    // A deep turn as well: an agent 40 tool calls into a task sends its whole history each call.
    const history = Array.from({ length: 40 }, (_, i) => [
      { role: 'assistant', content: null, tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command: `ls -la /app/project/src/module${i}` }) } }] },
      { role: 'tool', tool_call_id: `c${i}`, content: `total ${i}\n${'-rw-r--r-- 1 root root 4096 Nov 30 12:00 file.ts\n'.repeat(40)}` },
    ]).flat();
    const deep = JSON.parse(body.toString()) as { messages: unknown[] };
    deep.messages.push(...history);
    const deepBody = Buffer.from(JSON.stringify(deep));
    for (const [label, concurrency, sent] of [['1', 1, body], ['4', 4, body], [`1, a ${Math.round(deepBody.length / 1024)} KB history`, 1, deepBody]] as const) {
      const arms: Arm[] = [
        { name: 'direct', url: new URL('/v1/chat/completions', sim.url), key: null, headers: TRIAL_HEADERS, agent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
        { name: 'proxy', url: new URL('/v1/chat/completions', proxy.url), key: trial.key, headers: {}, agent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
        { name: 'relay', url: new URL('/v1/chat/completions', relayThread.started.url), key: null, headers: {}, agent: new Agent({ keepAlive: true, maxSockets: concurrency }) },
      ];
      const got = await measure(arms, sent, concurrency);
      const d = stats(got.direct!);
      const p = stats(got.proxy!);
      const r = stats(got.relay!);
      const f = (x: number): string => x.toFixed(3);
      console.log(`| ${label} | ${f(d.median)} | ${f(p.median)} | ${f(p.median - d.median)} | ${f(d.p90)} | ${f(p.p90)} | ${f(p.p90 - d.p90)} | ${f(r.median - d.median)} |`);
      for (const a of arms) a.agent.destroy();
    }
    const recorded = (await stop(proxyThread.worker)) as { turns?: number } | undefined;
    console.log('');
    console.log(`Target: under 1 ms added at the median. The proxy recorded ${recorded?.turns ?? '?'} calls as turn rows in a SQLite store, with their transcripts, while measured.`);
    console.log('The last column is the same measure for the bare relay: the part of the proxy\'s figure any Node HTTP hop costs here.');
  } finally {
    await stop(proxyThread.worker);
    await stop(relayThread.worker);
    await stop(simThread.worker);
  }
}

if (!isMainThread) void serveInThread();
else main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
