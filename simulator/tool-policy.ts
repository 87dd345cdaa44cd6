// The scripted model under native function calling: when a request offers a shell tool, it
// plays the task's solve.sh one command per call to that tool, with arguments that fit the
// tool's schema, then ends with a plain message once every command has run.
//
// Progress is read from the conversation itself (the shell calls already made, in order),
// which is what an installed agent resends; a trial hint adds memory for harnesses that
// drop history (window:K, state-file), and a repeated request gets the same answer.

import { createHash } from 'node:crypto';
import { commandOf, shellArguments, type ShellTool } from './shell-tool.js';
import type { ScriptedTask, TaskLibrary } from './task-library.js';
import type { WireMessage, WireToolCall } from './tokens.js';
import type { PolicyHints } from './policy.js';

export type ToolDecision = { kind: 'cmd'; index: number } | { kind: 'done' } | { kind: 'unknown-task' };

export interface ToolTurn {
  task: string | null;
  decision: ToolDecision;
  /** Plain text: empty beside a call, the closing message otherwise. */
  content: string;
  toolCalls: WireToolCall[];
  thought: string;
}

interface TrialMemory {
  task: string | null;
  next: number;
  answered: Map<string, ToolDecision>;
}

const MAX_TRIALS_KEPT = 10_000;

export class ToolPolicy {
  private readonly trials = new Map<string, TrialMemory>();
  private calls = 0;

  constructor(private readonly library: TaskLibrary) {}

  respond(messages: WireMessage[], tool: ShellTool, hints: PolicyHints = {}): ToolTurn {
    const memory = this.memoryFor(hints.trial ?? null);
    const task = this.identify(messages, hints.task ?? null, memory);
    if (memory) memory.task = task?.name ?? null;
    const key = conversationKey(messages);
    const decision = memory?.answered.get(key) ?? this.decide(task, messages, tool, memory);
    memory?.answered.set(key, decision);
    return render(task, decision, tool, () => `call_sim_${++this.calls}`);
  }

  private memoryFor(trial: string | null): TrialMemory | null {
    if (trial === null) return null;
    let m = this.trials.get(trial);
    if (!m) {
      m = { task: null, next: 0, answered: new Map() };
      this.trials.set(trial, m);
      if (this.trials.size > MAX_TRIALS_KEPT) this.trials.delete(this.trials.keys().next().value!);
    }
    return m;
  }

  /** By header, by the trial's earlier answer, else the first user message holding an instruction (agents put their own context first). */
  private identify(messages: WireMessage[], header: string | null, memory: TrialMemory | null): ScriptedTask | null {
    if (header) return this.library.byName(header);
    if (memory?.task) return this.library.byName(memory.task);
    for (const m of messages) {
      if (m.role !== 'user') continue;
      const found = this.library.byInstruction(m.content);
      if (found) return found;
    }
    return null;
  }

  private decide(task: ScriptedTask | null, messages: WireMessage[], tool: ShellTool, memory: TrialMemory | null): ToolDecision {
    if (task === null) return { kind: 'unknown-task' };
    const played = playedSoFar(task, messages, tool);
    const next = Math.max(played, memory?.next ?? 0);
    if (next >= task.commands.length) return { kind: 'done' };
    if (memory) memory.next = next + 1;
    return { kind: 'cmd', index: next };
  }
}

/** How many of the solution's commands, in order, the conversation's shell calls already ran. */
function playedSoFar(task: ScriptedTask, messages: WireMessage[], tool: ShellTool): number {
  let n = 0;
  for (const m of messages) {
    if (m.role !== 'assistant') continue;
    for (const call of m.toolCalls ?? []) {
      const command = commandOf(tool, call);
      if (command !== null && n < task.commands.length && command === task.commands[n]) n++;
    }
  }
  return n;
}

function conversationKey(messages: WireMessage[]): string {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(`${m.role}\u0000${m.content}\u0000${JSON.stringify(m.toolCalls ?? [])}\u0001`);
  return hash.digest('hex');
}

function render(task: ScriptedTask | null, decision: ToolDecision, tool: ShellTool, nextId: () => string): ToolTurn {
  const total = task?.commands.length ?? 0;
  const base = { task: task?.name ?? null, decision };
  if (decision.kind === 'cmd') {
    const command = task!.commands[decision.index]!;
    return {
      ...base,
      content: '',
      toolCalls: [{ id: nextId(), name: tool.name, arguments: shellArguments(tool, command) }],
      thought: `Step ${decision.index + 1} of ${total}: run it with the ${tool.name} tool.`,
    };
  }
  if (decision.kind === 'done') {
    return { ...base, content: `All ${total} steps have run; the task is complete.`, toolCalls: [], thought: 'Every step has run; nothing is left to do.' };
  }
  return { ...base, content: 'I do not recognise this task, so there is nothing I can run for it.', toolCalls: [], thought: 'I do not recognise this task.' };
}
