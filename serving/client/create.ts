// The model client: one streamed OpenAI-compatible chat call per turn, timed from the client's
// side, with deadlines for the first token and for a stalled stream, and typed errors for
// every way the serving layer can fail.

import { createParser } from 'eventsource-parser';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import type { ServingEndpoint } from '../../core/serving.js';
import { buildRequestBody } from './request-body.js';
import { CallAccumulator, type StreamChunk } from './telemetry.js';
import type { ChatRequest, ChatResult, ModelClient } from './types.js';
import { dialectModule } from '../dialects/registry.js';
import type { DialectModule } from '../dialects/types.js';
import {
  ContextLimitError,
  ModelCallError,
  OutputRejectedError,
  ServingError,
  ServingHttpError,
  ServingMalformedError,
  ServingNoFirstTokenError,
  ServingRefusedError,
  ServingStalledError,
  causeCode,
  excerpt,
} from './errors.js';

export interface ModelClientOptions {
  /** Deadline for the first content, reasoning or tool-call delta, from sending. */
  firstTokenMs?: number;
  /** After the first token, cut the stream when nothing arrives for this long. */
  idleMs?: number;
  /** Where the API key named by endpoint.apiKeyEnv is looked up; process.env by default. */
  env?: Record<string, string | undefined>;
}

// Long prompts on a slow box can prefill for minutes; a stalled stream should not hold a
// trial for as long.
export const DEFAULT_FIRST_TOKEN_MS = 600_000;
export const DEFAULT_IDLE_MS = 120_000;

export function createModelClient(endpoint: ServingEndpoint, options: ModelClientOptions = {}): ModelClient {
  const url = chatCompletionsUrl(endpoint.baseUrl);
  const firstTokenMs = options.firstTokenMs ?? endpoint.timeouts?.firstTokenMs ?? DEFAULT_FIRST_TOKEN_MS;
  const idleMs = options.idleMs ?? endpoint.timeouts?.idleMs ?? DEFAULT_IDLE_MS;
  const env = options.env ?? process.env;
  return {
    dialect: endpoint.dialect,
    model: endpoint.model,
    chat: (request) => chat(endpoint, url, request, { firstTokenMs, idleMs, env }),
  };
}

/** `{base}/v1/chat/completions`, tolerating a base URL that already ends in /v1. */
/** A route of the OpenAI-compatible API; users give the base URL with or without /v1. */
export function openAiUrl(baseUrl: string, route: string): string {
  return `${serverRoot(baseUrl)}/v1${route}`;
}

/** The server's own root, for routes outside /v1 (/health, /props, /api/tags). */
export function serverRoot(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function chatCompletionsUrl(baseUrl: string): string {
  return openAiUrl(baseUrl, '/chat/completions');
}

/** Reads the key at call time so a rotated key is picked up; the key goes into a header only. */
export function readApiKey(apiKeyEnv: string | null, env: Record<string, string | undefined>): string | null {
  if (!apiKeyEnv) return null;
  const key = env[apiKeyEnv];
  if (!key) {
    throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `environment variable ${apiKeyEnv} (the serving API key) is not set`, {
      outcome: 'serving_failed',
    });
  }
  return key;
}

interface Limits {
  firstTokenMs: number;
  idleMs: number;
  env: Record<string, string | undefined>;
}

