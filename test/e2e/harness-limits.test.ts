// The agent harnesses at their limits, for real: contract violations, a model that never
// says done, a command that hangs, a command that ends the terminal session, a terminal
// scrollback larger than one capture, the agent timeout, a reply cut at max tokens, a
// container that dies mid-trial and a serving layer that refuses connections. Fixture
// tasks live in fixtures/tasks-harness; the simulated server plays their solve.sh.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import { LABELS } from '../../core/engine.js';
import { loadTask } from '../../runner/task/load.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { JSON_CORRECTION, TERSE_CORRECTION } from '../../core/contracts.js';
import { runHarnessTrial, type HarnessTrialRun } from './support/harness-trial.js';
import type { HarnessLimits } from '../../core/harness.js';

const TASKS_DIR = path.resolve(import.meta.dirname, '../../fixtures/tasks-harness');
const SWEEP = `e2e-harness-limits-${process.pid}-${Date.now().toString(36)}`;

let docker: Docker;
let root: string;
const servers: Record<'normal' | 'garbage' | 'refusing', SimulatedServer> = {} as never;
let seq = 0;

beforeAll(async () => {
  docker = await connectEngine();
  root = await mkdtemp(path.join(tmpdir(), 'pb-harness-limits-'));
  servers.normal = await startSimulatedServer({ tasksDir: TASKS_DIR, timeScale: 0 });
  servers.garbage = await startSimulatedServer({ tasksDir: TASKS_DIR, timeScale: 0, faults: { garbage: 1 } });
  servers.refusing = await startSimulatedServer({ tasksDir: TASKS_DIR, timeScale: 0, faults: { refuse: 1 } });
});

afterAll(async () => {
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.sweep}=${SWEEP}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await Promise.all(Object.values(servers).map((s) => s.close()));
  await rm(root, { recursive: true, force: true });
});

type Ran = HarnessTrialRun;

async function run(variant: string, task: string, limits: Partial<HarnessLimits>, server: keyof typeof servers = 'normal'): Promise<Ran> {
  return runHarnessTrial({
    sweep: SWEEP,
    root,
    n: ++seq,
    variant,
    task: await loadTask(path.join(TASKS_DIR, task)),
    baseUrl: servers[server].url,
    limits,
  });
}

const feedback = (r: Ran): string[] => r.transcript.filter((e) => e.type === 'feedback').map((e) => String(e.content));

