// The simulated server against the real llama-server on the same requests: what each does
// with per-request speculative keys, a string thinking switch, a body that is not JSON, a
// prompt over the context, the empty think block of thinking off and its cost to the next
// turn's cache, the shapes of /slots, /props and /v1/models, keep-alive, and output the
// server's chat parser rejects.

import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { startLlamaServer, type RunningServer } from './support/llama-server.js';

let real: RunningServer;
let sim: SimulatedServer;
/** A real server whose model's output fails the chat parser, and a simulator that always fails it. */
let realRejecting: RunningServer;
let simRejecting: SimulatedServer;
beforeAll(async () => {
  real = await startLlamaServer({ ctx: 512 });
  sim = await startSimulatedServer({ port: 0, timeScale: 0, nCtx: 512 });
  realRejecting = await startLlamaServer({ ctx: 2048, noSuppress: true });
  simRejecting = await startSimulatedServer({ port: 0, timeScale: 0, nCtx: 2048, faults: { rejected: 1 } });
});
afterAll(async () => {
  await real?.stop();
  await sim?.close();
  await realRejecting?.stop();
  await simRejecting?.close();
});

interface Answer {
  status: number;
  json: unknown;
  text: string;
  connection: string | null;
  contentType: string | null;
}

async function post(base: string, body: string): Promise<Answer> {
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // a stream
  }
  return { status: res.status, json, text, connection: res.headers.get('connection'), contentType: res.headers.get('content-type') };
}

/** Both servers' answers to one request. */
async function both(body: unknown): Promise<{ real: Answer; sim: Answer }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return { real: await post(real.url, raw), sim: await post(sim.url, raw) };
}

const errorOf = (a: Answer): { code?: unknown; type?: unknown; message?: unknown; n_ctx?: unknown } => (a.json as { error: object }).error;
const lastTimings = (a: Answer): Record<string, unknown> => {
  const chunks = a.text.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6)) as { timings?: Record<string, unknown> });
  return chunks.reverse().find((c) => c.timings)!.timings!;
};

const hi = [{ role: 'user', content: 'hi' }];