async function chat(endpoint: ServingEndpoint, url: string, request: ChatRequest, limits: Limits): Promise<ChatResult> {
  request.signal?.throwIfAborted();
  const key = readApiKey(endpoint.apiKeyEnv, limits.env);
  const built = buildRequestBody(endpoint.dialect, endpoint.model, request);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (request.hints?.task) headers['x-pairbench-task'] = request.hints.task;
  if (request.hints?.trial) headers['x-pairbench-trial'] = request.hints.trial;

  const ctrl = new AbortController();
  // Set before aborting, so the catch below knows a deadline (not the caller) cut the call.
  let cut: ServingError | null = null;
  const cutWith = (e: ServingError): void => {
    if (cut) return;
    cut = e;
    ctrl.abort(e);
  };
  const onCallerAbort = (): void => ctrl.abort(request.signal?.reason);
  request.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const firstTokenTimer = setTimeout(() => cutWith(new ServingNoFirstTokenError(url, limits.firstTokenMs)), limits.firstTokenMs);
  let idleTimer: NodeJS.Timeout | undefined;
  const acc = new CallAccumulator();
  // Idle time counts only after the first token; before it the first-token deadline governs.
  const touch = (): void => {
    if (acc.firstTokenAt === null) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => cutWith(new ServingStalledError(url, limits.idleMs)), limits.idleMs);
  };

  let finished = false;
  const dialect = dialectModule(endpoint.dialect);
  const sentAt = performance.now();
  let status: number | null = null;
  try {
    let res: Response;
    const send = (): Promise<Response> => fetch(url, { method: 'POST', headers, body: JSON.stringify(built.body), signal: ctrl.signal });
    try {
      // llama-server closes a stream's connection while it still says keep-alive, so a call
      // can go out on a socket just closed, and after calls side by side the pool may hold
      // several: no answer came, so it goes again, after the I/O at hand has run (the pool
      // then sees the closes it has not yet read), until a socket answers. A server that is
      // not there refuses the connection and is not asked twice.
      for (let attempt = 1; ; attempt++) {
        try {
          res = await send();
          break;
        } catch (e) {
          if (ctrl.signal.aborted || attempt >= HUNG_UP_ATTEMPTS || !HUNG_UP_CODES.has(causeCode(e) ?? '')) throw e;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } catch (e) {
      throw connectionError(url, e);
    }
    status = res.status;
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const refused = dialect.contextExceeded(res.status, jsonOrNull(text));
      if (refused) throw new ContextLimitError(url, res.status, refused.promptTokens, refused.contextTokens, excerpt(text, key));
      throw new ServingHttpError(url, res.status, excerpt(text, key));
    }
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream') || !res.body) {
      const text = await res.text().catch(() => '');
      throw new ServingMalformedError(url, `expected an event stream, got ${contentType || 'no content-type'}: ${excerpt(text, key)}`);
    }

    const { doneAt } = await readStream(res.body, url, key, res.status, dialect, acc, () => {
      clearTimeout(firstTokenTimer);
      touch();
    }, touch);
    const endedAt = doneAt ?? performance.now();
    finished = true;
    return {
      content: acc.content,
      reasoning: acc.reasoning,
      toolCalls: acc.toolCalls.filter((c) => c !== undefined),
      telemetry: acc.telemetry({
        dialect: endpoint.dialect,
        sentAt,
        endedAt,
        httpStatus: res.status,
        speculativeAsked: request.speculative != null,
        speculativeSent: built.speculativeSent,
        thinkingSent: built.thinkingSent,
      }),
      wire: { usage: wireObject(acc.serverUsage), timings: wireObject(acc.serverTimings) },
    };
  } catch (e) {
    if (request.signal?.aborted && !cut) throw request.signal.reason;
    // A socket that dies after the headers: the stream was cut before it said it was done.
    const failed = cut ?? (e instanceof PairbenchError ? e : new ServingMalformedError(url, `stream cut before it finished (${causeCode(e) ?? errText(e)})`, e));
    if (failed instanceof ModelCallError) {
      // What the client saw of the failed call, so it is stored as a turn like any other.
      failed.call = {
        httpStatus: status,
        wallMs: round(performance.now() - sentAt),
        ttftMs: acc.firstTokenAt === null ? null : round(acc.firstTokenAt - sentAt),
      };
    }
    throw failed;
  } finally {
    clearTimeout(firstTokenTimer);
    clearTimeout(idleTimer);
    request.signal?.removeEventListener('abort', onCallerAbort);
    if (!finished && !ctrl.signal.aborted) ctrl.abort(); // frees the socket of a failed call
  }
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  url: string,
  key: string | null,
  status: number,
  dialect: DialectModule,
  acc: CallAccumulator,
  onFirstToken: () => void,
  onBytes: () => void,
): Promise<{ doneAt: number | null }> {
  const events: string[] = [];
  let parseProblem: string | null = null;
  const parser = createParser({
    onEvent: (ev) => events.push(ev.data),
    onError: (err) => {
      parseProblem ??= `${err.message}${err.line ? `: ${excerpt(err.line, key)}` : ''}`;
    },
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let doneAt: number | null = null;

  const drain = (now: number): void => {
    if (parseProblem) throw new ServingMalformedError(url, `not server-sent events (${parseProblem})`);
    for (const data of events.splice(0)) {
      if (doneAt !== null) continue; // nothing after [DONE] counts
      if (data === '[DONE]') {
        doneAt = now;
        continue;
      }
      const chunk = parseChunk(data, url, key);
      if (chunk.error !== undefined && chunk.error !== null) {
        const error = typeof chunk.error === 'object' ? (chunk.error as Record<string, unknown>) : { message: chunk.error };
        const code = typeof error.code === 'number' ? error.code : status;
        const text = excerpt(JSON.stringify(chunk.error), key);
        if (dialect.outputRejected(error)) throw new OutputRejectedError(url, code, text);
        throw new ServingHttpError(url, code, text, 'sent, mid-stream,');
      }
      if (acc.add(chunk, now)) onFirstToken();
    }
  };

  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    onBytes();
    parser.feed(decoder.decode(value, { stream: true }));
    drain(performance.now());
  }
  parser.feed(decoder.decode());
  parser.reset({ consume: true });
  drain(performance.now());
  if (doneAt === null && acc.finishReason === null) {
    throw new ServingMalformedError(url, 'stream ended without [DONE] or a finish reason');
  }
  return { doneAt };
}

function parseChunk(data: string, url: string, key: string | null): StreamChunk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (e) {
    throw new ServingMalformedError(url, `data line is not JSON: ${excerpt(data, key)}`, e);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ServingMalformedError(url, `data line is not a JSON object: ${excerpt(data, key)}`);
  }
  return parsed as StreamChunk;
}

const HUNG_UP_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** A call hung up on this many times in a row is the server's failure, not a stale socket's. */
const HUNG_UP_ATTEMPTS = 4;
const REFUSAL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** fetch failed before any response: the server was not there or hung up on us. */
function connectionError(url: string, e: unknown): unknown {
  const code = causeCode(e);
  if (code !== null && REFUSAL_CODES.has(code)) return new ServingRefusedError(url, code, e);
  if (e instanceof TypeError) return new ServingRefusedError(url, code ?? errText(e), e);
  return e; // an abort: the catch above turns it into the deadline's or the caller's error
}


const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

const wireObject = (o: object | null): Record<string, unknown> | null => (o === null ? null : { ...o });

function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
