// The two reply contracts a model is asked to follow. The harnesses parse replies with
// these; the simulated server renders its scripted replies with the same code, so both
// sides of the wire agree on one definition.

import { z } from 'zod';

export type Contract = 'terse' | 'json' | 'tools';

// A marker line in each system prompt. A real model reads it as part of the instructions;
// the simulated server uses it to pick the reply format.
export const CONTRACT_MARKER: Record<Contract, string> = {
  terse: 'Reply contract: pairbench-terse-v1',
  json: 'Reply contract: pairbench-json-v1',
  tools: 'Reply contract: pairbench-tools-v1',
};

export function contractOf(systemPrompt: string): Contract | null {
  if (systemPrompt.includes(CONTRACT_MARKER.terse)) return 'terse';
  if (systemPrompt.includes(CONTRACT_MARKER.json)) return 'json';
  if (systemPrompt.includes(CONTRACT_MARKER.tools)) return 'tools';
  return null;
}

// ---- terse: <think>…</think> then exactly one <cmd>…</cmd> or <done/> ----

export const TERSE_SYSTEM_PROMPT = `You are a coding agent working in a Linux container through a shell.
${CONTRACT_MARKER.terse}
Every reply is exactly one of these two shapes and nothing else:
<think>one short line of reasoning</think>
<cmd>one shell command</cmd>
or, when the task is complete:
<think>one short line of reasoning</think>
<done/>
You will get the command's exit code and output back. Run one command per reply.`;

export type TerseReply = { kind: 'cmd'; think: string; command: string } | { kind: 'done'; think: string };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

const THINK = /^\s*<think>([\s\S]*?)<\/think>\s*/;

export function parseTerse(text: string): ParseResult<TerseReply> {
  const think = THINK.exec(text);
  if (!think) return { ok: false, problem: 'the reply must start with <think>…</think>' };
  const rest = text.slice(think[0].length).trim();
  if (/^<done\s*\/>$/.test(rest)) return { ok: true, value: { kind: 'done', think: think[1]!.trim() } };
  const cmd = /^<cmd>([\s\S]*)<\/cmd>$/.exec(rest);
  if (!cmd) return { ok: false, problem: 'after </think> the reply must be exactly one <cmd>…</cmd> or <done/>' };
  const command = cmd[1]!;
  if (command.includes('<cmd>')) return { ok: false, problem: 'only one <cmd> per reply' };
  if (command.trim() === '') return { ok: false, problem: 'the <cmd> tag is empty' };
  return { ok: true, value: { kind: 'cmd', think: think[1]!.trim(), command } };
}

export function renderTerse(reply: TerseReply): string {
  const head = `<think>${reply.think}</think>\n`;
  return reply.kind === 'done' ? `${head}<done/>` : `${head}<cmd>${reply.command}</cmd>`;
}

export const TERSE_CORRECTION = (problem: string): string =>
  `Your last reply broke the contract (${problem}). Reply again with <think>…</think> and exactly one <cmd>…</cmd> or <done/>.`;

// ---- json: the Terminus-style object ----

export const JSON_SYSTEM_PROMPT = `You are an AI assistant tasked with solving command-line tasks in a Linux environment.
You work in a terminal session. ${CONTRACT_MARKER.json}
Reply with a single JSON object and nothing else, with these fields:
{
  "analysis": "what you see on the screen and what it means",
  "plan": "what you will do next and why",
  "commands": [ { "keystrokes": "text to type, ending with \\n to press Enter", "duration": 1.0 } ],
  "task_complete": false
}
"duration" is how many seconds to wait after sending the keystrokes before looking at the screen again.
Set "task_complete" to true only when the task is fully done; you will be asked to confirm.`;

const JsonReplySchema = z.object({
  analysis: z.string(),
  plan: z.string(),
  commands: z.array(z.object({ keystrokes: z.string(), duration: z.number().nonnegative().default(1) })),
  task_complete: z.boolean().default(false),
});

export type JsonReply = z.infer<typeof JsonReplySchema>;

export function parseJsonReply(text: string): ParseResult<JsonReply> {
  let body = text.trim();
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/.exec(body);
  if (fenced) body = fenced[1]!;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { ok: false, problem: `not valid JSON (${(e as Error).message})` };
  }
  const parsed = JsonReplySchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'reply'}: ${i.message}`).join('; ') };
  }
  return { ok: true, value: parsed.data };
}

export function renderJsonReply(reply: JsonReply): string {
  return JSON.stringify(reply, null, 2);
}

export const JSON_CORRECTION = (problem: string): string =>
  `Previous response had parsing errors: ${problem}. Please fix these issues and provide a proper JSON response.`;

export const JSON_CONFIRM_COMPLETE =
  'Are you sure you want to mark the task as complete? If so, reply again with "task_complete": true.';

// ---- tools: native function calling, the contract modern agents use ----

export const TOOLS_SYSTEM_PROMPT = `You are a coding agent working in a Linux container.
${CONTRACT_MARKER.tools}
Run shell commands by calling the bash tool, one call per reply; you will get the command's
exit code and output back. When the task is complete, reply with a short message and no tool call.`;

/** The one tool the built-in harnesses offer under the tools contract (the name and schema opencode and pi use). */
export const BASH_TOOL = {
  type: 'function',
  function: {
    name: 'bash',
    description: 'Run one shell command in the task container and return its exit code and output.',
    parameters: {
      type: 'object',
      properties: { command: { type: 'string', description: 'The command to run with bash -lc.' } },
      required: ['command'],
    },
  },
} as const;

export const TOOLS_CORRECTION = (problem: string): string =>
  `Your last tool call could not be used (${problem}). Call the bash tool with a JSON object {"command": "..."}, or reply without a tool call when the task is complete.`;
