// The simulated model: a scripted policy that plays a task's reference solution one
// top-level command per turn, in the reply contract the system prompt names, then says the
// task is done. Replies are rendered with the harnesses' own contract code so both sides of
// the wire agree on one format.

import { createHash } from 'node:crypto';
import {
  contractOf,
  JSON_CONFIRM_COMPLETE,
  JSON_CORRECTION,
  parseJsonReply,
  parseTerse,
  renderJsonReply,
  renderTerse,
  TERSE_CORRECTION,
  type Contract,
} from '../core/contracts.js';
import type { ScriptedTask, TaskLibrary } from './task-library.js';
import { CHARS_PER_TOKEN, type WireMessage } from './tokens.js';

export { splitTopLevelCommands } from './shell-split.js';

export type Decision = { kind: 'cmd'; index: number } | { kind: 'done' } | { kind: 'unknown-task' };

export interface PolicyTurn {
  contract: Contract | null;
  task: string | null;
  decision: Decision;
  /** The reply content (what the harness parses). */
  content: string;
  /** One line the reasoning block is built from. */
  thought: string;
}

export interface PolicyHints {
  task?: string | null;
  trial?: string | null;
}

interface TrialState {
  task: string | null;
  next: number;
  /** Decisions by conversation (conversationKey), so a retried request replays. */
  answered: Map<string, Decision>;
}

const MAX_TRIALS_KEPT = 10_000;

// Prefixes of the harnesses' corrective messages, derived from the contract code itself.
const TERSE_CORRECTION_PREFIX = TERSE_CORRECTION('\u0000').split('\u0000')[0]!;
const JSON_CORRECTION_PREFIX = JSON_CORRECTION('\u0000').split('\u0000')[0]!;

/** What the scripted model asks a Terminus-style harness to wait after each command, at time-scale 1. */
export const KEYSTROKE_DURATION_SEC = 1.0;

export interface PolicyOptions {
  /** The `duration` it puts on each keystroke entry; the server scales it with --time-scale. */
  keystrokeDurationSec?: number;
}

export class ScriptedPolicy {
  private readonly trials = new Map<string, TrialState>();
  private readonly keystrokeDurationSec: number;

  constructor(
    private readonly library: TaskLibrary,
    options: PolicyOptions = {},
  ) {
    this.keystrokeDurationSec = options.keystrokeDurationSec ?? KEYSTROKE_DURATION_SEC;
  }

  respond(messages: WireMessage[], hints: PolicyHints = {}): PolicyTurn {
    const system = messages.find((m) => m.role === 'system')?.content ?? '';
    const contract = contractOf(system);
    const assistants = messages.filter((m) => m.role === 'assistant').map((m) => m.content);
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';

    const state = this.stateFor(hints.trial ?? null);
    const task = this.identify(messages, hints.task ?? null, state);
    if (state) state.task = task?.name ?? null;

    // The same request sent again (a retry) gets the same reply. The key is the whole
    // conversation, not its length: under window:K and state-file policies the number of
    // assistant messages stops growing (or is always 0) while the script moves on.
    const key = conversationKey(messages);
    const replayed = state?.answered.get(key);
    const decision = replayed ?? this.decide(task, contract, assistants, lastUser, state);
    state?.answered.set(key, decision);
    return { contract, task: task?.name ?? null, decision, ...render(contract, task, decision, this.keystrokeDurationSec) };
  }

  private stateFor(trial: string | null): TrialState | null {
    if (trial === null) return null;
    let state = this.trials.get(trial);
    if (!state) {
      state = { task: null, next: 0, answered: new Map() };
      this.trials.set(trial, state);
      if (this.trials.size > MAX_TRIALS_KEPT) this.trials.delete(this.trials.keys().next().value!);
    }
    return state;
  }

  private identify(messages: WireMessage[], header: string | null, state: TrialState | null): ScriptedTask | null {
    if (header) return this.library.byName(header);
    if (state?.task) return this.library.byName(state.task);
    const firstUser = messages.find((m) => m.role === 'user')?.content;
    return firstUser === undefined ? null : this.library.byInstruction(firstUser);
  }

