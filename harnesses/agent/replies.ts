// The contract lever: how a reply is parsed into actions, and what the model is told when
// a reply breaks the contract. The prompts and messages themselves live in ../contracts.ts,
// shared with the simulated server.

import {
  JSON_CORRECTION,
  JSON_SYSTEM_PROMPT,
  TERSE_CORRECTION,
  TERSE_SYSTEM_PROMPT,
  parseJsonReply,
  parseTerse,
  type Contract,
  type ParseResult,
} from '../../core/contracts.js';
import type { Action } from './executors/types.js';

/** A parsed reply: what to run, and whether the model says the task is complete. */
export interface Step {
  actions: Action[];
  complete: boolean;
}

export interface ReplyContract {
  readonly contract: Contract;
  readonly systemPrompt: string;
  parse(text: string): ParseResult<Step>;
  correction(problem: string): string;
  /** Sent after a second violation in a row: the turn ends and nothing ran. */
  skipped(problem: string): string;
  /** The json contract asks for a second task_complete before it believes the first. */
  readonly confirmsCompletion: boolean;
}

const terse: ReplyContract = {
  contract: 'terse',
  systemPrompt: TERSE_SYSTEM_PROMPT,
  parse(text) {
    const r = parseTerse(text);
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
  parse(text) {
    const r = parseJsonReply(text);
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

export const REPLY_CONTRACTS: Record<Contract, ReplyContract> = { terse, json };
