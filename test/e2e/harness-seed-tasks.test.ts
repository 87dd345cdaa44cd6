// Both agent harnesses against the simulated server (time-scale 0) and real Docker, through
// runTrial: each passes the three seed tasks on byte-identical task prompts, and the turn
// rows show each lever at work.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import { LABELS } from '../../core/engine.js';
import { loadTask } from '../../runner/task/load.js';
import type { LoadedTask } from '../../core/task.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { runHarnessTrial, type HarnessTrialRun } from './support/harness-trial.js';
import type { HarnessLimits } from '../../core/harness.js';
import type { TurnRecord } from '../../core/turn.js';
import type { ChatMessage } from '../../serving/client/types.js';

const TASKS_DIR = path.resolve(import.meta.dirname, '../../tasks');
const SEED_TASKS = ['fizzbuzz', 'word-count', 'git-init'] as const;
const SWEEP = `e2e-harness-seed-${process.pid}-${Date.now().toString(36)}`;

let docker: Docker;
let server: SimulatedServer;
let root: string;
const tasks = new Map<string, LoadedTask>();
let seq = 0;

beforeAll(async () => {
  docker = await connectEngine();
  server = await startSimulatedServer({ tasksDir: TASKS_DIR, timeScale: 0 });
  root = await mkdtemp(path.join(tmpdir(), 'pb-harness-seed-'));
  for (const name of SEED_TASKS) tasks.set(name, await loadTask(path.join(TASKS_DIR, name)));
});

