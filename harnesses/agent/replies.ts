// The contract lever: how a reply is parsed into actions, and what the model is told when
// a reply breaks the contract. The prompts and messages themselves live in ../contracts.ts,
// shared with the simulated server.

import {
  BASH_TOOL,
  JSON_CORRECTION,
  JSON_SYSTEM_PROMPT,
  TERSE_CORRECTION,
  TERSE_SYSTEM_PROMPT,
  TOOLS_CORRECTION,
  TOOLS_SYSTEM_PROMPT,
  parseJsonReply,
  parseTerse,
  type Contract,
  type ParseResult,
} from '../../core/contracts.js';
import type { ToolCall } from '../../serving/client/types.js';
import type { Action } from './executors/types.js';

/** What came back from the model: its text and any tool calls. */
export interface ModelReply {
  content: string;
  toolCalls: readonly ToolCall[];
}

/** A parsed reply: what to run, and whether the model says the task is complete. */
export interface Step {
  actions: Action[];
  complete: boolean;
}

export interface ReplyContract {
  readonly contract: Contract;
  readonly systemPrompt: string;
  /** Function definitions sent with every request (the tools contract's bash tool), or none. */
  readonly tools: readonly unknown[];
  parse(reply: ModelReply): ParseResult<Step>;
  correction(problem: string): string;
  /** Sent after a second violation in a row: the turn ends and nothing ran. */
  skipped(problem: string): string;
  /** The json contract asks for a second task_complete before it believes the first. */
  readonly confirmsCompletion: boolean;
}

const terse: ReplyContract = {
  contract: 'terse',
  systemPrompt: TERSE_SYSTEM_PROMPT,
  tools: [],
  parse({ content }) {
    const r = parseTerse(content);
    if (!r.ok) return r;
    const v = r.value;
    return { ok: true, value: v.kind === 'done' ? { actions: [], complete: true } : { actions: [{ kind: 'command', command: v.command }], complete: false } };
  },
  correction: TERSE_CORRECTION,
  skipped: (problem) => `Nothing was run: the reply broke the contract again. ${TERSE_CORRECTION(problem)}`,
  confirmsCompletion: false,
};

const json: ReplyContract = {
  contract: 'json',
  systemPrompt: JSON_SYSTEM_PROMPT,
  tools: [],
  parse({ content }) {
    const r = parseJsonReply(content);
    if (!r.ok) return r;
    return {
      ok: true,
      value: {
        actions: r.value.commands.map((c) => ({ kind: 'keystrokes', keys: c.keystrokes, durationSec: c.duration })),
        complete: r.value.task_complete,
      },
    };
  },
  correction: JSON_CORRECTION,
  skipped: (problem) => `Nothing was run: the reply could not be parsed again. ${JSON_CORRECTION(problem)}`,
  confirmsCompletion: true,
};

const tools: ReplyContract = {
  contract: 'tools',
  systemPrompt: TOOLS_SYSTEM_PROMPT,
  tools: [BASH_TOOL],
  parse({ toolCalls }) {
    // No call is the model saying it is done, as agents read it.
    if (toolCalls.length === 0) return { ok: true, value: { actions: [], complete: true } };
    if (toolCalls.length > 1) return { ok: false, problem: `one tool call per reply (got ${toolCalls.length})` };
    const call = toolCalls[0]!;
    if (call.name !== BASH_TOOL.function.name) return { ok: false, problem: `unknown tool "${call.name}"` };
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch (e) {
      return { ok: false, problem: `arguments are not JSON (${(e as Error).message})` };
    }
    const command = typeof args === 'object' && args !== null ? (args as { command?: unknown }).command : undefined;
    if (typeof command !== 'string' || command.trim() === '') return { ok: false, problem: 'arguments need a non-empty "command" string' };
    return { ok: true, value: { actions: [{ kind: 'command', command }], complete: false } };
  },
  correction: TOOLS_CORRECTION,
  skipped: (problem) => `Nothing was run: the tool call could not be used again. ${TOOLS_CORRECTION(problem)}`,
  confirmsCompletion: false,
};

export const REPLY_CONTRACTS: Record<Contract, ReplyContract> = { terse, json, tools };
