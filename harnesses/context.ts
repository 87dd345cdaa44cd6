// The context policy: which messages each model call carries. `full` re-sends every
// exchange (prompt grows each turn), `window:K` only the last K, `state-file` none at all:
// a JSON file kept on the host stands in for the history (../shared seeds: loop-tax).

import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChatMessage, ToolCall } from '../serving/client/types.js';
import type { ContextPolicy } from '../core/harness.js';

/** One reply and the message that answered it (an observation, a correction, a confirmation). */
export interface Exchange {
  reply: string;
  feedback: string;
  /** The tool call the reply made (tools contract): the feedback then goes back as its tool result. */
  call?: ToolCall;
}

/** The two opening messages, byte-identical for every harness using the same contract. */
export interface Opening {
  system: string;
  instruction: string; // the task's instruction.md, verbatim
}

export const STATE_FILE_NAME = 'agent-state.json';
const OUTPUT_TAIL_BYTES = 512;

export interface StateEntry {
  turn: number;
  command: string;
  exit_code: number | null;
  timed_out: boolean;
  output_tail: string;
}

export interface AgentState {
  task: string;
  turns_so_far: number;
  commands: StateEntry[];
}

export function openingMessages(opening: Opening): ChatMessage[] {
  return [
    { role: 'system', content: opening.system },
    { role: 'user', content: opening.instruction },
  ];
}

function exchangeMessages(history: readonly Exchange[]): ChatMessage[] {
  return history.flatMap((x): ChatMessage[] =>
    x.call === undefined
      ? [
          { role: 'assistant', content: x.reply },
          { role: 'user', content: x.feedback },
        ]
      : [
          { role: 'assistant', content: x.reply === '' ? null : x.reply, tool_calls: [{ id: x.call.id, type: 'function', function: { name: x.call.name, arguments: x.call.arguments } }] },
          { role: 'tool', tool_call_id: x.call.id, content: x.feedback },
        ],
  );
}

/** The state message: the state file's text, then the latest feedback (it carries corrections and confirmations). */
export function stateMessage(stateText: string, latestFeedback: string): string {
  return `Progress so far, kept by the harness in ${STATE_FILE_NAME} (your earlier replies are not repeated):\n${stateText}\n\nLatest result:\n${latestFeedback}`;
}

/**
 * The messages for the next call. `stateText` is the state file's current text; it is only
 * used under `state-file`, and only once there is history to stand in for.
 */
export function buildMessages(policy: ContextPolicy, opening: Opening, history: readonly Exchange[], stateText: string | null): ChatMessage[] {
  const head = openingMessages(opening);
  switch (policy.kind) {
    case 'full':
      return [...head, ...exchangeMessages(history)];
    case 'window':
      return [...head, ...exchangeMessages(policy.k > 0 ? history.slice(-policy.k) : [])];
    case 'state-file': {
      const last = history[history.length - 1];
      if (last === undefined || stateText === null) return head;
      return [...head, { role: 'user', content: stateMessage(stateText, last.feedback) }];
    }
  }
}

export function tailBytes(text: string, maxBytes = OUTPUT_TAIL_BYTES): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let start = buf.length - maxBytes;
  while (start < buf.length && ((buf[start] ?? 0) & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

/** Writes via a temp file and a rename, so a reader never sees a half-written file. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(temp, text, 'utf8');
  await rename(temp, file);
}

/** The host-side state file: commands run so far with exit codes and a short output tail. */
export class StateFile {
  readonly path: string;
  private readonly state: AgentState;

  constructor(trialDir: string, task: string) {
    this.path = path.join(trialDir, STATE_FILE_NAME);
    this.state = { task, turns_so_far: 0, commands: [] };
  }

  record(entry: { turn: number; command: string | null; exitCode: number | null; timedOut: boolean; output: string }): void {
    this.state.turns_so_far = entry.turn + 1;
    if (entry.command === null) return;
    this.state.commands.push({
      turn: entry.turn,
      command: entry.command,
      exit_code: entry.exitCode,
      timed_out: entry.timedOut,
      output_tail: tailBytes(entry.output),
    });
  }

  text(): string {
    return JSON.stringify(this.state, null, 2);
  }

  /** Rewrites the file and returns what it now holds. */
  async write(): Promise<string> {
    const text = this.text();
    await writeFileAtomic(this.path, text);
    return text;
  }
}
