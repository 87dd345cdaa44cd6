// The recording proxy over real HTTP: an agent's calls through it become turn rows of the
// trial whose key they carry, with the simulated server's figures; other keys are refused;
// the user's API key is added upstream only; levers reach the upstream body. Stub upstreams,
// one behaviour each, are in proxy-stub.test.ts.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_DEFAULT_LEVERS, type ProxyLevers } from '../../core/harness.js';
import type { TurnRecord } from '../../core/turn.js';
import { startRecordingProxy, type RecordingProxy } from '../../proxy/server.js';
import { splitTopLevelCommands } from '../../simulator/shell-split.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';

const TASKS = join(import.meta.dirname, '..', '..', 'tasks');
const GIT_INIT = splitTopLevelCommands(readFileSync(join(TASKS, 'git-init', 'solution', 'solve.sh'), 'utf8'));
const INSTRUCTION = readFileSync(join(TASKS, 'git-init', 'instruction.md'), 'utf8');
const SECRET = `sk-upstream-${process.pid}-do-not-leak`;
const BASH = { type: 'function' as const, function: { name: 'bash', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } };

interface Seen {
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** An upstream that notes what reached it, then hands the call to the simulated server. */
async function recordingUpstream(sim: SimulatedServer, seen: Seen[]): Promise<Server> {
  const server = createServer((req: IncomingMessage, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', async () => {
      const text = Buffer.concat(parts).toString('utf8');
      seen.push({ authorization: req.headers.authorization, body: JSON.parse(text) as Record<string, unknown> });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const h of ['x-pairbench-task', 'x-pairbench-trial']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
      const up = await fetch(`${sim.url}${req.url}`, { method: 'POST', headers, body: text });
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
      for await (const chunk of up.body!) res.write(chunk);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

describe('recording proxy', () => {
  let sim: SimulatedServer;
  let upstream: Server;
  let proxy: RecordingProxy;
  const seen: Seen[] = [];

  beforeAll(async () => {
    sim = await startSimulatedServer({ timeScale: 0, tasksDir: TASKS });
    upstream = await recordingUpstream(sim, seen);
    const port = (upstream.address() as AddressInfo).port;
    proxy = await startRecordingProxy({
      upstream: { baseUrl: `http://127.0.0.1:${port}`, model: 'pairbench-simulated', dialect: 'llama-server', apiKeyEnv: 'PB_TEST_UPSTREAM_KEY', simulated: true },
      env: { PB_TEST_UPSTREAM_KEY: SECRET },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await new Promise((r) => upstream?.close(r));
    await sim?.close();
  });

  function trial(levers: Partial<ProxyLevers> = {}) {
    const turns: TurnRecord[] = [];
    const transcript: Record<string, unknown>[] = [];
    const handle = proxy.openTrial({
      trialId: `t-${Math.random().toString(36).slice(2)}`,
      task: 'git-init',
      levers: { ...AGENT_DEFAULT_LEVERS, ...levers },
      onTurn: (t) => turns.push(t),
      transcript: (e) => transcript.push(e),
    });
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: handle.key, maxRetries: 0 });
    return { handle, client, turns, transcript };
  }

  async function play(client: OpenAI): Promise<string[]> {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: INSTRUCTION }];
    const ran: string[] = [];
    for (let i = 0; i < GIT_INIT.length + 1; i++) {
      const stream = await client.chat.completions.create({ model: 'whatever-the-agent-says', messages, tools: [BASH], stream: true });
      const calls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
      for await (const chunk of stream) {
        for (const t of chunk.choices[0]?.delta.tool_calls ?? []) {
          const c = (calls[t.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
          if (t.id) c.id = t.id;
          if (t.function?.name) c.function.name = t.function.name;
          c.function.arguments += t.function?.arguments ?? '';
        }
      }
      if (calls.length === 0) break;
      ran.push((JSON.parse(calls[0]!.function.arguments) as { command: string }).command);
      messages.push({ role: 'assistant', content: null, tool_calls: calls });
      messages.push({ role: 'tool', tool_call_id: calls[0]!.id, content: 'exit 0' });
    }
    return ran;
  }

  it('records every call as a turn row with the server figures and the tool calls, and adds the real key upstream only', async () => {
    const t = trial();
    seen.length = 0;
    expect(await play(t.client)).toEqual(GIT_INIT);
    expect(t.turns.map((r) => r.turn_index)).toEqual(GIT_INIT.map((_, i) => i).concat(GIT_INIT.length));
    for (const r of t.turns) {
      expect(r.ttft_ms).toBeGreaterThan(0);
      expect(r.model_ms).toBeGreaterThanOrEqual(r.ttft_ms!);
      expect(r.prompt_tokens).toBeGreaterThan(0);
      expect(r.cached_tokens).not.toBeNull();
      expect(r.http_status).toBe(200);
      expect(r.error_code).toBeNull();
    }
    expect(t.turns.slice(0, -1).every((r) => r.tool_calls === 1 && r.tool_names === 'bash' && r.finish_reason === 'tool_calls')).toBe(true);
    expect(t.turns.at(-1)).toMatchObject({ tool_calls: 0, tool_names: null, finish_reason: 'stop' });
    // The prefix is reused turn over turn.
    expect(t.turns.at(-1)!.cached_tokens!).toBeGreaterThan(t.turns[1]!.cached_tokens!);
    expect(t.handle.turns).toBe(t.turns.length);
    // Upstream: the user's key and the configured model, never the trial key.
    expect(seen.every((s) => s.authorization === `Bearer ${SECRET}`)).toBe(true);
    expect(seen.every((s) => s.body.model === 'pairbench-simulated')).toBe(true);
    // The transcript holds each request and reply, and never the user's key or the trial key.
    expect(t.transcript.filter((e) => e.type === 'request')).toHaveLength(t.turns.length);
    expect(t.transcript.filter((e) => e.type === 'reply')).toHaveLength(t.turns.length);
    const text = JSON.stringify(t.transcript);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(t.handle.key);
  });

  it('refuses a missing, wrong or closed key, and records a call only into the trial whose key it carries', async () => {
    const a = trial();
    const b = trial();
    const call = (key: string | null) =>
      fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key !== null && { authorization: `Bearer ${key}` }) },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: INSTRUCTION }] }),
      });
    expect((await call(null)).status).toBe(401);
    expect((await call(`${a.handle.key}x`)).status).toBe(401);
    expect((await call('sk-anything')).status).toBe(401);
    expect((await call(a.handle.key)).status).toBe(200);
    expect(a.turns).toHaveLength(1);
    expect(b.turns).toHaveLength(0);
    // The key in the path works the same way.
    const byPath = await fetch(`${proxy.url}/k/${b.handle.key}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }) });
    expect(byPath.status).toBe(200);
    expect(b.turns).toHaveLength(1);
    expect(a.turns).toHaveLength(1);
    a.handle.close();
    expect((await call(a.handle.key)).status).toBe(401);
    expect(a.turns).toHaveLength(1);
  });

  it('applies the levers in the upstream body: thinking switch, output cap, prefix cache off', async () => {
    const t = trial({ thinking: false, maxOutputTokens: 64, prefixCache: false });
    seen.length = 0;
    await play(t.client);
    for (const s of seen) {
      expect(s.body.chat_template_kwargs).toEqual({ enable_thinking: false });
      expect(s.body.max_tokens).toBe(64);
      expect(s.body.cache_prompt).toBe(false);
    }
    // With the cache off nothing is reused, turn after turn.
    expect(t.turns.length).toBeGreaterThan(2);
    for (const r of t.turns) expect(r.cached_tokens).toBe(0);
    expect(t.transcript.find((e) => e.type === 'request')!.levers).toEqual({ thinking: true, maxTokens: 64, prefixCacheOff: true });
  });
});
