// What the client puts on the wire (headers, key, per-dialect body) and how it reads shapes
// the simulated server never sends: a non-SSE body, a stream with no end, an error body that
// echoes the key. A small raw HTTP server stands in for a misbehaving upstream.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { createModelClient } from '../../serving/client/create.js';
import { ServingError } from '../../serving/client/errors.js';
import type { Dialect } from '../../core/serving.js';

interface Seen {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function upstream(reply: (res: ServerResponse, seen: Seen) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const s = { headers: req.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown> };
      seen.push(s);
      reply(res, s);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const sse = (res: ServerResponse, events: unknown[], done = true): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
  res.end(done ? 'data: [DONE]\n\n' : '');
};

const delta = (d: Record<string, unknown>, finish: string | null = null): unknown => ({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

const KEY_ENV = 'PAIRBENCH_TEST_CLIENT_KEY';
const KEY = 'sk-test-7f3a9c1e5b2d4680-secret';

function endpoint(url: string, dialect: Dialect, apiKeyEnv: string | null = null): ServingEndpoint {
  return { baseUrl: url, model: 'm', dialect, apiKeyEnv, simulated: false };
}

describe('client on the wire', () => {
  it('sends the key from the env var, the hints as headers, and the llama-server fields', async () => {
    const up = await upstream((res) => sse(res, [delta({ role: 'assistant' }), delta({ content: 'ok' }), delta({}, 'stop')]));
    const client = createModelClient(endpoint(`${up.url}/`, 'llama-server', KEY_ENV), { env: { [KEY_ENV]: KEY } });
    await client.chat({
      messages: [{ role: 'user', content: 'hi' }],
      thinking: false,
      speculative: { nMax: 8, nMin: 2, pMin: 0.5 },
      temperature: 0.2,
      seed: 7,
      maxTokens: 64,
      extraBody: { top_k: 20, temperature: 0.3 },
      hints: { task: 'fizzbuzz', trial: 't-1' },
    });
    const s = up.seen[0]!;
    expect(s.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(s.headers['x-pairbench-task']).toBe('fizzbuzz');
    expect(s.headers['x-pairbench-trial']).toBe('t-1');
    expect(s.body).toMatchObject({
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      chat_template_kwargs: { enable_thinking: false },
      'speculative.n_max': 8,
      'speculative.n_min': 2,
      'speculative.p_min': 0.5,
      seed: 7,
      max_tokens: 64,
      top_k: 20,
      temperature: 0.3, // extra body wins
    });
  });

  it('takes figures from OpenAI-style usage and computes decode speed where no timings exist', async () => {
    const up = await upstream((res) =>
      sse(res, [
        delta({ role: 'assistant' }),
        delta({ content: 'a' }),
        delta({ content: 'b' }),
        delta({}, 'stop'),
        { choices: [], usage: { prompt_tokens: 50, completion_tokens: 30, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 12 } } },
      ]),
    );
    const r = await createModelClient(endpoint(`${up.url}/v1`, 'openai')).chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 10, thinking: true });
    expect(up.seen[0]!.body.max_completion_tokens).toBe(10);
    expect(up.seen[0]!.body).not.toHaveProperty('reasoning_effort');
    expect(r.telemetry).toMatchObject({ promptTokens: 50, cachedTokens: 40, completionTokens: 30, reasoningTokens: 12, reasoningChars: null, finishReason: 'stop', thinkingSent: false, draftN: null });
  });

  it('counts Ollama reasoning deltas and sends reasoning_effort none for thinking off', async () => {
    const up = await upstream((res) => sse(res, [delta({ reasoning: 'hmm' }), delta({ content: 'ok' }, 'stop')]));
    const r = await createModelClient(endpoint(up.url, 'ollama')).chat({ messages: [{ role: 'user', content: 'hi' }], thinking: false });
    expect(up.seen[0]!.body.reasoning_effort).toBe('none');
    expect(r.reasoning).toBe('hmm');
    expect(r.telemetry.reasoningChars).toBe(3);
    expect(r.telemetry.cachedTokens).toBeNull();
    expect(r.telemetry.promptTokens).toBeNull(); // no usage sent: null, never 0
  });

  it('a tool-call delta counts as the first token', async () => {
    const up = await upstream((res) => sse(res, [delta({ tool_calls: [{ index: 0, function: { name: 'x' } }] }, 'tool_calls')]));
    const r = await createModelClient(endpoint(up.url, 'vllm')).chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(r.telemetry.ttftMs).not.toBeNull();
    expect(r.telemetry.finishReason).toBe('tool_calls');
  });

  it('a call sent on kept-alive connections the server has just closed goes again, until a new one answers', async () => {
    // Serves each connection's first request, and hangs up on any later one, as llama-server
    // does after a stream while still saying keep-alive.
    let answered = 0;
    const server = createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) return void socket.destroy();
      req.resume();
      req.on('end', () => {
        answered += 1;
        sse(res, [delta({ content: 'ok' }, 'stop')]);
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = createModelClient(endpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'vllm'));
    for (let i = 0; i < 3; i++) {
      const r = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
      expect(r.content).toBe('ok');
    }
    expect(answered).toBe(3);

    // Three calls side by side leave three such connections in the pool: the next call meets
    // each of them hung up before a new one answers it.
    const side = await Promise.all([0, 1, 2].map(() => client.chat({ messages: [{ role: 'user', content: 'hi' }] })));
    expect(side.map((r) => r.content)).toEqual(['ok', 'ok', 'ok']);
    const after = await client.chat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(after.content).toBe('ok');
    expect(answered).toBe(7);
  });

  it('a body that is not an event stream is malformed', async () => {
    const up = await upstream((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices":[]}');
    });
    const e = await createModelClient(endpoint(up.url, 'vllm')).chat({ messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
    expect((e as ServingError).code).toBe(ERROR_CODES.SERVING_MALFORMED);
  });

  it('a stream with neither [DONE] nor a finish reason is malformed', async () => {
    const up = await upstream((res) => sse(res, [delta({ content: 'partial' })], false));
    const e = await createModelClient(endpoint(up.url, 'vllm')).chat({ messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
    expect((e as ServingError).code).toBe(ERROR_CODES.SERVING_MALFORMED);
    expect((e as ServingError).message).toContain('without [DONE]');
  });

  it('never puts the API key in an error, even when the server echoes it', async () => {
    const up = await upstream((res, seen) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `bad auth header ${String(seen.headers.authorization)}` } }));
    });
    process.env[KEY_ENV] = KEY;
    try {
      const e = await createModelClient(endpoint(up.url, 'openai', KEY_ENV)).chat({ messages: [{ role: 'user', content: 'hi' }] }).catch((x: unknown) => x);
      expect((e as ServingError).code).toBe(ERROR_CODES.SERVING_HTTP);
      expect((e as ServingError).message).toContain('HTTP 500');
      expect((e as ServingError).message).toContain('***');
      expect(JSON.stringify({ ...(e as object), message: (e as Error).message, stack: (e as Error).stack })).not.toContain(KEY);
      expect(up.seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      delete process.env[KEY_ENV];
    }
  });

  it('a missing key variable is a config error that names the variable, not a silent unauthenticated call', async () => {
    const up = await upstream((res) => sse(res, [delta({ content: 'ok' }, 'stop')]));
    const e = await createModelClient(endpoint(up.url, 'openai', 'PAIRBENCH_TEST_UNSET_KEY'), { env: {} })
      .chat({ messages: [{ role: 'user', content: 'hi' }] })
      .catch((x: unknown) => x);
    expect((e as ServingError).code).toBe(ERROR_CODES.CONFIG_INVALID);
    expect((e as Error).message).toContain('PAIRBENCH_TEST_UNSET_KEY');
    expect(up.seen).toHaveLength(0);
  });
});
