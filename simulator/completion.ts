// POST /v1/chat/completions: pick the reply (scripted policy, or an injected fault), cost it
// against the slot's prefix cache, then send it streamed or whole with the cost model's
// delays times the time scale.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseChatRequest, type SimChatRequest } from './chat-request.js';
import { costOf, type CostResult } from './cost-model.js';
import { GARBAGE_CONTENT, PARSER_REJECTED_ERROR, type FaultKind } from './faults.js';
import { reasoningBlock } from './policy.js';
import { sendJson } from './respond.js';
import { sleep, type SimState } from './state.js';
import { findShellTool } from './shell-tool.js';
import { CHARS_PER_TOKEN, renderGenerated, renderPrompt, renderToolCalls, takeTokens, tokenCount, type WireToolCall } from './tokens.js';
import { toolCallDeltas } from './tool-wire.js';
import { chunk, completion, errorBody, SSE_DONE, timingsOf, usageChunk, usageOf, type ChunkHead, type Delta, type Timings, type Usage } from './wire.js';

interface Reply {
  reasoning: string;
  content: string;
  toolCalls: WireToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls';
}

/** One costed reply on its way out: what whole() and stream() both send from. */
interface Outgoing {
  state: SimState;
  res: ServerResponse;
  head: ChunkHead;
  reply: Reply;
  cost: CostResult;
  usage: Usage;
  timings: Timings;
  fault: FaultKind | null;
  /** Aborted when the client goes away or the server closes. */
  signal: AbortSignal;
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

function buildReply(state: SimState, req: IncomingMessage, chat: SimChatRequest, fault: FaultKind | null): Reply {
  let content: string;
  let thought: string;
  let toolCalls: WireToolCall[] = [];
  const hints = { task: header(req, 'x-pairbench-task'), trial: header(req, 'x-pairbench-trial') };
  const shell = fault === 'garbage' ? null : findShellTool(chat.tools);
  if (shell !== null) {
    const turn = state.toolPolicy.respond(chat.messages, shell, hints);
    content = turn.content;
    thought = turn.thought;
    toolCalls = turn.toolCalls;
  } else if (fault === 'garbage') {
    // The policy is not consulted, so the script does not advance past a reply the harness could not use.
    content = GARBAGE_CONTENT;
    thought = 'Thinking about how to answer.';
  } else {
    const turn = state.policy.respond(chat.messages, hints);
    content = turn.content;
    thought = turn.thought;
  }
  let reasoning = chat.thinking ? reasoningBlock(thought, state.opts.cost.reasoningTokens) : '';
  let finishReason: Reply['finishReason'] = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  if (chat.maxTokens !== null) {
    const r = tokenCount(reasoning);
    if (chat.maxTokens < r + tokenCount(content) + tokenCount(renderToolCalls(toolCalls))) {
      // A call cut short is no call: what fits of the text is sent, as a server's parser would.
      finishReason = 'length';
      reasoning = takeTokens(reasoning, chat.maxTokens);
      content = takeTokens(content, Math.max(0, chat.maxTokens - r));
      toolCalls = [];
    }
  }
  return { reasoning, content, toolCalls, finishReason };
}

export async function handleChat(state: SimState, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const parsed = parseChatRequest(body);
  if (!parsed.ok) {
    sendJson(res, 400, errorBody(400, parsed.problems.join('; '), 'invalid_request_error'));
    return;
  }
  const chat = parsed.request;
  const fault = state.faults.next();
  if (fault === 'refuse') {
    req.socket.destroy();
    return;
  }
  if (fault === 'http503') {
    sendJson(res, 503, errorBody(503, 'Service Unavailable (simulated burst)', 'unavailable_error'));
    return;
  }

  const prompt = renderPrompt(chat.messages, chat.tools, chat.thinking);
  const promptTokens = tokenCount(prompt);
  // As llama-server refuses a prompt that leaves its slot no room (n_tokens >= n_ctx), with
  // the counts in the body (tools/server: ERROR_TYPE_EXCEED_CONTEXT_SIZE, HTTP 400).
  if (promptTokens >= state.opts.nCtx) {
    sendJson(res, 400, {
      error: {
        code: 400,
        message: `request (${promptTokens} tokens) exceeds the available context size (${state.opts.nCtx} tokens), try increasing it`,
        type: 'exceed_context_size_error',
        n_prompt_tokens: promptTokens,
        n_ctx: state.opts.nCtx,
      },
    });
    return;
  }
  const reply = buildReply(state, req, chat, fault);

  // Stop work when the client goes away or the server closes.
  const abort = new AbortController();
  const onGone = (): void => abort.abort();
  res.on('close', onGone);
  state.lifetime.signal.addEventListener('abort', onGone, { once: true });

  state.stats.deferred++;
  const lease = await state.pool.acquire(prompt);
  state.stats.deferred--;
  state.stats.processing++;
  let cacheText: string | null = prompt;
  try {
    // The client left (or the server closed) while the request waited for a slot: like a
    // cancelled deferred task on llama-server it is not served, so it is not counted, adds
    // no slowdown and leaves the slot's cache as it was.
    if (abort.signal.aborted) {
      cacheText = null;
      return;
    }
    const cost = costOf(state.opts.cost, {
      promptTokens,
      // cache_prompt: false asks llama-server to process the whole prompt again.
      cachedTokens: chat.cachePrompt ? lease.cachedTokens : 0,
      predictedTokens: tokenCount(reply.reasoning) + tokenCount(reply.content) + tokenCount(renderToolCalls(reply.toolCalls)),
      // Drafting needs a draft model loaded at start-up; per-request speculative keys are
      // ignored, as current llama-server builds ignore them.
      speculative: state.opts.specDefault !== null ? { nMax: state.opts.specDefault } : null,
      requestsServed: state.stats.requests,
    });
    state.stats.requests++;
    state.stats.promptTokens += cost.promptN;
    state.stats.promptMs += cost.promptMs;
    state.stats.predictedTokens += cost.predictedN;
    state.stats.predictedMs += cost.predictedMs;
    state.stats.cachedTokens += cost.cacheN;
    if (cost.cacheN > 0) state.stats.cacheHits++;

    const out: Outgoing = {
      state,
      res,
      head: { id: `chatcmpl-sim-${state.nextId++}`, created: Math.floor(Date.now() / 1000), model: state.opts.model },
      reply,
      cost,
      usage: usageOf(cost, promptTokens),
      timings: timingsOf(cost),
      fault,
      signal: abort.signal,
    };
    const finished = chat.stream ? await stream(out, chat.includeUsage) : await whole(out);
    if (finished) cacheText = prompt + renderGenerated(reply.reasoning, reply.content, reply.toolCalls);
  } finally {
    state.stats.processing--;
    state.pool.release(lease.slot, cacheText);
    res.off('close', onGone);
    state.lifetime.signal.removeEventListener('abort', onGone);
  }
}

const scaled = (state: SimState, ms: number): number => ms * state.opts.timeScale;

/** Holds the connection open, sending nothing, until the client or the server gives up. */
async function stall(signal: AbortSignal): Promise<false> {
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  return false;
}

async function whole({ state, res, head, reply, cost, usage, timings, fault, signal }: Outgoing): Promise<boolean> {
  const total = scaled(state, cost.overheadMs + cost.promptMs + cost.predictedMs);
  if (fault === 'crash') {
    await sleep(total / 2, signal);
    state.crash();
    return false;
  }
  if (fault === 'stall') return stall(signal);
  if (!(await sleep(total, signal))) return false;
  if (fault === 'rejected') {
    sendJson(res, 500, { error: PARSER_REJECTED_ERROR });
    return false;
  }
  const body = completion(head, reply, reply.finishReason, usage, timings);
  if (fault === 'malformed') {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text.slice(0, Math.floor(text.length / 2)));
    return true;
  }
  sendJson(res, 200, body);
  return true;
}

