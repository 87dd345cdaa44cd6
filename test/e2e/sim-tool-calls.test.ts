// Native function calling against the simulated server: whichever shape the shell tool
// has, the scripted model plays the task's solve.sh one call at a time, reads tool
// results given as a string or as text parts, and ends with a plain message.

import OpenAI from 'openai';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitTopLevelCommands } from '../../simulator/shell-split.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { readFileSync } from 'node:fs';

const TASKS = join(import.meta.dirname, '..', '..', 'tasks');
const GIT_INIT = splitTopLevelCommands(readFileSync(join(TASKS, 'git-init', 'solution', 'solve.sh'), 'utf8'));
const INSTRUCTION = readFileSync(join(TASKS, 'git-init', 'instruction.md'), 'utf8');

type Tool = OpenAI.Chat.Completions.ChatCompletionTool;
const fn = (name: string, properties: Record<string, unknown>, required: string[]): Tool => ({
  type: 'function',
  function: { name, description: name, parameters: { type: 'object', properties, required } },
});
const WRITE = fn('write', { filePath: { type: 'string' }, content: { type: 'string' } }, ['filePath', 'content']);
const SHAPES: Array<{ agent: string; tools: Tool[]; name: string; read: (args: Record<string, unknown>) => string }> = [
  { agent: 'opencode', tools: [WRITE, fn('bash', { command: { type: 'string' }, timeout: { type: 'number' } }, ['command'])], name: 'bash', read: (a) => a.command as string },
  { agent: 'qwen', tools: [fn('run_shell_command', { command: { type: 'string' }, is_background: { type: 'boolean' } }, ['command'])], name: 'run_shell_command', read: (a) => a.command as string },
  { agent: 'copilot', tools: [fn('bash', { command: { type: 'string' }, description: { type: 'string' } }, ['command', 'description'])], name: 'bash', read: (a) => a.command as string },
  { agent: 'codex', tools: [WRITE, fn('exec_command', { cmd: { type: 'string' } }, ['cmd'])], name: 'exec_command', read: (a) => a.cmd as string },
  { agent: 'cline', tools: [fn('run_commands', { commands: { type: 'array', items: { type: 'string' } } }, ['commands'])], name: 'run_commands', read: (a) => (a.commands as string[]).join('\n') },
];

describe('simulated server: native tool calls', () => {
  let server: SimulatedServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startSimulatedServer({ timeScale: 0, tasksDir: TASKS });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });
  afterAll(() => server.close());

  for (const shape of SHAPES) {
    for (const stream of [false, true]) {
      it(`plays git-init through ${shape.agent}'s ${shape.name} tool (${stream ? 'streamed' : 'whole'}), then ends with a plain message`, async () => {
        const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
          { role: 'system', content: `You are ${shape.agent}.` },
          { role: 'user', content: `Context first.\n\n${INSTRUCTION}` },
        ];
        const ran: string[] = [];
        for (let turn = 0; turn < GIT_INIT.length + 2; turn++) {
          const { content, calls, finish, extra } = stream ? await streamed(client, messages, shape.tools) : await whole(client, messages, shape.tools);
          if (calls.length === 0) {
            expect(finish).toBe('stop');
            expect(content).toMatch(/complete/);
            break;
          }
          expect(finish).toBe('tool_calls');
          expect(calls).toHaveLength(1);
          const call = calls[0]!;
          expect(call.function.name).toBe(shape.name);
          const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
          if (shape.agent === 'copilot') expect(typeof args.description).toBe('string');
          ran.push(shape.read(args));
          messages.push({ role: 'assistant', content: null, tool_calls: calls, ...extra });
          // Qwen Code sends results as a list of text parts; the others as a string.
          const result = `exit 0`;
          messages.push({ role: 'tool', tool_call_id: call.id, content: shape.agent === 'qwen' ? [{ type: 'text', text: result }] : result });
        }
        expect(ran).toEqual(GIT_INIT);
      });
    }
  }

  it('streams a call in the chunk shapes agents parse: role, opening delta with empty arguments, fragments, tool_calls, usage, [DONE]', async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, tools: SHAPES[0]!.tools, messages: [{ role: 'user', content: INSTRUCTION }] }),
    });
    const events = (await res.text()).split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: unknown });
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant' });
    const opening = chunks.findIndex((c) => c.choices[0]?.delta.tool_calls !== undefined);
    expect(chunks[opening]!.choices[0]!.delta.tool_calls).toEqual([{ index: 0, id: expect.any(String), type: 'function', function: { name: 'bash', arguments: '' } }]);
    const fragments = chunks.slice(opening + 1).filter((c) => c.choices[0]?.delta.tool_calls !== undefined);
    expect(fragments.length).toBeGreaterThan(1);
    const args = fragments.map((c) => (c.choices[0]!.delta.tool_calls as Array<{ index: number; function: { arguments: string } }>)[0]!).map((t) => {
      expect(t.index).toBe(0);
      return t.function.arguments;
    });
    expect(JSON.parse(args.join(''))).toEqual({ command: GIT_INIT[0] });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number) });
  });

  it('honours cache_prompt: false (no prefix reuse for that request only)', async () => {
    const body = (cache: boolean): string =>
      JSON.stringify({ model: 'm', cache_prompt: cache, tools: SHAPES[1]!.tools, messages: [{ role: 'user', content: `${INSTRUCTION}\nplease` }] });
    const cached = async (cache: boolean): Promise<number> => {
      const res = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(cache) });
      return ((await res.json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } }).usage.prompt_tokens_details.cached_tokens;
    };
    await cached(true);
    expect(await cached(true)).toBeGreaterThan(0);
    expect(await cached(false)).toBe(0);
    expect(await cached(true)).toBeGreaterThan(0);
  });
});

interface Got {
  content: string;
  calls: OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[];
  finish: string | null;
  extra: Record<string, unknown>;
}

async function whole(client: OpenAI, messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], tools: Tool[]): Promise<Got> {
  const res = await client.chat.completions.create({ model: 'm', messages, tools });
  const m = res.choices[0]!.message;
  return { content: m.content ?? '', calls: (m.tool_calls ?? []) as OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[], finish: res.choices[0]!.finish_reason, extra: {} };
}

async function streamed(client: OpenAI, messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], tools: Tool[]): Promise<Got> {
  const stream = await client.chat.completions.create({ model: 'm', messages, tools, stream: true, stream_options: { include_usage: true } });
  let content = '';
  let finish: string | null = null;
  const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? '';
    for (const t of choice.delta.tool_calls ?? []) {
      const c = (calls[t.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
      if (t.id) c.id = t.id;
      if (t.function?.name) c.function.name = t.function.name;
      c.function.arguments += t.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  return { content, calls, finish, extra: {} };
}
