// The simulated server against the real llama-server on the same requests: what each does
// with per-request speculative keys, a string thinking switch, a body that is not JSON, a
// prompt over the context, and the shape of /slots.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { startLlamaServer, type RunningServer } from './support/llama-server.js';

let real: RunningServer;
let sim: SimulatedServer;
beforeAll(async () => {
  real = await startLlamaServer({ ctx: 512 });
  sim = await startSimulatedServer({ port: 0, timeScale: 0, nCtx: 512 });
});
afterAll(async () => {
  await real?.stop();
  await sim?.close();
});

interface Answer {
  status: number;
  json: unknown;
  text: string;
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
  return { status: res.status, json, text };
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
});
