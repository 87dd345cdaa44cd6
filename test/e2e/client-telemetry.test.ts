// The model client against the simulated llama-server over real HTTP: every telemetry field
// on cache miss and hit, thinking on and off, speculative on and off, and each injected fault
// as its typed error.

import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { createModelClient } from '../../serving/client/create.js';
import { OutputRejectedError, ServingError, ServingHttpError } from '../../serving/client/errors.js';
import type { ChatMessage } from '../../serving/client/types.js';
import type { Dialect } from '../../core/serving.js';
import { startSimulatedServer, type SimOptions, type SimulatedServer } from '../../simulator/server.js';
import { freeLoopbackPort } from '../../serving/control/controller.js';

const servers: SimulatedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sim(options: SimOptions = {}): Promise<SimulatedServer> {
  const s = await startSimulatedServer({ port: 0, timeScale: 0, ...options });
  servers.push(s);
  return s;
}

function endpoint(url: string, dialect: Dialect = 'llama-server'): ServingEndpoint {
  return { baseUrl: url, model: 'pairbench-simulated', dialect, apiKeyEnv: null, simulated: true };
}

// A long shared prefix, so a cache hit is plainly visible in the token counts.
const SYSTEM = `You are a careful shell agent. ${'Follow the rules of the task exactly. '.repeat(40)}`;
const messages = (question: string): ChatMessage[] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: question },
];

async function expectServingError(p: Promise<unknown>, code: string): Promise<ServingError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ServingError);
  const se = e as ServingError;
  expect(se.code).toBe(code);
  expect(se.outcome).toBe('serving_failed');
  return se;
}

describe('client telemetry against the simulated llama-server', () => {
  it('records every field on a cache miss, then a cache hit on the same prefix', async () => {
    const s = await sim();
    const client = createModelClient(endpoint(s.url));
    const miss = await client.chat({ messages: messages('List the files.'), thinking: false, temperature: 0, seed: 1 });
    const t = miss.telemetry;
    expect(miss.content.length).toBeGreaterThan(0);
    expect(t.httpStatus).toBe(200);
    expect(t.finishReason).toBe('stop');
    expect(t.ttftMs).not.toBeNull();
    expect(t.ttftMs!).toBeGreaterThanOrEqual(0);
    expect(t.wallMs).toBeGreaterThanOrEqual(t.ttftMs!);
    expect(t.promptTokens).toBeGreaterThan(100);
    expect(t.cachedTokens).toBe(0); // a real 0: llama-server reports cache_n
    expect(t.completionTokens).toBeGreaterThan(0);
    expect(t.decodeTps).toBeGreaterThan(0); // timings.predicted_per_second (the modelled rate)
    expect(t.reasoningTokens).toBeNull(); // llama-server gives no reasoning count
    expect(t.reasoningChars).toBe(0);
    expect(t.draftN).toBeNull();
    expect(t.draftAccepted).toBeNull();
    expect(t.speculativeApplied).toBeNull();
    expect(t.thinkingSent).toBe(true);

    const hit = await client.chat({ messages: messages('List the files.'), thinking: false, temperature: 0, seed: 1 });
    const h = hit.telemetry;
    expect(h.promptTokens).toBe(t.promptTokens);
    expect(h.cachedTokens).toBeGreaterThan(0);
    // llama-server reprocesses at least one token even on a full hit: prompt_n = prompt - cached
    expect(h.promptTokens! - h.cachedTokens!).toBeGreaterThanOrEqual(1);
    expect(h.promptTokens! - h.cachedTokens!).toBeLessThan(t.promptTokens! - t.cachedTokens!);
  });

  it('streams reasoning with thinking on and none with thinking off', async () => {
    const s = await sim();
    const client = createModelClient(endpoint(s.url));
    const on = await client.chat({ messages: messages('What is in this directory?'), thinking: true });
    expect(on.reasoning.length).toBeGreaterThan(0);
    expect(on.telemetry.reasoningChars).toBe(on.reasoning.length);
    expect(on.telemetry.reasoningChars).toBeGreaterThan(0);
    expect(on.telemetry.thinkingSent).toBe(true);
    const off = await client.chat({ messages: messages('What else is in this directory?'), thinking: false });
    expect(off.reasoning).toBe('');
    expect(off.telemetry.reasoningChars).toBe(0);
    expect(off.telemetry.completionTokens!).toBeLessThan(on.telemetry.completionTokens!);
  });

  it('speculative keys sent to a server without a draft model are reported as not applied', async () => {
    const s = await sim();
    const r = await createModelClient(endpoint(s.url)).chat({ messages: messages('Run the tests.'), thinking: false, speculative: { nMax: 16 } });
    expect(r.telemetry.speculativeApplied).toBe(false);
    expect(r.telemetry.draftN).toBeNull();
  });

  it('reports draft figures when the server drafts, and null when no speculation was asked', async () => {
    const s = await sim({ specDefault: 16 });
    const client = createModelClient(endpoint(s.url));
    const spec = await client.chat({ messages: messages('Run the tests.'), thinking: false, speculative: { nMax: 16, nMin: 0, pMin: 0.75 } });
    expect(spec.telemetry.speculativeApplied).toBe(true);
    expect(spec.telemetry.draftN).toBeGreaterThan(0);
    expect(spec.telemetry.draftAccepted).not.toBeNull();
    expect(spec.telemetry.draftAccepted!).toBeLessThanOrEqual(spec.telemetry.draftN!);
    const plain = await client.chat({ messages: messages('Run the tests.'), thinking: false });
    expect(plain.telemetry.speculativeApplied).toBeNull();
    // The modelled decode rate with drafting is the faster one.
    const none = await createModelClient(endpoint((await sim()).url)).chat({ messages: messages('Run the tests.'), thinking: false });
    expect(none.telemetry.draftN).toBeNull();
    expect(spec.telemetry.decodeTps!).toBeGreaterThan(none.telemetry.decodeTps!);
  });

  it('reads only the fields each other dialect has', async () => {
    const s = await sim();
    const vllm = await createModelClient(endpoint(s.url, 'vllm')).chat({ messages: messages('Show me.'), thinking: false, speculative: { nMax: 8 } });
    expect(vllm.telemetry.cachedTokens).toBe(0); // usage.prompt_tokens_details.cached_tokens
    expect(vllm.telemetry.draftN).toBeNull(); // timings are llama-server's alone
    expect(vllm.telemetry.speculativeApplied).toBe(false); // asked for, not sent
    expect(vllm.telemetry.reasoningChars).toBe(0);
    const ollama = await createModelClient(endpoint(s.url, 'ollama')).chat({ messages: messages('Show me.'), thinking: false });
    expect(ollama.telemetry.cachedTokens).toBeNull(); // Ollama does not expose cache reuse
    expect(ollama.reasoning).toBe(''); // reasoning_effort "none" reached the server
    expect(ollama.telemetry.promptTokens).toBeGreaterThan(0);
    const openai = await createModelClient(endpoint(s.url, 'openai')).chat({ messages: messages('Show me.'), thinking: false });
    expect(openai.telemetry.thinkingSent).toBe(false); // no field guessed for OpenAI
    expect(openai.reasoning.length).toBeGreaterThan(0); // so the server's default (thinking) held
  });
});

