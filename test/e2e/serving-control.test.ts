// A managed simulated server, started as a real process by the serving controller: restarted
// between groups (its prefix cache is empty afterwards), restarted early by the canary under
// an injected slowdown and not without it, restarted after a crash, and never left running.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, PairbenchError } from '../../core/errors.js';
import { createModelClient } from '../../serving/client/create.js';
import type { ServingError } from '../../serving/client/errors.js';
import type { ChatRequest } from '../../serving/client/types.js';
import { parseServingToml, simulatedServingConfig, type ServingConfig } from '../../serving/control/config.js';
import { createServingController, freeLoopbackPort } from '../../serving/control/controller.js';
import { pairbenchBin } from '../../serving/control/lifecycles.js';
import { startSimulatedServer } from '../../simulator/server.js';
import type { ServingController, ServingEventOut } from '../../serving/control/types.js';
import { buildPlan, restartReason } from '../../runner/plan/plan.js';

// The controller starts `node bin/pairbench.js serve --simulated`, which runs from dist/.
const DIST_CLI = new URL('../../dist/cli/main.js', import.meta.url);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function managed(config: ServingConfig): { controller: ServingController; events: ServingEventOut[]; sweepDir: string } {
  expect(existsSync(DIST_CLI), 'dist/ is not built: run `npm run build` first').toBe(true);
  const sweepDir = mkdtempSync(join(tmpdir(), 'pb-serving-control-'));
  const controller = createServingController(config, { sweepDir });
  const events: ServingEventOut[] = [];
  controller.onEvent = (e) => events.push(e);
  cleanups.push(() => rmSync(sweepDir, { recursive: true, force: true }));
  cleanups.push(() => controller.stop());
  return { controller, events, sweepDir };
}

const PROMPT: ChatRequest = {
  messages: [
    { role: 'system', content: `You are a shell agent. ${'Keep every command short. '.repeat(30)}` },
    { role: 'user', content: 'List the files in the working directory.' },
  ],
  thinking: false,
};

async function refused(url: string): Promise<boolean> {
  return fetch(`${url}/health`).then(
    () => false,
    () => true,
  );
}