describe('the simulator answers as the real llama-server does', () => {
  it('ignores per-request speculative keys: no draft figures from either', async () => {
    const a = await both({ messages: hi, stream: true, max_tokens: 8, stream_options: { include_usage: true }, 'speculative.n_max': 16, 'speculative.p_min': 0.75 });
    expect(a.real.status).toBe(200);
    expect(a.sim.status).toBe(200);
    expect(lastTimings(a.real)).not.toHaveProperty('draft_n');
    expect(lastTimings(a.sim)).not.toHaveProperty('draft_n');
  });

  it('refuses the string "false" as a thinking switch with the same 400', async () => {
    const a = await both({ messages: hi, max_tokens: 8, chat_template_kwargs: { enable_thinking: 'false' } });
    expect(a.sim.status).toBe(a.real.status);
    expect(a.real.status).toBe(400);
    expect(errorOf(a.sim).type).toBe(errorOf(a.real).type);
    expect(errorOf(a.sim).message).toBe(errorOf(a.real).message);
  });

  it('answers a body that is not JSON with the same 500', async () => {
    const a = await both('{bad');
    expect(a.real.status).toBe(500);
    expect(a.sim.status).toBe(500);
    expect(errorOf(a.sim).type).toBe(errorOf(a.real).type);
    expect(String(errorOf(a.sim).message)).toMatch(/^\[json\.exception\.parse_error\.101\]/);
    expect(String(errorOf(a.real).message)).toMatch(/^\[json\.exception\.parse_error\.101\]/);
  });

  it('enforces the context size with the same error body', async () => {
    const long = Array.from({ length: 900 }, (_, i) => `word${i % 50}`).join(' ');
    const a = await both({ messages: [{ role: 'user', content: long }], max_tokens: 8 });
    expect(a.real.status).toBe(400);
    expect(a.sim.status).toBe(400);
    for (const side of [a.real, a.sim]) {
      expect(errorOf(side)).toMatchObject({ code: 400, type: 'exceed_context_size_error', n_ctx: 512 });
      expect(String(errorOf(side).message)).toMatch(/^request \(\d+ tokens\) exceeds the available context size \(512 tokens\), try increasing it$/);
    }
  });

  it('describes its slots with the same fields', async () => {
    const slots = async (base: string): Promise<Record<string, unknown>[]> => (await (await fetch(`${base}/slots`)).json()) as Record<string, unknown>[];
    const [r, s] = [await slots(real.url), await slots(sim.url)];
    expect(Array.isArray(s)).toBe(true);
    // The fields every build reports for an idle slot; a busy real slot adds task details.
    for (const key of ['id', 'n_ctx', 'speculative', 'is_processing']) {
      expect(r[0], key).toHaveProperty(key);
      expect(s[0], key).toHaveProperty(key);
    }
    expect(s[0]!.speculative).toBe(r[0]!.speculative);
  });

  it('thinking off: the empty think block keeps the previous reply out of the next turn\'s cache on both; thinking on reuses the whole previous prompt', async () => {
    interface Completion { choices: Array<{ message: { content: string | null } }>; usage: { prompt_tokens: number }; timings: { cache_n: number; prompt_n: number } }
    // One conversation per server and switch: turn 2 is turn 1's prompt, that server's own reply, and a new message.
    const conversation = async (base: string, thinking: boolean): Promise<{ prompt1: number; cached2: number; promptN2: number }> => {
      const ask = async (messages: unknown[]): Promise<Completion> => {
        const a = await post(base, JSON.stringify({ messages, max_tokens: 24, seed: 3, chat_template_kwargs: { enable_thinking: thinking } }));
        expect(a.status, a.text).toBe(200);
        return a.json as Completion;
      };
      const first = [{ role: 'user', content: `Please list the files in the current directory (thinking ${thinking}).` }];
      const t1 = await ask(first);
      const t2 = await ask([...first, { role: 'assistant', content: t1.choices[0]!.message.content ?? '' }, { role: 'user', content: 'And then?' }]);
      return { prompt1: t1.usage.prompt_tokens, cached2: t2.timings.cache_n, promptN2: t2.timings.prompt_n };
    };
    // Whether turn 2 reused all of turn 1's prompt (a full hit still processes its last token).
    const reusedPrompt = (c: { prompt1: number; cached2: number }): boolean => c.cached2 >= c.prompt1 - 1;
    for (const thinking of [false, true]) {
      const r = await conversation(real.url, thinking);
      const s = await conversation(sim.url, thinking);
      expect(reusedPrompt(s), `thinking ${thinking}: real ${JSON.stringify(r)}, simulated ${JSON.stringify(s)}`).toBe(reusedPrompt(r));
      expect(reusedPrompt(r)).toBe(thinking);
    }
  });

  it('answers /props with the fields llama-server reports', async () => {
    const props = async (base: string): Promise<Record<string, unknown>> => (await (await fetch(`${base}/props`)).json()) as Record<string, unknown>;
    const [r, s] = [await props(real.url), await props(sim.url)];
    const kinds = (o: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v]));
    // Every field the real server reports, of the same kind (the simulator adds its own marks).
    expect(kinds(s)).toMatchObject(kinds(r));
    const settings = (o: Record<string, unknown>): Record<string, unknown> => o.default_generation_settings as Record<string, unknown>;
    expect(kinds(settings(s))).toMatchObject(kinds(settings(r)));
    expect(settings(s).n_ctx).toBe(settings(r).n_ctx);
    // The generation settings a client or agent reads (a real build reports some forty more).
    const params = (o: Record<string, unknown>): Record<string, unknown> => settings(o).params as Record<string, unknown>;
    const read = ['n_predict', 'max_tokens', 'seed', 'temperature', 'top_k', 'top_p', 'min_p', 'stream', 'chat_format', 'reasoning_format', 'speculative.types'];
    // Without a draft model the real server says `speculative.types: "none"`.
    expect(params(r)['speculative.types']).toBe('none');
    const pick = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(read.map((k) => [k, o[k]]));
    expect(kinds(pick(params(s)))).toEqual(kinds(pick(params(r))));
    expect(Object.keys(s.chat_template_caps as object).sort()).toEqual(Object.keys(r.chat_template_caps as object).sort());
    expect(Object.keys(s.modalities as object).sort()).toEqual(Object.keys(r.modalities as object).sort());
    // Both templates honour the thinking switch, so a client reading the template sees it.
    for (const side of [r, s]) expect(side.chat_template).toContain('enable_thinking');
  });

  it('answers /v1/models with the shape llama-server sends', async () => {
    type Models = { object: string; data: Array<Record<string, unknown>>; models: Array<Record<string, unknown>> };
    const models = async (base: string): Promise<Models> => (await (await fetch(`${base}/v1/models`)).json()) as Models;
    const [r, s] = [await models(real.url), await models(sim.url)];
    const keys = (o: object): string[] => Object.keys(o).sort();
    expect(keys(s)).toEqual(keys(r));
    expect(s.object).toBe('list');
    expect(r.object).toBe('list');
    expect(keys(s.data[0]!)).toEqual(keys(r.data[0]!));
    expect(s.data[0]!.owned_by).toBe(r.data[0]!.owned_by);
    expect(keys(s.data[0]!.meta as object)).toEqual(expect.arrayContaining(keys(r.data[0]!.meta as object)));
    expect(keys(s.models[0]!)).toEqual(keys(r.models[0]!));
  });

  it('keeps the connection alive across requests, and closes it after a stream and after an error answer', async () => {
    // One socket at most: a request reuses it unless the server closed it.
    const reuse = async (base: string): Promise<boolean[]> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const one = (method: string, path: string, body?: string): Promise<boolean> =>
        new Promise((resolve, reject) => {
          const req = httpRequest(`${base}${path}`, { method, agent, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
            res.resume();
            // A moment for a close that follows the answer to arrive, so the next request sees it.
            res.on('end', () => setTimeout(() => resolve(req.reusedSocket), 50));
          });
          req.on('error', reject);
          req.end(body);
        });
      const chat = JSON.stringify({ messages: hi, max_tokens: 4 });
      const stream = JSON.stringify({ messages: hi, max_tokens: 4, stream: true });
      const seen = [
        await one('GET', '/health'),
        await one('POST', '/v1/chat/completions', chat),
        await one('POST', '/v1/chat/completions', stream),
        await one('GET', '/props'),
        await one('POST', '/v1/chat/completions', '{bad'),
        await one('GET', '/health'),
      ];
      agent.destroy();
      return seen;
    };
    const [r, s] = [await reuse(real.url), await reuse(sim.url)];
    // A stream ends with the connection closed, as does an error answer.
    expect(r).toEqual([false, true, true, false, true, false]);
    expect(s).toEqual(r);
    const bad = await both('{bad');
    expect(bad.real.connection).toBe('close');
    expect(bad.sim.connection).toBe(bad.real.connection);
  });

  it('output the chat parser rejects: the same mid-stream error line and no [DONE], or the same HTTP 500 whole', async () => {
    const body = (seed: number, stream: boolean): string => JSON.stringify({ messages: hi, max_tokens: 200, seed, stream });
    // The random byte tokens fail the parser on most seeds; find one that does, then send the same request to both.
    let seed = 0;
    let realStream: Answer | null = null;
    for (let k = 1; k <= 8 && realStream === null; k++) {
      const a = await post(realRejecting.url, body(k, true));
      if (a.text.includes('"error"')) [seed, realStream] = [k, a];
    }
    expect(realStream, 'no seed of 8 made the real server reject its output').not.toBeNull();
    const simStream = await post(simRejecting.url, body(seed, true));
    const dataLines = (a: Answer): string[] => a.text.split('\n').filter((l) => l.startsWith('data: '));
    for (const side of [realStream!, simStream]) {
      expect(side.status).toBe(200);
      expect(side.contentType).toMatch(/^text\/event-stream/);
      const lines = dataLines(side);
      expect(lines).not.toContain('data: [DONE]');
      expect(lines.slice(0, -1).every((l) => (JSON.parse(l.slice(6)) as { object?: string }).object === 'chat.completion.chunk')).toBe(true);
    }
    const lastError = (a: Answer): Record<string, unknown> => (JSON.parse(dataLines(a).at(-1)!.slice(6)) as { error: Record<string, unknown> }).error;
    expect(Object.keys(lastError(simStream)).sort()).toEqual(Object.keys(lastError(realStream!)).sort());
    expect(lastError(simStream)).toEqual(lastError(realStream!));

    // The same request whole: HTTP 500 with the error object, and the connection closed.
    const realWhole = await post(realRejecting.url, body(seed, false));
    const simWhole = await post(simRejecting.url, body(seed, false));
    expect(realWhole.status).toBe(500);
    expect(simWhole.status).toBe(500);
    expect(simWhole.json).toEqual(realWhole.json);
    expect(simWhole.connection).toBe(realWhole.connection);
  });
});
