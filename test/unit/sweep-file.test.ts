import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSweepFile, parseSweepFile } from '../../runner/plan/sweep-file.js';
import { parseFlagLayer } from '../../runner/plan/flag-layer.js';
import { mergeSettings } from '../../runner/plan/settings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const VALID = `
harnesses = ["terse", "tmux"]
tasks = ["fizzbuzz", "git-init"]
trials = 3
order = "shuffle"
seed = 1234
group_by = "task"
restart_every = "group"
concurrency = 2
retries = 1
time_scale = 0.5
selinux = "off"
tasks_dir = "tasks"

[serving]
source = "simulated"
`;

describe('sweep file', () => {
  it('parses a valid file, resolving paths against its directory', () => {
    const { layer, problems } = parseSweepFile(VALID, '/repo/bench');
    expect(problems).toEqual([]);
    expect(layer).toMatchObject({
      harnesses: ['terse', 'tmux'],
      tasks: ['fizzbuzz', 'git-init'],
      trials: 3,
      order: 'shuffle',
      seed: 1234,
      groupBy: 'task',
      restartEvery: 'group',
      concurrency: 2,
      retries: 1,
      timeScale: 0.5,
      selinux: 'off',
      tasksDir: '/repo/bench/tasks',
      serving: { source: 'simulated' },
    });
  });

  it('accepts the documented example unchanged', () => {
    const path = resolve('docs/sweep.example.toml');
    const { problems } = parseSweepFile(readFileSync(path, 'utf8'), '/x');
    expect(problems).toEqual([]);
  });

  it('lists every problem at once', () => {
    const { problems } = parseSweepFile(
      `
harnesses = []
trials = 0
order = "random"
group_by = "tasks"
restart_every = -1
concurrency = 1.5
colour = "blue"
[serving]
api_key = "sk-secret"
model = 3
`,
      '/x',
    );
    const text = problems.join('\n');
    for (const field of ['harnesses', 'trials', 'order', 'group_by', 'restart_every', 'concurrency', 'colour', 'serving.api_key', 'serving.model']) {
      expect(text).toContain(`${field}:`);
    }
    expect(text).not.toContain('sk-secret');
    expect(problems.length).toBeGreaterThanOrEqual(9);
  });

  it('refuses a base_url that is not http(s) in the file, naming the file setting', () => {
    const { problems } = parseSweepFile('[serving]\nbase_url = "ftp://127.0.0.1:8080"\nmodel = "m"\n', '/x');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^serving\.base_url:/);
  });

  it('reports TOML that does not parse, and a missing file, with the path', async () => {
    expect(parseSweepFile('trials = = 3', '/x').problems[0]).toMatch(/not valid TOML/);
    const missing = await loadSweepFile('/nonexistent/sweep.toml');
    expect(missing.problems[0]).toMatch(/^\/nonexistent\/sweep\.toml: cannot read/);
  });

  it('loads from disk with problems prefixed by the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-sweepfile-'));
    dirs.push(dir);
    const path = join(dir, 'sweep.toml');
    writeFileSync(path, 'trials = "three"\n');
    const { problems } = await loadSweepFile(path);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${path}: trials:`));
  });
});

describe('flags over the sweep file', () => {
  it('lets flags override file values and keeps the rest', () => {
    const file = parseSweepFile(VALID, '/repo').layer;
    const flags = parseFlagLayer({ trials: '5', order: 'alternate', groupBy: '4', harness: ['oracle', 'nop'], serving: 'simulated' });
    expect(flags.problems).toEqual([]);
    const { settings, problems } = mergeSettings(file, flags.layer);
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      harnesses: ['oracle', 'nop'],
      tasks: ['fizzbuzz', 'git-init'],
      trials: 5,
      order: 'alternate',
      seed: 1234,
      groupBy: 4,
      restartEvery: 'group',
      concurrency: 2,
      graceSec: 30,
      runsDir: '.pairbench/runs',
    });
  });

  it('fills defaults and names what is missing', () => {
    const { settings, problems } = mergeSettings({});
    expect(settings).toMatchObject({ order: 'alternate', groupBy: 'slot', restartEvery: 'never', concurrency: 1, retries: 0, selinux: 'auto' });
    expect(problems.join('\n')).toMatch(/harnesses[\s\S]*tasks[\s\S]*trials/);
  });

  it('reports every bad flag at once, naming the flag', () => {
    const { problems } = parseFlagLayer({
      trials: 'x',
      concurrency: '0',
      groupBy: 'lots',
      restartEvery: '1.5',
      order: 'random',
      timeScale: '-1',
      selinux: 'maybe',
      apiKeyEnv: 'sk-123-secret',
      task: ['all', 'fizzbuzz'],
    });
    const text = problems.join('\n');
    for (const flag of ['--trials', '--concurrency', '--group-by', '--restart-every', '--order', '--time-scale', '--selinux', '--api-key-env', '--task']) {
      expect(text).toContain(flag);
    }
    expect(text).not.toContain('sk-123-secret');
  });

  it('takes network = "none" from the file and --network none from the flags; refuses anything else by name', () => {
    expect(parseSweepFile('network = "none"', '/repo').layer.network).toBe('none');
    expect(parseFlagLayer({ network: 'none' }).layer.network).toBe('none');
    expect(mergeSettings({}).settings.network).toBe('task');
    expect(parseSweepFile('network = "off"', '/repo').problems).toEqual([`network: must be "task" (each task's own rule) or "none" (every container offline)`]);
    expect(parseFlagLayer({ network: 'off' }).problems).toEqual(['--network: must be one of task, none (got "off")']);
  });

  it('refuses both --serving and --base-url', () => {
    const { problems } = mergeSettings({ harnesses: ['terse'], tasks: 'all', trials: 1, serving: { source: 'simulated', baseUrl: 'http://x' } });
    expect(problems.join('\n')).toMatch(/not both/);
  });
});
