// The simulated llama-server over real HTTP: health while loading, what it says about
// itself, streamed and whole completions with llama-server's usage and timings, the prefix
// cache, thinking and speculation, each injected fault, and the `serve --simulated` CLI.

import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createParser } from 'eventsource-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseTerse, TERSE_CORRECTION, TERSE_SYSTEM_PROMPT } from '../../core/contracts.js';
import { startSimulatedServer, type SimOptions, type SimulatedServer } from '../../simulator/server.js';
import type { Timings, Usage } from '../../simulator/wire.js';

const ROOT = join(import.meta.dirname, '..', '..');
const tasksDir = mkdtempSync(join(tmpdir(), 'pb-sim-server-'));
mkdirSync(join(tasksDir, 'three', 'solution'), { recursive: true });
writeFileSync(join(tasksDir, 'three', 'instruction.md'), 'Create three files named a, b and c in /app.\n');
writeFileSync(join(tasksDir, 'three', 'solution', 'solve.sh'), '#!/bin/bash\ntouch /app/a\ntouch /app/b\ntouch /app/c\n');
afterAll(() => rmSync(tasksDir, { recursive: true, force: true }));

const servers: SimulatedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function sim(options: SimOptions = {}): Promise<SimulatedServer> {
  const s = await startSimulatedServer({ port: 0, timeScale: 0, tasksDir, ...options });
  servers.push(s);
  return s;
}

type Msg = { role: string; content: string };
const SYSTEM = `${TERSE_SYSTEM_PROMPT}\n${'Keep going until the task is done. '.repeat(30)}`;
const firstTurn = (): Msg[] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: 'Create three files named a, b and c in /app.' },
];
const HEADERS = { 'content-type': 'application/json', 'x-pairbench-task': 'three', 'x-pairbench-trial': 'trial-1' };

interface Chunk {
  choices: Array<{ delta: { role?: string; content?: string | null; reasoning_content?: string }; finish_reason: string | null }>;
  usage?: Record<string, unknown> & { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  timings?: Timings;
  system_fingerprint: string;
}

async function streamChat(url: string, body: Record<string, unknown>, headers: Record<string, string> = HEADERS) {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ stream: true, ...body }) });
  const data: string[] = [];
  const parser = createParser({ onEvent: (e) => data.push(e.data) });
  const decoder = new TextDecoder();
  for await (const part of res.body!) parser.feed(decoder.decode(part as Uint8Array, { stream: true }));
  return { res, data };
}

function summarise(data: string[]) {
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join('');
  const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  return { chunks, reasoning, content };
}

describe('health and introspection', () => {
  it('answers 503 Loading model during the load time, then 200', async () => {
    const s = await sim({ loadTimeMs: 2000 }); // long enough that a loaded machine still asks before it is ready
    const loading = await fetch(`${s.url}/health`);
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    expect((await fetch(`${s.url}/v1/models`)).status).toBe(503);
    let status = 503;
    while (status === 503) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${s.url}/health`)).status;
    }
    expect(status).toBe(200);
    expect(await (await fetch(`${s.url}/health`)).json()).toEqual({ status: 'ok' });
  });

  it('describes itself like llama-server and marks itself simulated', async () => {
    const s = await sim({ slots: 2, timeScale: 0.5, cost: { decodeTps: 33 } });
    const models = await fetch(`${s.url}/v1/models`);
    expect(models.headers.get('x-pairbench-simulated')).toBe('1');
    expect(await models.json()).toMatchObject({ object: 'list', data: [{ id: 'pairbench-simulated', object: 'model' }] });
    const props = (await (await fetch(`${s.url}/props`)).json()) as Record<string, unknown>;
    expect(props).toMatchObject({ pairbench_simulated: true, total_slots: 2, time_scale: 0.5, cost_model: { decodeTps: 33, prefillTps: 1150 } });
    expect(props.default_generation_settings).toMatchObject({ n_ctx: 131072 });
    const slots = (await (await fetch(`${s.url}/slots`)).json()) as Array<Record<string, unknown>>;
    expect(slots).toEqual([
      expect.objectContaining({ id: 0, n_ctx: 131072, is_processing: false, n_past: 0 }),
      expect.objectContaining({ id: 1, n_ctx: 131072, is_processing: false, n_past: 0 }),
    ]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^llamacpp:prompt_tokens_total 0$/m);
    expect(metrics).toMatch(/^pairbench_simulated_requests_total 0$/m);
    const missing = await fetch(`${s.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 404 } });
  });
});