  private decide(
    task: ScriptedTask | null,
    contract: Contract | null,
    assistants: string[],
    lastUser: string,
    state: TrialState | null,
  ): Decision {
    if (task === null) return { kind: 'unknown-task' };
    if (lastUser.trim() === JSON_CONFIRM_COMPLETE) return { kind: 'done' };

    // A corrective message means the last reply was not run: say the same command again if
    // it was one, so nothing is skipped; otherwise carry on with the next one.
    const corrective = lastUser.startsWith(TERSE_CORRECTION_PREFIX) || lastUser.startsWith(JSON_CORRECTION_PREFIX);
    if (corrective && assistants.length > 0) {
      const previous = commandsIn(assistants[assistants.length - 1]!, contract);
      const index = previous.length > 0 ? task.commands.indexOf(previous[0]!) : -1;
      if (index >= 0) return { kind: 'cmd', index };
    }

    let next: number;
    if (state) next = state.next;
    else next = playedSoFar(task, contract, assistants);
    if (next >= task.commands.length) return { kind: 'done' };
    if (state) state.next = next + 1;
    return { kind: 'cmd', index: next };
  }
}

function conversationKey(messages: WireMessage[]): string {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(`${m.role}\u0000${m.content}\u0001`);
  return hash.digest('hex');
}

/** Without a trial key: how many of the solution's commands, in order, earlier replies already ran. */
function playedSoFar(task: ScriptedTask, contract: Contract | null, assistants: string[]): number {
  const played = assistants.flatMap((a) => commandsIn(a, contract));
  let n = 0;
  for (const command of played) if (n < task.commands.length && command === task.commands[n]) n++;
  return n;
}

/** The commands an assistant reply carried, read with the harness's own parser. */
function commandsIn(reply: string, contract: Contract | null): string[] {
  if (contract === 'json') {
    const parsed = parseJsonReply(reply);
    return parsed.ok ? parsed.value.commands.map((c) => c.keystrokes.replace(/\n$/, '')) : [];
  }
  const parsed = parseTerse(reply);
  return parsed.ok && parsed.value.kind === 'cmd' ? [parsed.value.command] : [];
}

function firstLine(command: string): string {
  const line = command.split('\n')[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function render(
  contract: Contract | null,
  task: ScriptedTask | null,
  decision: Decision,
  durationSec: number,
): { content: string; thought: string } {
  const total = task?.commands.length ?? 0;
  let thought: string;
  if (decision.kind === 'unknown-task') thought = 'I do not recognise this task, so there is nothing I can run for it.';
  else if (decision.kind === 'done') thought = `All ${total} steps of the plan have run; the task is complete.`;
  else thought = `Step ${decision.index + 1} of ${total}: run \`${firstLine(task!.commands[decision.index]!)}\`.`;

  if (contract === 'json') {
    if (decision.kind === 'cmd') {
      const command = task!.commands[decision.index]!;
      return {
        thought,
        content: renderJsonReply({
          analysis:
            decision.index === 0
              ? `The terminal is at a fresh prompt and nothing has been done yet. The task needs ${total} step${total === 1 ? '' : 's'}. I will work through them in order and check the output after each one.`
              : `The previous command finished and the terminal is ready again. ${decision.index} of ${total} steps are done and nothing in the output suggests a problem, so I can carry on with the plan.`,
          plan: `Next I will run \`${firstLine(command)}\`. After it finishes I will look at the screen to confirm it worked before moving on to the next step.`,
          commands: [{ keystrokes: `${command}\n`, duration: durationSec }],
          task_complete: false,
        }),
      };
    }
    const analysis =
      decision.kind === 'done'
        ? `Every step of the plan has run and the output looked as expected each time. The task's requirements are met.`
        : `I do not recognise this task, so I have no plan for it. Stopping here rather than guessing.`;
    return {
      thought,
      content: renderJsonReply({ analysis, plan: 'No further commands are needed; marking the task as complete.', commands: [], task_complete: true }),
    };
  }
  // terse, and terse-like plain text when no contract marker is present.
  if (decision.kind === 'cmd') return { thought, content: renderTerse({ kind: 'cmd', think: thought, command: task!.commands[decision.index]! }) };
  return { thought, content: renderTerse({ kind: 'done', think: thought }) };
}

/** A reasoning block of about `tokens` tokens, built from the turn's one-line thought. */
export function reasoningBlock(thought: string, tokens: number): string {
  const want = tokens * CHARS_PER_TOKEN;
  if (want <= 0) return '';
  const sentences = [
    thought,
    'Let me look at what the task asks and what the terminal showed last.',
    'The plan is still sound, so the next action follows from it directly.',
    'I should keep the command simple and check its output afterwards.',
  ];
  let out = '';
  for (let i = 0; out.length < want; i++) out += (out === '' ? '' : ' ') + sentences[i % sentences.length];
  return out.slice(0, want);
}
