// Gathers one streamed call's text and figures from its chunks; the dialect's module says
// where each figure really comes from. A figure the server does not expose is null, never 0.

import type { CallTelemetry, ToolCall } from './types.js';
import type { Dialect } from '../../core/serving.js';
import { dialectModule } from '../dialects/registry.js';
import type { WireTimings, WireUsage } from '../dialects/types.js';

/** The parts of a chat.completion.chunk the client reads. */
export interface StreamChunk {
  choices?: Array<{
    delta?: {
      content?: unknown;
      reasoning_content?: unknown;
      reasoning?: unknown;
      tool_calls?: unknown;
    } | null;
    finish_reason?: unknown;
  }> | null;
  usage?: WireUsage | null;
  timings?: WireTimings | null;
  error?: unknown;
}

export class CallAccumulator {
  content = '';
  reasoning = '';
  finishReason: string | null = null;
  /** Tool calls, put together from their streamed fragments by index. */
  readonly toolCalls: ToolCall[] = [];
  /** performance.now() of the first chunk carrying content, reasoning or a tool call. */
  firstTokenAt: number | null = null;
  private usage: WireUsage | null = null;
  private timings: WireTimings | null = null;

  /** The server's own timings object (llama-server's), as it came; null when it sent none. */
  get serverTimings(): WireTimings | null {
    return this.timings;
  }

  /** The server's last usage object, as it came; null when it sent none. */
  get serverUsage(): WireUsage | null {
    return this.usage;
  }

  /** Folds one chunk in; returns true when it carried the call's first token. */
  add(chunk: StreamChunk, now: number): boolean {
    let produced = false;
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta;
      if (d) {
        if (typeof d.content === 'string' && d.content.length > 0) {
          this.content += d.content;
          produced = true;
        }
        // llama-server and vLLM say reasoning_content; Ollama's /v1 (and newer vLLM) say reasoning.
        const r = typeof d.reasoning_content === 'string' ? d.reasoning_content : d.reasoning;
        if (typeof r === 'string' && r.length > 0) {
          this.reasoning += r;
          produced = true;
        }
        if (Array.isArray(d.tool_calls) && d.tool_calls.length > 0) {
          produced = true;
          for (const t of d.tool_calls) this.addToolCallDelta(t);
        }
      }
      if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    }
    if (chunk.usage) this.usage = chunk.usage;
    if (chunk.timings) this.timings = chunk.timings;
    if (produced && this.firstTokenAt === null) {
      this.firstTokenAt = now;
      return true;
    }
    return false;
  }

  /** A fragment opens a call (index, id, name) or appends to its arguments. */
  private addToolCallDelta(t: unknown): void {
    if (typeof t !== 'object' || t === null) return;
    const { index, id, function: fn } = t as { index?: unknown; id?: unknown; function?: { name?: unknown; arguments?: unknown } };
    const i = typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : this.toolCalls.length;
    const call = (this.toolCalls[i] ??= { id: '', name: '', arguments: '' });
    if (typeof id === 'string' && id !== '') call.id = id;
    if (typeof fn?.name === 'string' && fn.name !== '') call.name = fn.name;
    if (typeof fn?.arguments === 'string') call.arguments += fn.arguments;
  }

  telemetry(args: {
    dialect: Dialect;
    sentAt: number;
    endedAt: number;
    httpStatus: number;
    speculativeSent: boolean;
    speculativeAsked: boolean;
    thinkingSent: boolean | null;
  }): CallTelemetry {
    const f = dialectModule(args.dialect).figures(this.usage, this.timings);
    const { promptTokens, cachedTokens, completionTokens, reasoningTokens } = f;
    // Characters are counted from what streamed; a server that reasons without streaming the
    // text (reasoning tokens but no chars) has no char figure.
    const chars = this.reasoning.length;
    const reasoningChars = chars === 0 && reasoningTokens !== null && reasoningTokens > 0 ? null : chars;

    const decodeTps = f.decodeTps ?? this.computedTps(completionTokens, args.endedAt);

    const { draftN, draftAccepted } = f;
    let speculativeApplied: boolean | null = null;
    if (args.speculativeAsked) speculativeApplied = args.speculativeSent ? draftN !== null : false;

    return {
      ttftMs: this.firstTokenAt === null ? null : round(this.firstTokenAt - args.sentAt),
      wallMs: round(args.endedAt - args.sentAt),
      promptTokens,
      cachedTokens,
      completionTokens,
      reasoningTokens,
      reasoningChars,
      decodeTps,
      draftN,
      draftAccepted,
      speculativeApplied,
      httpStatus: args.httpStatus,
      finishReason: this.finishReason,
      thinkingSent: args.thinkingSent,
    };
  }

  // Tokens after the first over the time after the first: n tokens span n-1 gaps, so dividing
  // n by that time would flatter short outputs.
  private computedTps(completionTokens: number | null, endedAt: number): number | null {
    if (completionTokens === null || completionTokens < 2 || this.firstTokenAt === null) return null;
    const seconds = (endedAt - this.firstTokenAt) / 1000;
    if (seconds <= 0) return null;
    return (completionTokens - 1) / seconds;
  }
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