describe('client errors against injected faults', () => {
  it('connection refused: nothing listening', async () => {
    const port = await freeLoopbackPort();
    await expectServingError(createModelClient(endpoint(`http://127.0.0.1:${port}`)).chat({ messages: messages('hi') }), ERROR_CODES.SERVING_REFUSED);
  });

  it('connection refused: the server drops the connection', async () => {
    const s = await sim({ faults: { refuse: 1 } });
    await expectServingError(createModelClient(endpoint(s.url)).chat({ messages: messages('hi') }), ERROR_CODES.SERVING_REFUSED);
  });

  it('HTTP 503 burst', async () => {
    const s = await sim({ faults: { http503: 1 } });
    const e = await expectServingError(createModelClient(endpoint(s.url)).chat({ messages: messages('hi') }), ERROR_CODES.SERVING_HTTP);
    expect((e as ServingHttpError).status).toBe(503);
    expect((e as ServingHttpError).bodyExcerpt).toContain('Service Unavailable');
  });

  it('a stream that stalls mid-way is cut after the idle time', async () => {
    const s = await sim({ faults: { stall: 1 } });
    const client = createModelClient(endpoint(s.url), { idleMs: 200 });
    const e = await expectServingError(client.chat({ messages: messages('hi'), thinking: true }), ERROR_CODES.SERVING_STALLED);
    expect(e.message).toContain('200 ms');
  });

  it('output the server\'s parser rejects mid-stream is the agent\'s output_rejected, not a serving failure', async () => {
    const s = await sim({ faults: { rejected: 1 } });
    const e = await createModelClient(endpoint(s.url)).chat({ messages: messages('Run the tests.') }).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(OutputRejectedError);
    expect((e as OutputRejectedError).code).toBe(ERROR_CODES.OUTPUT_REJECTED);
    expect((e as OutputRejectedError).outcome).toBe('output_rejected');
    expect((e as OutputRejectedError).call.httpStatus).toBe(200);
  });

  it('a data line that is not JSON', async () => {
    const s = await sim({ faults: { malformed: 1 } });
    const e = await expectServingError(createModelClient(endpoint(s.url)).chat({ messages: messages('hi'), thinking: true }), ERROR_CODES.SERVING_MALFORMED);
    expect(e.message).toContain('not JSON');
  });

  it('no first token before the deadline', async () => {
    // Every request costs 60 modelled seconds before its first token, in real time.
    const s = await sim({ timeScale: 1, cost: { requestOverheadMs: 60_000 } });
    const client = createModelClient(endpoint(s.url), { firstTokenMs: 150 });
    await expectServingError(client.chat({ messages: messages('hi') }), ERROR_CODES.SERVING_NO_FIRST_TOKEN);
  });

  it('a crash cuts the stream, and the next call is refused', async () => {
    // A small time scale, so the first half of the stream reaches the client before the crash.
    const s = await sim({ timeScale: 0.05, faults: { crash: 1 }, crash: 'close' });
    const client = createModelClient(endpoint(s.url));
    const e = await expectServingError(client.chat({ messages: messages('hi'), thinking: true }), ERROR_CODES.SERVING_MALFORMED);
    expect(e.message).toContain('cut');
    await expectServingError(client.chat({ messages: messages('hi') }), ERROR_CODES.SERVING_REFUSED);
  });

  it('the caller can abort a call through its signal', async () => {
    const s = await sim({ timeScale: 1, cost: { requestOverheadMs: 60_000 } });
    const ctrl = new AbortController();
    const call = createModelClient(endpoint(s.url)).chat({ messages: messages('hi'), signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 50);
    const e = await call.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).name).toBe('AbortError');
  });
});