describe('serving control with a managed simulated server', () => {
  it('restarts between groups: the prefix cache is empty afterwards and the events say so in order', async () => {
    const { controller, events, sweepDir } = managed(simulatedServingConfig({ timeScale: 0, seed: 7, slowdownPerRequest: 0.001, faults: { stall: 0 } }));
    await controller.start();
    expect(controller.kind).toBe('simulated');
    expect(controller.endpoint.simulated).toBe(true);
    const url = controller.endpoint.baseUrl;
    const client = createModelClient(controller.endpoint);

    await controller.atBoundary('group boundary before group 0'); // nothing ran yet: the server is already fresh
    const first = await client.chat(PROMPT);
    const again = await client.chat(PROMPT);
    expect(first.telemetry.cachedTokens).toBe(0);
    expect(again.telemetry.cachedTokens).toBeGreaterThan(0);
    await controller.afterTrial(1);

    await controller.atBoundary('group boundary before group 1');
    expect(controller.endpoint.baseUrl).toBe(url); // same port across the restart
    const afterRestart = await client.chat(PROMPT);
    expect(afterRestart.telemetry.cachedTokens).toBe(0);

    expect(events.map((e) => e.kind)).toEqual(['start', 'ready', 'restart', 'ready']);
    expect(events[2]!.reason).toBe('group boundary before group 1');
    for (const e of events) expect(e.durationMs).not.toBeNull();

    const provenance = await controller.provenance();
    expect(provenance).toMatchObject({ kind: 'simulated', dialect: 'llama-server', simulated: true });
    expect(provenance['/props']).toBeTypeOf('object');
    expect(provenance['/props']).not.toHaveProperty('error');
    // The settings reached the server process as they were given, and the restart kept them.
    expect(provenance['/props']).toMatchObject({ time_scale: 0, seed: 7, load_time_ms: 0, cost_model: { slowdownPerRequest: 0.001 }, faults: { stall: 0 } });

    await controller.stop();
    expect(events.at(-1)!.kind).toBe('stop');
    expect(await refused(url)).toBe(true); // no server outlives the sweep
    expect(readFileSync(join(sweepDir, 'serving.log'), 'utf8')).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+[\s\S]*listening on/);
  });

  // Real time (scale 1) so the canary's latency is a few hundred ms; a slowdown of +800% per
  // request served makes the next canary ~8x the baseline against a trip factor of 3, while
  // without it the canary stays near 1x (a cache hit: a little under). Wide margins on both
  // sides, so a noisy machine does not flip the verdict.
  it('the canary restarts early under the injected slowdown', async () => {
    const { controller, events } = managed(simulatedServingConfig({ timeScale: 1, slowdownPerRequest: 8, canary: { everyTrials: 1, factor: 3 } }));
    await controller.start();
    await controller.afterTrial(1);
    const kinds = events.map((e) => e.kind);
    expect(kinds).toEqual(['start', 'ready', 'canary', 'canary', 'restart', 'ready', 'canary']);
    expect(events[3]!.reason).toMatch(/^canary: \d+ ms > 3x baseline \d+ ms$/);
    expect(events[4]!.reason).toBe(events[3]!.reason);
    expect(events[3]!.detail).toMatchObject({ tripped: true });
  });

  it('the canary does not restart without the slowdown', async () => {
    const { controller, events } = managed(simulatedServingConfig({ timeScale: 1, slowdownPerRequest: 0, canary: { everyTrials: 1, factor: 3 } }));
    await controller.start();
    await controller.afterTrial(1);
    await controller.afterTrial(2);
    expect(events.map((e) => e.kind)).toEqual(['start', 'ready', 'canary', 'canary', 'canary']);
    for (const e of events.filter((x) => x.kind === 'canary')) expect(e.detail).toMatchObject({ tripped: false });
  });

  it('records a crash and restarts after the trial it ended', async () => {
    const { controller, events } = managed(simulatedServingConfig({ timeScale: 0.05, faults: { crash: 1 } }));
    await controller.start();
    const e = await createModelClient(controller.endpoint)
      .chat({ ...PROMPT, thinking: true })
      .catch((x: unknown) => x as ServingError);
    expect([ERROR_CODES.SERVING_MALFORMED, ERROR_CODES.SERVING_REFUSED]).toContain((e as ServingError).code);
    await vi.waitFor(() => expect(events.map((x) => x.kind)).toContain('crash'), { timeout: 10_000 });
    await controller.afterTrial(1);
    expect(events.map((x) => x.kind)).toEqual(['start', 'ready', 'crash', 'restart', 'ready']);
    expect(events[3]!.reason).toMatch(/^crashed: exit code \d+$/);
  });

  it('a server that never becomes ready fails with the URL and its last answer', async () => {
    // The window must outlast the server's own start-up on a loaded machine, so the last
    // answer is the loading 503 and not a refused connection.
    const { controller } = managed(simulatedServingConfig({ timeScale: 0, loadTimeMs: 60_000, healthTimeoutMs: 6_000 }));
    const e = await controller.start().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PairbenchError);
    expect((e as PairbenchError).code).toBe(ERROR_CODES.SERVING_NOT_READY);
    expect((e as Error).message).toContain(`${controller.endpoint.baseUrl}/health`);
    expect((e as Error).message).toContain('HTTP 503');
    await controller.stop();
    expect(await refused(controller.endpoint.baseUrl)).toBe(true);
  });
});