describe('agent harness limits', () => {
  it('contract violations: each reply that breaks the contract is a parse_ok=false turn, corrected once, until the turn limit', async () => {
    const r = await run('terse', 'many-steps', { maxTurns: 4 }, 'garbage');
    expect(r.result).toMatchObject({ status: 'turn_limit', reward: 0, turns: 4 });
    expect(r.turns).toHaveLength(4);
    for (const t of r.turns) expect(t).toMatchObject({ parse_ok: false, command: null, exit_code: null, error_code: 'PB_CONTRACT_VIOLATION' });
    const notes = feedback(r);
    const correctionHead = TERSE_CORRECTION('x').split('(')[0]!;
    // One correction, then a turn that ends with nothing run, then the next turn starts over.
    expect(notes[0]!.startsWith(correctionHead)).toBe(true);
    expect(notes[1]!.startsWith('Nothing was run')).toBe(true);
    expect(notes[2]!.startsWith(correctionHead)).toBe(true);
    expect(notes[3]!.startsWith('Nothing was run')).toBe(true);
    expect(r.transcript.filter((e) => e.type === 'exec')).toHaveLength(0);

    const json = await run('tmux', 'many-steps', { maxTurns: 2 }, 'garbage');
    expect(json.result).toMatchObject({ status: 'turn_limit', turns: 2 });
    expect(json.turns.map((t) => t.parse_ok)).toEqual([false, false]);
    expect(feedback(json)[0]!.startsWith(JSON_CORRECTION('x').split(':')[0]!)).toBe(true);
  });

  it('a model that never says done: turn_limit, every turn ran its command, the verifier still judged', async () => {
    for (const variant of ['terse', 'tmux']) {
      const r = await run(variant, 'many-steps', { maxTurns: 3 });
      expect(r.result, variant).toMatchObject({ status: 'turn_limit', reward: 0, turns: 3 });
      expect(r.result.errorMessage).toContain('turn limit (3)');
      expect(r.turns.map((t) => t.command)).toEqual(['echo step-1 >> /app/steps.txt', 'echo step-2 >> /app/steps.txt', 'echo step-3 >> /app/steps.txt']);
      expect(r.turns.every((t) => t.parse_ok === true)).toBe(true);
    }
  });

  it('a command that hangs is killed at the per-command timeout, reported as timed out, and the loop goes on', async () => {
    const r = await run('terse', 'hang', { commandTimeoutSec: 2 });
    expect(r.result, r.result.errorMessage ?? '').toMatchObject({ status: 'pass', reward: 1 });
    const hung = r.turns.find((t) => t.command === 'sleep 600')!;
    expect(hung).toMatchObject({ exit_code: null, error_code: 'PB_COMMAND_TIMEOUT', parse_ok: true });
    expect(feedback(r)[hung.turn_index]).toContain('timed out after 2 s; the command was killed');
    const after = r.turns.find((t) => t.command === 'echo after > /app/after.txt')!;
    expect(after).toMatchObject({ exit_code: 0, error_code: null });
    expect(after.turn_index).toBe(hung.turn_index + 1);
  });

  it('a command that ends the terminal session gets a fresh one at once, not a wait for the command timeout', async () => {
    const r = await run('tmux+terse', 'shell-exits', { commandTimeoutSec: 30 });
    expect(r.result, r.result.errorMessage ?? '').toMatchObject({ status: 'pass', reward: 1 });
    const exited = r.turns.find((t) => t.command === 'exit')!;
    expect(exited).toMatchObject({ error_code: null, parse_ok: true });
    expect(exited.wait_ms!).toBeLessThan(10_000);
    expect(feedback(r)[exited.turn_index]).toContain('the terminal session had ended; a new one was started');
    expect(feedback(r)[exited.turn_index]).not.toContain('still changing');
  });

  it('a terminal whose scrollback outgrows one capture still shows the newest output', async () => {
    const r = await run('tmux+terse', 'big-output', {});
    expect(r.result, r.result.errorMessage ?? '').toMatchObject({ status: 'pass', reward: 1 });
    const wrote = r.turns.find((t) => t.command?.startsWith('echo after'))!;
    expect(feedback(r)[wrote.turn_index]).toContain('wrote-after');
  });

  it('the agent timeout stops the loop promptly, even mid-command', async () => {
    // Host-exec blocks on the command (a tmux terminal would only type it and look away).
    for (const variant of ['terse', 'tmux+host']) {
      const r = await run(variant, 'agent-timeout', { commandTimeoutSec: 600 });
      expect(r.result, `${variant}: ${r.result.errorMessage}`).toMatchObject({ status: 'agent_timeout', reward: 0 });
      // The harness returned on its own rather than being left behind after the grace period.
      expect(r.result.errorMessage).not.toContain('did not stop');
      expect(r.transcript.at(-1)).toMatchObject({ type: 'stop', stop: 'agent_timeout' });
    }
  });

  it('a reply cut at max output tokens that cannot be parsed ends the trial as output_limit', async () => {
    const r = await run('terse', 'many-steps', { maxOutputTokens: 3 });
    expect(r.result).toMatchObject({ status: 'output_limit', turns: 1 });
    expect(r.turns).toHaveLength(1);
    expect(r.turns[0]).toMatchObject({ finish_reason: 'length', parse_ok: false, command: null });
  });

  it('a container that dies mid-trial is a substrate error, not a failed agent', async () => {
    for (const variant of ['terse', 'tmux']) {
      const r = await run(variant, 'container-dies', {});
      expect(r.result.status, `${variant}: ${r.result.errorMessage}`).toBe('container_failed');
      expect(r.result.reward).toBeNull();
      expect(r.turns[0]!.command).toBe('echo alive');
      expect(r.turns.some((t) => t.command === 'echo never' && t.exit_code === 0)).toBe(false);
    }
  });

  it('a serving layer that refuses connections is serving_failed; the refused call is its one turn, with no status', async () => {
    const r = await run('terse', 'many-steps', {}, 'refusing');
    expect(r.result.status, r.result.errorMessage ?? '').toBe('serving_failed');
    expect(r.result.errorCode).toMatch(/^PB_SERVING_/);
    expect(r.turns).toHaveLength(1);
    expect(r.turns[0]).toMatchObject({ turn_index: 0, http_status: null, error_code: r.result.errorCode, completion_tokens: null });
    expect(r.result.turns).toBe(1);
  });
});
