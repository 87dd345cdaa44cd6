// The calls `pairbench serving check` makes, through the same model client and telemetry a
// sweep records with, so its evidence is the figures a sweep would store. Seven short chat
// calls plus the health and provenance routes; a server that is not there, or refuses the
// key, ends the check with one message saying so and how to fix it.

import { randomBytes } from 'node:crypto';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { createModelClient, readApiKey, serverRoot } from '../client/create.js';
import { ModelCallError, ServingHttpError, ServingRefusedError, causeCode, excerpt } from '../client/errors.js';
import type { ChatMessage, ChatRequest, ModelClient, SpeculativeParams } from '../client/types.js';
import { healthUrl } from '../control/health.js';
import { saysSimulated } from '../control/identity.js';
import { fetchProvenance } from '../control/provenance.js';
import { dialectModule } from '../dialects/registry.js';
import { judge, type ProbeResult, type ProbeSet, type ServingCheck } from './findings.js';

export interface CheckOptions {
  /** The speculative settings the agent harnesses send when their lever is on. */
  speculative: SpeculativeParams;
  /** Per call; a check should not wait as long as a sweep's long prefills may. */
  callTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/** The output cap of the cold call: small enough that any model reaches it. */
const CAP = 8;
/** Room for a reasoning block to show when thinking is on. */
const THINKING_CAP = 48;

// A system prompt long enough that a reused prefix is unmistakable, opened with a nonce so no
// earlier check (or sweep) has it cached.
const FILLER = 'You are a careful assistant working in a terminal. Answer in one short line. '.repeat(12);

export async function checkServing(endpoint: ServingEndpoint, options: CheckOptions): Promise<ServingCheck> {
  const env = options.env ?? process.env;
  // A missing key variable is the user's to fix before anything is sent.
  const key = readApiKey(endpoint.apiKeyEnv, env);
  const health = await probeHealth(endpoint, key);
  const simulated = endpoint.simulated || (await saysSimulated(endpoint.baseUrl));
  const timeoutMs = options.callTimeoutMs ?? 120_000;
  const client = createModelClient(endpoint, { firstTokenMs: timeoutMs, idleMs: timeoutMs, env });
  const dialect = dialectModule(endpoint.dialect);
  const keyEnv = endpoint.apiKeyEnv;

  const nonce = randomBytes(6).toString('hex');
  const opening: ChatMessage[] = [
    { role: 'system', content: `Check ${nonce}. ${FILLER}` },
    { role: 'user', content: 'List the files in the current directory.' },
  ];
  // The first call tells a refused key or a missing model apart from a lever's answer.
  const cold = await call(client, { messages: opening, maxTokens: CAP, temperature: 0 }, keyEnv, true);
  const reply = cold.ok ? cold.content : '';
  const extendedMessages: ChatMessage[] = [...opening, { role: 'assistant', content: reply }, { role: 'user', content: 'Now count the lines of each file.' }];
  const extended = await call(client, { messages: extendedMessages, maxTokens: CAP, temperature: 0 }, keyEnv);
  // The recording proxy's -cache lever, in the dialect's own field.
  const cacheOffBody: Record<string, unknown> = {};
  const cacheOff = dialect.prefixCacheOff(cacheOffBody)
    ? await call(client, { messages: extendedMessages, maxTokens: CAP, temperature: 0, extraBody: cacheOffBody }, keyEnv)
    : `${endpoint.dialect} has no per-request prefix-cache switch (it is set at start-up)`;
  const speculative = dialect.speculative(options.speculative, {})
    ? await call(client, { messages: opening, maxTokens: CAP, temperature: 0, speculative: options.speculative }, keyEnv)
    : `not sent: ${endpoint.dialect} takes no per-request speculative keys (speculation is set at start-up)`;
  const thinkingMessages: ChatMessage[] = [{ role: 'user', content: `Check ${nonce}: which command shows the disk usage of a directory?` }];
  const canThink = dialect.thinking(true, {});
  const noField = `${endpoint.dialect} has no per-request thinking field pairbench sends`;
  const thinkingOff = canThink ? await call(client, { messages: thinkingMessages, maxTokens: THINKING_CAP, temperature: 0, thinking: false }, keyEnv) : noField;
  const thinkingOn = canThink ? await call(client, { messages: thinkingMessages, maxTokens: THINKING_CAP, temperature: 0, thinking: true }, keyEnv) : noField;

  const context = await contextSize(endpoint);
  const probes: ProbeSet = { health, cold, cap: CAP, extended, cacheOff, speculative, thinkingOn, thinkingOff, context };
  return {
    target: { baseUrl: serverRoot(endpoint.baseUrl), model: endpoint.model, dialect: endpoint.dialect, simulated },
    checkedAt: new Date().toISOString(),
    findings: judge(probes),
  };
}

async function probeHealth(endpoint: ServingEndpoint, key: string | null): Promise<ProbeSet['health']> {
  const url = healthUrl(endpoint.baseUrl, endpoint.dialect);
  let res: Response;
  try {
    res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const why = whyNoAnswer(e) ?? (e instanceof Error ? e.message : String(e));
    throw new PairbenchError(
      ERROR_CODES.SERVING_REFUSED,
      `nothing answers at ${url} (${why}): start the server, or check --base-url (endpoint.base_url in a serving file)`,
    );
  }
  const body = excerpt(await res.text().catch(() => ''), key);
  if (res.status === 401 || res.status === 403) throw keyRefused(url, res.status, body, endpoint.apiKeyEnv);
  return { url, status: res.status, body: body.slice(0, 80) };
}

async function call(client: ModelClient, request: ChatRequest, apiKeyEnv: string | null, first = false): Promise<ProbeResult> {
  try {
    const r = await client.chat(request);
    const t = r.telemetry;
    return {
      ok: true,
      content: r.content,
      reasoning: r.reasoning,
      promptTokens: t.promptTokens,
      cachedTokens: t.cachedTokens,
      completionTokens: t.completionTokens,
      reasoningTokens: t.reasoningTokens,
      draftN: t.draftN,
      finishReason: t.finishReason,
      usage: r.wire?.usage ?? null,
      timings: r.wire?.timings ?? null,
    };
  } catch (e) {
    if (e instanceof ServingHttpError && (e.status === 401 || e.status === 403)) throw keyRefused(e.url, e.status, e.bodyExcerpt, apiKeyEnv);
    // Gone mid-check, or nothing chat-shaped there at all: no finding would mean anything.
    if (e instanceof ServingRefusedError) throw e;
    if (first && e instanceof ServingHttpError && e.status === 404) {
      throw new PairbenchError(ERROR_CODES.SERVING_HTTP, `${e.message}. Check --base-url (the server's root or its /v1) and --model`);
    }
    if (e instanceof ModelCallError || e instanceof PairbenchError) return { ok: false, error: `${e.code}: ${e.message}` };
    throw e;
  }
}

function keyRefused(url: string, status: number, body: string, apiKeyEnv: string | null): PairbenchError {
  return new PairbenchError(
    ERROR_CODES.SERVING_HTTP,
    `${url} refused the API key (HTTP ${status}: ${body || 'no body'}): ` +
      (apiKeyEnv ? `set ${apiKeyEnv} to the key the server was started with` : 'name the environment variable holding the key with --api-key-env (api_key_env in a serving file)'),
  );
}

async function contextSize(endpoint: ServingEndpoint): Promise<ProbeSet['context']> {
  const d = dialectModule(endpoint.dialect);
  if (!d.contextSize) return `${endpoint.dialect} has no route that says its context size`;
  const answers = await fetchProvenance(endpoint);
  const found = d.contextSize(answers);
  return found ?? `none of ${d.provenanceRoutes.join(', ')} said it`;
}

/** The socket error's code, or that the probe's own deadline passed. */
function whyNoAnswer(e: unknown): string | null {
  return causeCode(e) ?? (e instanceof Error && e.name === 'TimeoutError' ? 'no answer within 10 s' : null);
}
