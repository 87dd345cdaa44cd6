// The official openai npm client, unchanged, against the simulated server: it streams a
// completion, reads the usage chunk, and makes a non-streaming call.

import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonReply, JSON_SYSTEM_PROMPT } from '../../core/contracts.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { join } from 'node:path';

const TASKS = join(import.meta.dirname, '..', '..', 'tasks');

describe('openai client against the simulated server', () => {
  let server: SimulatedServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startSimulatedServer({ port: 0, timeScale: 0, tasksDir: TASKS });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('lists the model', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['pairbench-simulated']);
  });

  it('streams a completion and reads usage', async () => {
    const stream = await client.chat.completions.create(
      {
        model: 'pairbench-simulated',
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: 'system', content: JSON_SYSTEM_PROMPT },
          { role: 'user', content: 'Set up a git repository' },
        ],
      },
      { headers: { 'x-pairbench-task': 'git-init' } },
    );
    let content = '';
    let reasoning = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice) {
        content += choice.delta.content ?? '';
        const delta = choice.delta as { reasoning_content?: string };
        reasoning += delta.reasoning_content?.length ?? 0;
        finish = choice.finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
      expect(chunk.system_fingerprint).toBe('pairbench-simulated');
    }
    expect(finish).toBe('stop');
    expect(reasoning).toBeGreaterThan(0);
    const reply = parseJsonReply(content);
    expect(reply).toMatchObject({ ok: true, value: { task_complete: false, commands: [{ keystrokes: 'mkdir -p /app/project\n' }] } });
    expect(usage).toBeDefined();
    expect(usage!.prompt_tokens).toBeGreaterThan(0);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
    expect(usage!.prompt_tokens_details?.cached_tokens).toBe(0);
  });

  it('makes a non-streaming call', async () => {
    const res = await client.chat.completions.create({
      model: 'pairbench-simulated',
      messages: [{ role: 'user', content: 'Say hello.' }],
      max_tokens: 400,
    });
    expect(res.choices[0]!.message.content).toContain('<done/>');
    expect(res.usage!.completion_tokens).toBeLessThanOrEqual(400);
  });
});
