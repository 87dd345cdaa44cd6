// The model client's contract: one chat call in, its text and per-call telemetry out.
// Telemetry fields are null, never 0, where the server does not expose a figure.

import type { Dialect } from '../../core/serving.js';

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON string, not yet parsed. */
  arguments: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  /** An assistant message's calls, on the wire as OpenAI's `tool_calls`. */
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  /** A tool message answers this call. */
  tool_call_id?: string;
}

export interface SpeculativeParams {
  nMax: number;
  nMin?: number;
  pMin?: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
  thinking?: boolean; // undefined: leave the server's default
  speculative?: SpeculativeParams | null;
  temperature?: number;
  seed?: number;
  maxTokens?: number;
  /** Function definitions offered to the model (OpenAI's `tools`). */
  tools?: readonly unknown[];
  extraBody?: Record<string, unknown>;
  /** Hints for the simulated server, sent as x-pairbench-* headers; real servers ignore them. */
  hints?: { task?: string; trial?: string };
  signal?: AbortSignal;
}

export interface CallTelemetry {
  ttftMs: number | null;
  wallMs: number;
  promptTokens: number | null;
  cachedTokens: number | null;
  completionTokens: number | null;
  reasoningTokens: number | null;
  reasoningChars: number | null;
  decodeTps: number | null;
  draftN: number | null;
  draftAccepted: number | null;
  /** true sent and applied, false sent and not applied, null not sent. */
  speculativeApplied: boolean | null;
  httpStatus: number | null;
  finishReason: string | null;
  /** true the thinking switch was sent, false asked for but the dialect has no field, null not asked. */
  thinkingSent?: boolean | null;
}

export interface ChatResult {
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  telemetry: CallTelemetry;
  /** The last usage and timings objects as the server sent them (null: none), for evidence. */
  wire?: { usage: Record<string, unknown> | null; timings: Record<string, unknown> | null };
}

export interface ModelClient {
  readonly dialect: Dialect;
  readonly model: string;
  chat(request: ChatRequest): Promise<ChatResult>;
}
