// Classification by cause against the real llama-server: a prompt over the context (HTTP 400
// exceed_context_size_error), a context that fills during generation (finish_reason length
// on a reply shorter than the output cap) and output the server's chat parser rejects
// mid-stream are the agent's outcomes; the failing call is a turn row with its status and code.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../core/errors.js';
import { isAgentOutcome } from '../../core/outcomes.js';
import { cutBy } from '../../harnesses/agent/reply-policy.js';
import { loadTask } from '../../runner/task/load.js';
import { createModelClient } from '../../serving/client/create.js';
import { ContextLimitError, ModelCallError, OutputRejectedError } from '../../serving/client/errors.js';
import { runHarnessTrial } from '../e2e/support/harness-trial.js';
import { startLlamaServer, type RunningServer } from './support/llama-server.js';

const endpoint = (url: string) => ({ baseUrl: url, model: 'tiny', dialect: 'llama-server' as const, apiKeyEnv: null, simulated: false });
const words = (n: number): string => Array.from({ length: n }, (_, i) => `word${i % 50}`).join(' ');

let small: RunningServer;
let rejecting: RunningServer;
let root: string;
beforeAll(async () => {
  small = await startLlamaServer({ ctx: 512 });
  rejecting = await startLlamaServer({ ctx: 4096, noSuppress: true });
  root = mkdtempSync(path.join(tmpdir(), 'pb-real-class-'));
});
afterAll(async () => {
  await small?.stop();
  await rejecting?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ModelCallError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ModelCallError);
  return e as ModelCallError;
}

describe('model calls classified by cause, against a real llama-server', () => {
  it('a prompt over the context is the conversation\'s context_limit, with the server\'s counts and HTTP 400', async () => {
    const e = await failure(createModelClient(endpoint(small.url)).chat({ messages: [{ role: 'user', content: words(900) }], maxTokens: 16 }));
    expect(e).toBeInstanceOf(ContextLimitError);
    expect(e.code).toBe(ERROR_CODES.CONTEXT_LIMIT);
    expect(e.outcome).toBe('context_limit');
    expect(isAgentOutcome(e.outcome!)).toBe(true);
    expect((e as ContextLimitError).contextTokens).toBe(512);
    expect((e as ContextLimitError).promptTokens).toBeGreaterThan(512);
    expect(e.call.httpStatus).toBe(400);
    expect(e.call.wallMs).toBeGreaterThan(0);
  });

  it('a context that fills during generation is told apart from the output cap', async () => {
    // ignore_eos keeps the random model talking until the slot's context is full.
    const r = await createModelClient(endpoint(small.url)).chat({
      messages: [{ role: 'user', content: words(100) }],
      maxTokens: 2048,
      extraBody: { ignore_eos: true },
    });
    expect(r.telemetry.finishReason).toBe('length');
    expect(r.telemetry.completionTokens).toBeLessThan(2048);
    expect(cutBy(r.telemetry, 2048)).toBe('context');
    // The same finish reason at the cap is the output limit.
    const capped = await createModelClient(endpoint(small.url)).chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 8, extraBody: { ignore_eos: true } });
    expect(capped.telemetry.finishReason).toBe('length');
    expect(cutBy(capped.telemetry, 8)).toBe('output_cap');
  });

  it('output the server\'s chat parser rejects mid-stream is the agent\'s output_rejected, with the stream\'s HTTP 200', async () => {
    const client = createModelClient(endpoint(rejecting.url));
    let rejected: ModelCallError | null = null;
    // Random byte tokens make invalid UTF-8 on most seeds; a few seeds are enough to meet it.
    for (let seed = 1; seed <= 8 && rejected === null; seed++) {
      rejected = await client.chat({ messages: [{ role: 'user', content: 'hi' }], maxTokens: 200, seed }).then(() => null, (x: unknown) => x as ModelCallError);
    }
    expect(rejected).toBeInstanceOf(OutputRejectedError);
    expect(rejected!.code).toBe(ERROR_CODES.OUTPUT_REJECTED);
    expect(rejected!.outcome).toBe('output_rejected');
    expect(rejected!.message).toContain('does not match the expected');
    expect(rejected!.call.httpStatus).toBe(200);
  });
});

describe('whole trials against a real llama-server (real container, real server)', () => {
  it('a full-history harness that outgrows -c 512 ends as context_limit; the failing call is a turn row; the trial counts its turns', async () => {
    const task = await loadTask(path.resolve('fixtures/tasks-sweep/quick'));
    const run = await runHarnessTrial({ sweep: `real${process.pid}`, root, n: 1, variant: 'terse', task, baseUrl: small.url, limits: { maxTurns: 40 } });
    expect(run.result.status).toBe('context_limit');
    expect(run.result.errorMessage).toMatch(/context/);
    expect(run.result.turns).toBe(run.turns.length);
    const last = run.turns[run.turns.length - 1]!;
    if (last.http_status === 400) expect(last.error_code).toBe(ERROR_CODES.CONTEXT_LIMIT);
    else {
      // Or the context filled while the model was still writing: a short reply cut at length.
      expect(last.finish_reason).toBe('length');
      expect(last.completion_tokens!).toBeLessThan(2048);
    }
  });

  it('a model whose output the parser rejects ends as output_rejected, the failing call stored with its code', async () => {
    const task = await loadTask(path.resolve('fixtures/tasks-sweep/quick'));
    const run = await runHarnessTrial({ sweep: `real${process.pid}`, root, n: 2, variant: 'terse', task, baseUrl: rejecting.url, limits: { maxTurns: 12 } });
    expect(run.result.status).toBe('output_rejected');
    expect(run.result.turns).toBe(run.turns.length);
    const last = run.turns[run.turns.length - 1]!;
    expect(last.error_code).toBe(ERROR_CODES.OUTPUT_REJECTED);
    expect(last.http_status).toBe(200);
  });
});