describe('serving control for servers configured in a serving file', () => {
  it('command: owns the process it starts, restarts it for real, and stops it', async () => {
    const port = await freeLoopbackPort();
    const command = [process.execPath, pairbenchBin(), 'serve', '--simulated', '--port', String(port), '--time-scale', '0'];
    const config = parseServingToml(
      `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "pairbench-simulated"\ndialect = "llama-server"\n[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n`,
      'serving.toml',
      '/',
    );
    const { controller, events } = managed(config);
    await controller.start();
    expect(controller.kind).toBe('command');
    // The command started pairbench's own simulated server, which says so on its identity route.
    expect(controller.endpoint.simulated).toBe(true);
    const client = createModelClient(controller.endpoint);
    await client.chat(PROMPT);
    expect((await client.chat(PROMPT)).telemetry.cachedTokens).toBeGreaterThan(0);
    await controller.restart('manual');
    expect((await client.chat(PROMPT)).telemetry.cachedTokens).toBe(0);
    await controller.stop();
    expect(events.map((e) => e.kind)).toEqual(['start', 'ready', 'restart', 'ready', 'stop']);
    expect(await refused(controller.endpoint.baseUrl)).toBe(true);
  });

  it('restart_command: runs the command, then waits for health again', async () => {
    const server = await startSimulatedServer({ port: 0, timeScale: 0 });
    cleanups.push(() => server.close());
    const marker = join(mkdtempSync(join(tmpdir(), 'pb-restart-cmd-')), 'restarted');
    cleanups.push(() => rmSync(dirname(marker), { recursive: true, force: true }));
    const config = parseServingToml(
      `[endpoint]\nbase_url = "${server.url}"\nmodel = "m"\ndialect = "llama-server"\n[management]\ntype = "restart_command"\ncommand = "echo restarting; touch ${marker}"\n[restart]\npolicy = "every"\ntrials = 2\n`,
      'serving.toml',
      '/',
    );
    // The serving file's policy reaches the sweep's plan, which alone says where restarts fall.
    expect(config.restart).toEqual({ kind: 'every', trials: 2 });
    const plan = buildPlan({ harnesses: ['oracle'], tasks: ['t'], trials: 3, order: 'alternate', seed: null, groupBy: 'slot', restartEvery: config.restart.kind === 'every' ? config.restart.trials : 'never' });
    const { controller, events, sweepDir } = managed(config);
    await controller.start();
    // As the executor does: a trial per group, and the plan's restarts at its boundaries.
    for (const [i, group] of plan.groups.entries()) {
      if (group.restartBefore) await controller.atBoundary(restartReason(plan, group.index));
      expect(existsSync(marker)).toBe(i >= 2); // 1 trial since start before group 1: not yet
      await controller.afterTrial(i + 1);
    }
    expect(existsSync(marker)).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(['start', 'ready', 'restart', 'ready']);
    expect(events[2]!.reason).toBe('every 2 trials (2 planned since the last restart) before group 2');
    expect(readFileSync(join(sweepDir, 'serving.log'), 'utf8')).toContain('restarting');
  });

  it('none: a remote API is never restarted, and the event says why', async () => {
    const server = await startSimulatedServer({ port: 0, timeScale: 0 });
    cleanups.push(() => server.close());
    const { controller, events } = managed(parseServingToml(`[endpoint]\nbase_url = "${server.url}"\nmodel = "m"\ndialect = "openai"\n`, 's', '/'));
    await controller.start();
    await controller.restart('manual');
    expect(events.map((e) => e.kind)).toEqual(['start', 'ready', 'restart']);
    expect(events[2]!.detail).toEqual({ performed: false });
    expect(events[2]!.reason).toContain('not done');
    const provenance = await controller.provenance();
    expect(provenance['/v1/models']).toMatchObject({ object: 'list' });
  });

  it('container: restarts a named container through the engine and waits for it', async () => {
    const docker = new Docker();
    const name = `pb-serving-control-${process.pid}-${Date.now()}`;
    // A fixed host port: an ephemeral binding would move on restart.
    const hostPort = await freeLoopbackPort();
    // A stand-in server: GET / answers 200 (the Ollama health route).
    const container = await docker.createContainer({
      name,
      Image: 'pairbench/base:bookworm',
      Cmd: ['python3', '-m', 'http.server', '8000'],
      Labels: { 'pairbench.test': 'serving-control' },
      ExposedPorts: { '8000/tcp': {} },
      HostConfig: { Init: true, PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] } },
    });
    cleanups.push(() => container.remove({ force: true }).then(() => undefined));
    await container.start();
    const port = hostPort;
    const config = parseServingToml(
      `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "m"\ndialect = "ollama"\n[management]\ntype = "container"\ncontainer = "${name}"\n[health]\ntimeout_ms = 30000\n`,
      's',
      '/',
    );
    const { controller, events } = managed(config);
    await controller.start();
    const startedBefore = (await container.inspect()).State.StartedAt;
    await controller.restart('manual');
    const after = await container.inspect();
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).not.toBe(startedBefore);
    expect(events.map((e) => e.kind)).toEqual(['start', 'ready', 'restart', 'ready']);
  });
});