describe('chat completions', () => {
  it('streams role, reasoning, content, finish, usage, [DONE] with llama-server timings', async () => {
    const s = await sim();
    const { res, data } = await streamChat(s.url, { messages: firstTurn(), stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(res.headers.get('x-pairbench-simulated')).toBe('1');
    const { chunks, reasoning, content } = summarise(data);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: null });
    const kinds = chunks.slice(1, -2).map((c) => (c.choices[0]!.delta.reasoning_content !== undefined ? 'r' : 'c'));
    expect(kinds.join('')).toMatch(/^r+c+$/);
    expect(reasoning.length).toBe(256 * 4);
    expect(parseTerse(content)).toMatchObject({ ok: true, value: { kind: 'cmd', command: 'touch /app/a' } });
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]!.finish_reason).toBe('stop');
    expect(finish.timings).toBeUndefined();
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(chunks.every((c) => c.system_fingerprint === 'pairbench-simulated')).toBe(true);
    const u = last.usage!;
    const t = last.timings!;
    expect(t.cache_n).toBe(0);
    expect(t.prompt_n).toBe(u.prompt_tokens);
    expect(u.prompt_tokens_details.cached_tokens).toBe(0);
    expect(u.completion_tokens).toBe(t.predicted_n);
    expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    expect(t.predicted_per_second).toBeCloseTo(40);
    expect(t.prompt_ms).toBeGreaterThan(0);
    expect(t).not.toHaveProperty('draft_n');
  });

  it('puts timings on the finish chunk without include_usage', async () => {
    const s = await sim();
    const { chunks } = summarise((await streamChat(s.url, { messages: firstTurn() })).data);
    const finish = chunks.at(-1)!;
    expect(finish.choices[0]!.finish_reason).toBe('stop');
    expect(finish.timings).toMatchObject({ prompt_n: expect.any(Number), predicted_n: expect.any(Number) });
    expect(finish.usage).toBeUndefined();
  });

  it('the next turn hits the prefix cache and plays the next command', async () => {
    const s = await sim();
    const messages = firstTurn();
    const one = summarise((await streamChat(s.url, { messages, stream_options: { include_usage: true } })).data);
    messages.push({ role: 'assistant', content: one.content }, { role: 'user', content: 'exit code 0' });
    const two = summarise((await streamChat(s.url, { messages, stream_options: { include_usage: true } })).data);
    expect(parseTerse(two.content)).toMatchObject({ ok: true, value: { command: 'touch /app/b' } });
    const t1 = one.chunks.at(-1)!.timings!;
    const t2 = two.chunks.at(-1)!.timings!;
    const u2 = two.chunks.at(-1)!.usage!;
    expect(t2.cache_n).toBeGreaterThan(0);
    expect(u2.prompt_tokens_details.cached_tokens).toBe(t2.cache_n);
    expect(t2.prompt_n + t2.cache_n).toBe(u2.prompt_tokens);
    expect(t2.prompt_n).toBeLessThan(u2.prompt_tokens);
    expect(t2.prompt_ms).toBeLessThan(t1.prompt_ms);
    const slots = (await (await fetch(`${s.url}/slots`)).json()) as Array<{ n_past: number }>;
    expect(slots[0]!.n_past).toBeGreaterThan(u2.prompt_tokens);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^pairbench_simulated_requests_total 2$/m);
    expect(metrics).toMatch(/^pairbench_simulated_cache_hits_total 1$/m);
    // The same body again is a full hit: one token is still processed.
    const again = summarise((await streamChat(s.url, { messages: [...messages], stream_options: { include_usage: true } }, { 'content-type': 'application/json' })).data);
    expect(again.chunks.at(-1)!.timings!.prompt_n).toBeGreaterThanOrEqual(1);
  });

  it('thinking off sends no reasoning; speculation adds draft figures', async () => {
    const s = await sim({ cost: { slowdownPerRequest: 0 } });
    const off = summarise(
      (await streamChat(s.url, { messages: firstTurn(), chat_template_kwargs: { enable_thinking: false }, stream_options: { include_usage: true } })).data,
    );
    expect(off.reasoning).toBe('');
    const none = summarise((await streamChat(s.url, { messages: firstTurn(), reasoning_effort: 'none', stream_options: { include_usage: true } })).data);
    expect(none.reasoning).toBe('');
    // Per-request speculative keys do nothing, as on current llama-server builds.
    const keys = summarise(
      (await streamChat(s.url, { messages: firstTurn(), 'speculative.n_max': 16, stream_options: { include_usage: true } }, { 'content-type': 'application/json' })).data,
    );
    const t = keys.chunks.at(-1)!.timings!;
    expect(t).not.toHaveProperty('draft_n');
    expect(t.predicted_per_second).toBeCloseTo(40);
    expect(off.chunks.at(-1)!.usage!.completion_tokens).toBeLessThan(keys.chunks.at(-1)!.usage!.completion_tokens);
  });

  it('a server started with a draft model (--spec-default) drafts on every request, faster', async () => {
    const s = await sim({ specDefault: 8, cost: { slowdownPerRequest: 0 } });
    const { chunks } = summarise((await streamChat(s.url, { messages: firstTurn(), stream_options: { include_usage: true } })).data);
    const t = chunks.at(-1)!.timings!;
    expect(t.draft_n).toBeGreaterThan(0);
    expect(t.draft_n_accepted).toBeGreaterThan(0);
    expect(t.predicted_per_second).toBeCloseTo(60);
  });

  it('answers a body that is not JSON with 500, as llama-server does', async () => {
    const s = await sim();
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: '{bad' });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('server_error');
  });

  it('answers a non-streaming request with content, reasoning, usage and timings', async () => {
    const s = await sim();
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ messages: firstTurn() }) });
    const body = (await res.json()) as {
      object: string;
      system_fingerprint: string;
      choices: Array<{ message: { content: string; reasoning_content?: string }; finish_reason: string }>;
      usage: Usage;
      timings: Timings;
    };
    expect(body.object).toBe('chat.completion');
    expect(body.system_fingerprint).toBe('pairbench-simulated');
    expect(parseTerse(body.choices[0]!.message.content)).toMatchObject({ ok: true, value: { command: 'touch /app/a' } });
    expect(body.choices[0]!.message.reasoning_content).toHaveLength(1024);
    expect(body.choices[0]!.finish_reason).toBe('stop');
    expect(body.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: body.timings.predicted_n });
  });

  it('honours max_tokens with finish_reason length', async () => {
    const s = await sim();
    const { chunks } = summarise((await streamChat(s.url, { messages: firstTurn(), max_tokens: 10, stream_options: { include_usage: true } })).data);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(10);
  });

  it('rejects a bad body with 400 listing every problem', async () => {
    const s = await sim();
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ messages: [], max_tokens: 'x' }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/messages.*max_tokens/);
  });

  it('waits the cost model time scaled by --time-scale', async () => {
    // 1 s of modelled decode at scale 0.05 is at least 50 ms of real time (never an upper bound).
    const s = await sim({ timeScale: 0.05, cost: { decodeTps: 256, reasoningTokens: 256 } });
    const t0 = performance.now();
    summarise((await streamChat(s.url, { messages: firstTurn() })).data);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
  });

  it('serves more than ten requests at once without a process warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const s = await sim({ timeScale: 0.01, slots: 2 });
      const body = JSON.stringify({ messages: firstTurn() });
      const statuses = await Promise.all(
        Array.from({ length: 14 }, (_, i) =>
          fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { ...HEADERS, 'x-pairbench-trial': `t-${i}` }, body }).then(async (r) => {
            await r.text();
            return r.status;
          }),
        ),
      );
      expect(statuses).toEqual(Array(14).fill(200));
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('a request whose client leaves while it waits for a slot is not served or counted', async () => {
    const s = await sim({ timeScale: 1, cost: { requestOverheadMs: 500, prefillTps: 1e7, decodeTps: 1e7 } });
    const body = JSON.stringify({ messages: firstTurn(), chat_template_kwargs: { enable_thinking: false } });
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)![1]);
    };
    const until = async (name: string, value: number): Promise<void> => {
      while ((await metric(name)) !== value) await new Promise((r) => setTimeout(r, 10));
    };
    const first = fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body });
    await until('llamacpp:requests_processing', 1);
    const ac = new AbortController();
    const queued = fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: { ...HEADERS, 'x-pairbench-trial': 'trial-2' }, body, signal: ac.signal });
    await until('llamacpp:requests_deferred', 1);
    ac.abort();
    await expect(queued).rejects.toThrow();
    expect((await first).status).toBe(200);
    await until('llamacpp:requests_deferred', 0);
    await until('llamacpp:requests_processing', 0);
    expect(await metric('pairbench_simulated_requests_total')).toBe(1);
    const props = (await (await fetch(`${s.url}/props`)).json()) as { requests_served: number };
    expect(props.requests_served).toBe(1);
  });
});

