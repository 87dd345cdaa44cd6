// The server pairbench owns is the one it talks to, with a real llama-server: a port that
// already answers (a leftover from a killed run) is refused before starting, and a restart is
// proven by the process identity changing and the prompt cache emptying.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { createModelClient } from '../../serving/client/create.js';
import { parseServingToml } from '../../serving/control/config.js';
import { createServingController, freeLoopbackPort } from '../../serving/control/controller.js';
import type { ServingEventOut } from '../../serving/control/types.js';
import { llamaServerArgv, realServerPaths, startLlamaServer } from './support/llama-server.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-real-owned-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ownedConfig(port: number) {
  const command = llamaServerArgv(realServerPaths(), port, { ctx: 2048 });
  return parseServingToml(
    `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "tiny"\ndialect = "llama-server"\n[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n[health]\ntimeout_ms = 60000\n`,
    'serving.toml',
    dir,
  );
}

const PROMPT = { messages: [{ role: 'system' as const, content: `You are a shell agent. ${'Keep every command short. '.repeat(30)}` }, { role: 'user' as const, content: 'hi' }], maxTokens: 8, thinking: false };

describe('an owned llama-server', () => {
  it('refuses to start on a port where a leftover server already answers, naming the URL', async () => {
    const leftover = await startLlamaServer({ ctx: 512 });
    try {
      const controller = createServingController(ownedConfig(leftover.port), { sweepDir: join(dir, 'a') });
      const e = await controller.start().then(() => null, (x: unknown) => x);
      await controller.stop();
      expect(e).toBeInstanceOf(PairbenchError);
      expect((e as PairbenchError).code).toBe(ERROR_CODES.SERVING_START_FAILED);
      expect((e as Error).message).toContain(`http://127.0.0.1:${leftover.port}`);
      expect((e as Error).message).toContain('already answers');
      // The leftover is untouched: pairbench does not kill what it did not start.
      expect((await fetch(`${leftover.url}/health`)).status).toBe(200);
    } finally {
      await leftover.stop();
    }
  });

  it('records pid and start time, and a restart changes both and empties the cache', async () => {
    const port = await freeLoopbackPort();
    const controller = createServingController(ownedConfig(port), { sweepDir: join(dir, 'b') });
    const events: ServingEventOut[] = [];
    controller.onEvent = (e) => events.push(e);
    await controller.start();
    try {
      const client = createModelClient(controller.endpoint);
      await client.chat(PROMPT);
      expect((await client.chat(PROMPT)).telemetry.cachedTokens).toBeGreaterThan(0);
      await controller.restart('manual');
      expect((await client.chat(PROMPT)).telemetry.cachedTokens).toBe(0);
    } finally {
      await controller.stop();
    }
    const start = events.find((e) => e.kind === 'start')!.detail as { pid: number; startedAt: string };
    const restart = events.find((e) => e.kind === 'restart')!.detail as { before: { pid: number }; after: { pid: number; startedAt: string } };
    expect(start.pid).toBeGreaterThan(0);
    expect(Date.parse(start.startedAt)).not.toBeNaN();
    expect(restart.before.pid).toBe(start.pid);
    expect(restart.after.pid).not.toBe(start.pid);
    expect(restart.after.startedAt >= start.startedAt).toBe(true);
  });
});