interface Piece {
  delta: Delta;
  tokens: number;
}

/** Chunks of up to `perChunk` tokens, never mixing reasoning, content and calls in one delta. */
function pieces(reply: Reply, perChunk: number): Piece[] {
  const out: Piece[] = [];
  const size = perChunk * CHARS_PER_TOKEN;
  for (const field of ['reasoning_content', 'content'] as const) {
    const text = field === 'content' ? reply.content : reply.reasoning;
    for (let i = 0; i < text.length; i += size) {
      const part = text.slice(i, i + size);
      out.push({ delta: field === 'content' ? { content: part } : { reasoning_content: part }, tokens: tokenCount(part) });
    }
  }
  for (const d of toolCallDeltas(reply.toolCalls)) out.push({ delta: d, tokens: tokenCount(d.tool_calls[0]!.function.arguments) });
  return out;
}

// Below this real gap per token, tokens are batched into one chunk so fast runs stay cheap.
const MIN_CHUNK_GAP_MS = 4;
const MAX_TOKENS_PER_CHUNK = 16;

async function stream({ state, res, head, reply, cost, usage, timings, fault, signal }: Outgoing, includeUsage: boolean): Promise<boolean> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // llama-server announces keep-alive on a stream but closes the connection once the stream
  // ends (measured on b10587), so a client's next request takes a new socket.
  const socket = res.socket;
  res.once('finish', () => socket?.end());
  res.write(chunk(head, { role: 'assistant', content: null }, null));

  const perToken = cost.predictedN > 0 ? scaled(state, cost.predictedMs) / cost.predictedN : 0;
  const perChunk = perToken >= MIN_CHUNK_GAP_MS ? 1 : perToken > 0 ? Math.min(MAX_TOKENS_PER_CHUNK, Math.ceil(MIN_CHUNK_GAP_MS / perToken)) : MAX_TOKENS_PER_CHUNK;
  const parts = pieces(reply, perChunk);
  const faultAt = Math.floor(parts.length / 2);

  const start = performance.now();
  const firstTokenAt = scaled(state, cost.overheadMs + cost.promptMs);
  let tokensSent = 0;
  for (let i = 0; i <= parts.length; i++) {
    if (i === faultAt && fault !== null) {
      if (fault === 'stall') return stall(signal);
      if (fault === 'crash') {
        state.crash();
        return false;
      }
      if (fault === 'malformed') res.write('data: {"choices":[{"index":0,"delta":{"content":\n\n');
      if (fault === 'rejected') {
        res.end(`data: ${JSON.stringify({ error: PARSER_REJECTED_ERROR })}\n\n`);
        return false;
      }
    }
    const part = parts[i];
    if (part === undefined) break;
    // Absolute deadlines, so timer lateness does not add up over a long stream.
    const due = start + firstTokenAt + tokensSent * perToken;
    const wait = due - performance.now();
    if (wait >= 1 && !(await sleep(wait, signal))) return false;
    if (signal.aborted || res.destroyed) return false;
    if (!res.write(chunk(head, part.delta, null))) await drained(res, signal);
    tokensSent += part.tokens;
  }
  // The last token lands at first token + all decode time.
  const end = start + firstTokenAt + scaled(state, cost.predictedMs);
  const wait = end - performance.now();
  if (wait >= 1 && !(await sleep(wait, signal))) return false;
  if (signal.aborted || res.destroyed) return false;

  res.write(chunk(head, {}, reply.finishReason, includeUsage ? {} : { timings }));
  if (includeUsage) res.write(usageChunk(head, usage, timings));
  res.end(SSE_DONE);
  return true;
}

function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
