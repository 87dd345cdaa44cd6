// `pairbench serving check` through the real CLI against the real llama-server: the health
// route answers, turns reuse the cache, the per-request speculative keys are NOT applied (this
// build needs a draft model at start-up), and the findings have the same rows and JSON keys as
// against pairbench's simulated server. A server started with --api-key refuses a wrong key
// with one message naming the variable.

import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QUESTION_IDS, type ServingCheck } from '../../serving/check/findings.js';
import { startSimulatedServer, type SimulatedServer } from '../../simulator/server.js';
import { startLlamaServer, type RunningServer } from './support/llama-server.js';

const BIN = path.resolve(import.meta.dirname, '../../bin/pairbench.js');
const CTX = 2048;

let server: RunningServer;
let sim: SimulatedServer;
beforeAll(async () => {
  [server, sim] = await Promise.all([startLlamaServer({ ctx: CTX }), startSimulatedServer({ timeScale: 0 })]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), sim?.close()]);
});

const check = (url: string, extra: string[] = [], env: Record<string, string> = {}) =>
  execa('node', [BIN, 'serving', 'check', '--base-url', url, '--model', 'tiny', '--dialect', 'llama-server', '--no-save', ...extra], { reject: false, all: true, env });

/** The JSON keys of a check, down to each finding's own keys (a value's type may differ). */
const shape = (c: ServingCheck): unknown => ({
  top: Object.keys(c),
  target: Object.keys(c.target),
  findings: Object.entries(c.findings).map(([q, f]) => [q, Object.keys(f)]),
});

it('finds the speculative keys not applied, health and cache reuse yes, in the simulator\'s shape', async () => {
  const real = await check(server.url, ['--json']);
  expect(real.exitCode, real.all).toBe(0);
  const r = JSON.parse(real.stdout) as ServingCheck;
  expect(r.target).toEqual({ baseUrl: server.url, model: 'tiny', dialect: 'llama-server', simulated: false });
  expect(r.findings.speculative).toMatchObject({ verdict: 'no', field: 'timings.draft_n', value: null });
  expect(r.findings.health).toMatchObject({ verdict: 'yes', value: 200 });
  expect(r.findings.cacheReuse.verdict).toBe('yes');
  expect(r.findings.cacheReuse.value as number).toBeGreaterThan(100);
  expect(r.findings.cacheOff).toMatchObject({ verdict: 'yes', value: 0 });
  expect(r.findings.contextSize).toMatchObject({ verdict: 'yes', value: CTX });
  expect(r.findings.outputCap.verdict).toBe('yes');
  expect(r.findings.usage.verdict).toBe('yes');
  expect(r.findings.timings.verdict).toBe('yes');
  // The Qwen3 template takes the switch (an empty think block when off) though the random model writes no reasoning.
  expect(r.findings.thinking.verdict).toBe('yes');

  const simulated = await check(sim.url, ['--json']);
  expect(simulated.exitCode, simulated.all).toBe(0);
  const s = JSON.parse(simulated.stdout) as ServingCheck;
  expect(Object.keys(r.findings)).toEqual(QUESTION_IDS);
  expect(Object.keys(s.findings)).toEqual(QUESTION_IDS);
  expect(shape(r)).toEqual(shape(s));

  // The table: the same rows, only the simulator's marked SIMULATED.
  const [realText, simText] = await Promise.all([check(server.url), check(sim.url)]);
  const rows = (t: string): string[] => t.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split(' | ')[0]!);
  expect(rows(realText.stdout)).toEqual(rows(simText.stdout));
  expect(realText.stdout).toMatch(/^\| speculative keys applied \| no \| timings\.draft_n = absent/m);
  expect(realText.stdout).not.toContain('SIMULATED');
  expect(simText.stdout).toContain('SIMULATED SERVING');
});

it('names the variable when the server refuses the key, without printing it', async () => {
  const keyed = await startLlamaServer({ ctx: 512, extra: ['--api-key', 'right-key-456'] });
  try {
    const r = await check(keyed.url, ['--api-key-env', 'PB_REAL_KEY'], { PB_REAL_KEY: 'wrong-key-789' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('refused the API key (HTTP 401');
    expect(r.stderr).toContain('set PB_REAL_KEY to the key the server was started with');
    expect(r.all).not.toContain('wrong-key-789');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  } finally {
    await keyed.stop();
  }
});