describe('injected faults', () => {
  const post = (url: string, stream = true) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ stream, messages: firstTurn() }) });

  it('refuse: the connection is destroyed at once', async () => {
    const s = await sim({ faults: { refuse: 1 } });
    await expect(post(s.url)).rejects.toThrow();
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('503: a burst of requests answers 503, then service resumes', async () => {
    const s = await sim({ faults: { http503: 0.5 }, burstLength: 2, seed: 5 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await post(s.url, false);
      statuses.push(r.status);
      if (r.status === 503) expect(await r.json()).toMatchObject({ error: { code: 503, type: 'unavailable_error' } });
      else await r.text();
    }
    const seq = statuses.join(',');
    expect(seq).toContain('503,503');
    expect(seq).toContain('200');
  });

  it('stall: the stream stops mid-way and the connection stays open', async () => {
    const s = await sim({ faults: { stall: 1 } });
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: JSON.stringify({ stream: true, messages: firstTurn() }), signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    let timedOut = false;
    for (;;) {
      const next = reader.read();
      const idle = new Promise<'idle'>((r) => setTimeout(() => r('idle'), 300));
      const got = await Promise.race([next, idle]);
      if (got === 'idle') {
        timedOut = true;
        break;
      }
      if (got.done) break;
      text += new TextDecoder().decode(got.value);
    }
    expect(timedOut).toBe(true);
    expect(text).toContain('"role":"assistant"');
    expect(text).not.toContain('[DONE]');
    ac.abort();
    // The slot is freed once the client gives up.
    await new Promise((r) => setTimeout(r, 50));
    const slots = (await (await fetch(`${s.url}/slots`)).json()) as Array<{ is_processing: boolean }>;
    expect(slots[0]!.is_processing).toBe(false);
  });

  it('malformed: one data line is not JSON', async () => {
    const s = await sim({ faults: { malformed: 1 } });
    const { data } = await streamChat(s.url, { messages: firstTurn() });
    const bad = data.filter((d) => {
      if (d === '[DONE]') return false;
      try {
        JSON.parse(d);
        return false;
      } catch {
        return true;
      }
    });
    expect(bad.length).toBe(1);
  });

  it('garbage: the content breaks the reply contract, and the script does not advance', async () => {
    // Seed 8 at rate 0.5 garbles the first reply and not the second.
    const s = await sim({ faults: { garbage: 0.5 }, seed: 8 });
    const messages = firstTurn();
    const { content } = summarise((await streamChat(s.url, { messages })).data);
    const parsed = parseTerse(content);
    expect(parsed.ok).toBe(false);
    messages.push({ role: 'assistant', content }, { role: 'user', content: TERSE_CORRECTION(parsed.ok ? '' : parsed.problem) });
    const retry = summarise((await streamChat(s.url, { messages })).data);
    expect(parseTerse(retry.content)).toMatchObject({ ok: true, value: { command: 'touch /app/a' } });
  });

  it('crash: the in-process server closes mid-request', async () => {
    const s = await sim({ faults: { crash: 1 } });
    const outcome = await streamChat(s.url, { messages: firstTurn() }).then(
      ({ data }) => (data.at(-1) === '[DONE]' ? 'complete' : 'cut'),
      () => 'error',
    );
    expect(outcome).not.toBe('complete');
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });
});

describe('pairbench serve --simulated', () => {
  const BIN = join(ROOT, 'bin', 'pairbench.js');
  beforeAll(() => {
    // The CLI runs from dist/: rebuild when the simulator's sources are newer than it.
    const built = join(ROOT, 'dist', 'cli', 'commands', 'serve.js');
    const newest = Math.max(
      statSync(join(ROOT, 'cli', 'commands', 'serve.ts')).mtimeMs,
      ...readdirSync(join(ROOT, 'simulator')).map((f) => statSync(join(ROOT, 'simulator', f)).mtimeMs),
    );
    let stale = true;
    try {
      stale = statSync(built).mtimeMs < newest;
    } catch {}
    if (stale) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  function serve(args: string[]) {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const firstLine = new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => {
        lines.push(l);
        if (lines.length === 1) resolve(l);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
    });
    firstLine.catch(() => {}); // a test that expects an early exit never awaits it
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, lines, firstLine, exited };
  }

  it('prints one listening line, serves, and stops on SIGTERM', async () => {
    const p = serve(['--simulated', '--port', '0', '--time-scale', '0', '--tasks-dir', tasksDir, '--seed', '5', '--n-ctx', '4096', '--slowdown-per-request', '0.01', '--fault-503', '0']);
    const line = await p.firstLine;
    expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.slice('listening on '.length);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // Each flag landed where it belongs in the server's options.
    expect(await (await fetch(`${url}/props`)).json()).toMatchObject({
      seed: 5,
      time_scale: 0,
      default_generation_settings: { n_ctx: 4096, speculative: false },
      cost_model: { slowdownPerRequest: 0.01 },
      faults: { http503: 0 },
    });
    const { data } = await streamChat(url, { messages: firstTurn() });
    expect(data.at(-1)).toBe('[DONE]');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.lines).toHaveLength(1);
  });

  it('a crash fault exits the process mid-request', async () => {
    const p = serve(['--simulated', '--port', '0', '--time-scale', '0', '--fault-crash', '1', '--tasks-dir', tasksDir]);
    const url = (await p.firstLine).slice('listening on '.length);
    await streamChat(url, { messages: firstTurn() }).catch(() => null);
    expect(await p.exited).toBe(3);
  });

  it('without --simulated it points at run --base-url and exits 1; bad flags are all listed', async () => {
    const plain = serve([]);
    expect(await plain.exited).toBe(1);
    const bad = spawn(process.execPath, [BIN, 'serve', '--simulated', '--slots', '0', '--fault-stall', '2'], { cwd: ROOT });
    let err = '';
    bad.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise((r) => bad.once('exit', r));
    expect(code).toBe(1);
    expect(err).toMatch(/stall[\s\S]*slots/);
    const again = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT });
    let msg = '';
    again.stderr.on('data', (b: Buffer) => (msg += b.toString()));
    await new Promise((r) => again.once('exit', r));
    expect(msg).toMatch(/serves only the simulator[\s\S]*run --base-url/);
    const both = spawn(process.execPath, [BIN, 'serve', '--simulated', '--launch', '{"options":{}}', '--port', '1', '--fault-503', '1'], { cwd: ROOT });
    let conflict = '';
    both.stderr.on('data', (b: Buffer) => (conflict += b.toString()));
    expect(await new Promise((r) => both.once('exit', r))).toBe(1);
    expect(conflict).toMatch(/--launch carries every setting: drop --port, --fault-503/);
  });
});