afterAll(async () => {
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.sweep}=${SWEEP}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

interface Ran extends HarnessTrialRun {
  variant: string;
  task: LoadedTask;
  firstMessages: ChatMessage[];
}

async function run(variant: string, taskName: string, limits?: Partial<HarnessLimits>): Promise<Ran> {
  const task = tasks.get(taskName)!;
  const r = await runHarnessTrial({ sweep: SWEEP, root, n: ++seq, variant, task, baseUrl: server.url, limits });
  const first = r.transcript.find((e) => e.type === 'request');
  return { ...r, variant, task, firstMessages: (first?.messages ?? []) as ChatMessage[] };
}

const ran = new Map<string, Ran>();
const key = (variant: string, task: string): string => `${variant} on ${task}`;

describe('terse and tmux on the seed tasks', () => {
  // Paired: for each task both harnesses run back to back on the same prompt.
  for (const task of SEED_TASKS) {
    it(`both pass ${task}`, async () => {
      for (const variant of ['terse', 'tmux']) {
        const r = await run(variant, task);
        ran.set(key(variant, task), r);
        expect(r.result, `${variant} on ${task}: ${r.result.errorMessage}`).toMatchObject({ status: 'pass', reward: 1 });
        expect(r.turns.length).toBe(r.result.turns);
        expect(r.turns.every((t) => t.parse_ok === true)).toBe(true);
        expect(r.turns.map((t) => t.turn_index)).toEqual(r.turns.map((_, i) => i));
        // The instruction message is the task's instruction.md, byte for byte.
        expect(r.firstMessages[1]).toEqual({ role: 'user', content: r.task.instruction });
      }
      const terse = ran.get(key('terse', task))!;
      const tmux = ran.get(key('tmux', task))!;
      // Every command the terse agent ran exited 0 and the row says how long it took.
      const commands = terse.turns.filter((t) => t.command !== null);
      expect(commands.length).toBeGreaterThan(0);
      for (const t of commands) {
        expect(t.exit_code).toBe(0);
        expect(t.exec_ms).toBeGreaterThan(0);
        expect(t.wait_ms).toBe(0);
      }
      // The terminal baseline types, waits the reply's duration (scaled to 0 here) and looks
      // at the screen: its rows carry the send/capture execs and the wait, never an exit code.
      const typed = tmux.turns.filter((t) => t.command !== null);
      expect(typed.length).toBeGreaterThan(0);
      for (const t of typed) {
        expect(t.exit_code).toBeNull();
        expect(t.exec_ms).toBeGreaterThan(0);
        expect(t.wait_ms).toBeGreaterThanOrEqual(0);
      }
      // json needs a second task_complete: the last two tmux turns both claim completion.
      const completes = tmux.transcript.filter((e) => e.type === 'reply' && String(e.content).includes('"task_complete": true'));
      expect(completes).toHaveLength(2);
      expect(terse.result.turns!).toBeLessThan(tmux.result.turns!);
    });
  }

  it('sends byte-identical task prompts to harnesses sharing a contract', async () => {
    const terseThink = await run('terse+think', 'fizzbuzz');
    const tmuxTerse = await run('tmux+terse', 'fizzbuzz');
    const terseJson = await run('terse+json', 'fizzbuzz');
    for (const r of [terseThink, tmuxTerse, terseJson]) {
      expect(r.result, `${r.variant}: ${r.result.errorMessage}`).toMatchObject({ status: 'pass' });
      expect(r.firstMessages[1]!.content).toBe(r.task.instruction);
    }
    const terse = ran.get(key('terse', 'fizzbuzz'))!.firstMessages.slice(0, 2);
    const tmux = ran.get(key('tmux', 'fizzbuzz'))!.firstMessages.slice(0, 2);
    expect(terseThink.firstMessages.slice(0, 2)).toEqual(terse);
    expect(tmuxTerse.firstMessages.slice(0, 2)).toEqual(terse);
    expect(terseJson.firstMessages.slice(0, 2)).toEqual(tmux);
    // Across contracts only the system prompt differs.
    expect(terse[1]).toEqual(tmux[1]);
    expect(terse[0]!.content).not.toBe(tmux[0]!.content);
    ran.set(key('terse+think', 'fizzbuzz'), terseThink);
  });

  it('shows thinking as reasoning tokens only with the lever on', () => {
    const on = [ran.get(key('tmux', 'git-init'))!, ran.get(key('terse+think', 'fizzbuzz'))!];
    const off = [ran.get(key('terse', 'git-init'))!, ran.get(key('terse', 'fizzbuzz'))!];
    // llama-server reports no reasoning token count, so the client keeps characters instead.
    const reasoning = (t: TurnRecord): number => (t.reasoning_tokens ?? 0) + (t.reasoning_chars ?? 0);
    for (const r of on) for (const t of r.turns) expect(reasoning(t), r.variant).toBeGreaterThan(0);
    for (const r of off) for (const t of r.turns) expect(reasoning(t), r.variant).toBe(0);
    const requests = (r: Ran): unknown[] => r.transcript.filter((e) => e.type === 'request').map((e) => e.thinking);
    expect(new Set(requests(on[0]!))).toEqual(new Set([true]));
    expect(new Set(requests(off[0]!))).toEqual(new Set([false]));
  });

  it('records the speculative lever as sent but not applied on a server without a draft model', async () => {
    // As on current llama-server builds: per-request keys do nothing; drafting needs a draft
    // model at start-up, which this simulated server was not given.
    const tmuxSpec = await run('tmux+spec', 'fizzbuzz');
    const terseNoSpec = await run('terse-spec', 'fizzbuzz');
    for (const r of [tmuxSpec, terseNoSpec]) expect(r.result, r.variant).toMatchObject({ status: 'pass' });
    for (const r of [ran.get(key('terse', 'git-init'))!, tmuxSpec]) {
      for (const t of r.turns) {
        expect(t.speculative_applied, r.variant).toBe(false);
        expect(t.draft_n, r.variant).toBeNull();
      }
    }
    for (const r of [ran.get(key('tmux', 'git-init'))!, terseNoSpec]) {
      for (const t of r.turns) expect(t.speculative_applied, r.variant).toBeNull();
    }
  });

  it('grows prompt tokens each turn under full and holds them flat under window:1', async () => {
    const full = ran.get(key('terse', 'git-init'))!;
    const prompts = full.turns.map((t) => t.prompt_tokens!);
    expect(prompts.length).toBeGreaterThanOrEqual(8);
    for (let i = 1; i < prompts.length; i++) expect(prompts[i]!, `turn ${i}`).toBeGreaterThan(prompts[i - 1]!);

    const windowed = await run('terse+window:1', 'git-init', { maxTurns: full.turns.length });
    const w = windowed.turns.map((t) => t.prompt_tokens!);
    expect(w).toHaveLength(full.turns.length);
    // From turn 1 on the window holds one exchange: sizes stay within a small band, while the
    // full history has grown by more than that band several times over.
    const band = Math.max(...w.slice(1)) - Math.min(...w.slice(1));
    expect(band).toBeLessThan(150);
    expect(prompts.at(-1)! - prompts[1]!).toBeGreaterThan(3 * Math.max(band, 50));
    for (const t of windowed.turns) expect(t.parse_ok).toBe(true);
    // Dropping history must not lose the model its place: the task still passes.
    expect(windowed.result, windowed.result.errorMessage ?? '').toMatchObject({ status: 'pass', reward: 1 });
  });

  it('terse+tools passes every seed task by native function calling: one bash call per turn, a plain message to finish', async () => {
    for (const task of SEED_TASKS) {
      const r = await run('terse+tools', task);
      expect(r.result, `terse+tools on ${task}: ${r.result.errorMessage}`).toMatchObject({ status: 'pass', reward: 1 });
      expect(r.firstMessages[1]).toEqual({ role: 'user', content: r.task.instruction });
      const requests = r.transcript.filter((e) => e.type === 'request').map((e) => e.messages as ChatMessage[]);
      const replies = r.transcript.filter((e) => e.type === 'reply');
      // Every reply but the last carried one call; the call's result went back as a tool message.
      expect(replies.slice(0, -1).every((e) => Array.isArray(e.toolCalls) && e.toolCalls.length === 1)).toBe(true);
      expect(replies.at(-1)!.toolCalls).toBeUndefined();
      const last = requests.at(-1)!;
      expect(last.filter((m) => m.role === 'tool')).toHaveLength(r.turns.length - 1);
      const terse = ran.get(key('terse', task))!;
      // The same commands ran, in the same order, as under the tag contract.
      expect(r.turns.map((t) => t.command)).toEqual(terse.turns.map((t) => t.command));
      for (const t of r.turns) expect(t.parse_ok).toBe(true);
    }
  });

  it('under state-file sends the opening plus one state message, and keeps the state file on the host', async () => {
    const r = await run('terse+state-file', 'git-init');
    expect(r.result, r.result.errorMessage ?? '').toMatchObject({ status: 'pass', reward: 1 });
    const requests = r.transcript.filter((e) => e.type === 'request').map((e) => e.messages as ChatMessage[]);
    expect(requests).toHaveLength(r.turns.length);
    expect(requests[0]).toHaveLength(2);
    for (const m of requests.slice(1)) {
      expect(m.map((x) => x.role)).toEqual(['system', 'user', 'user']);
      expect(m[2]!.content).toContain('agent-state.json');
    }
    const trialDir = path.join(root, `${SWEEP}-t${seq}`);
    const state = JSON.parse(await readFile(path.join(trialDir, 'agent-state.json'), 'utf8')) as { task: string; commands: { command: string; exit_code: number }[] };
    expect(state.task).toBe('git-init');
    expect(state.commands).toHaveLength(r.turns.filter((t) => t.command !== null).length);
    expect(state.commands[0]).toMatchObject({ command: 'mkdir -p /app/project', exit_code: 0 });
    // What the model saw last is what the file held when it was sent.
    expect(requests[2]![2]!.content).toContain(JSON.stringify(state.commands[0]!.command));
  });
});
