import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES, ValidationError } from '../../core/errors.js';
import { loadServingConfig, parseServingToml, servingConfigFromFlags, simulatedServingConfig } from '../../serving/control/config.js';
import { simulatedServerArgv, simulatedServerLaunch } from '../../serving/control/lifecycles.js';
import { mergeSettings } from '../../runner/plan/settings.js';
import { restartEveryFor, servingConfigFor } from '../../runner/sweep/serving-setup.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).code).toBe(ERROR_CODES.CONFIG_INVALID);
    return (e as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('serving config from TOML', () => {
  it('parses an owned command with restart and canary policies', () => {
    const c = parseServingToml(
      `
[endpoint]
base_url = "http://127.0.0.1:8080"
model = "qwen3"
dialect = "llama-server"
api_key_env = "LLAMA_KEY"
first_token_timeout_ms = 5000

[management]
type = "command"
command = ["llama-server", "-m", "m.gguf", "-np", "1"]
cwd = "srv"

[restart]
policy = "every"
trials = 20

[canary]
every_trials = 5
factor = 3
`,
      'serving.toml',
      '/repo/bench',
    );
    expect(c.endpoint).toEqual({ baseUrl: 'http://127.0.0.1:8080', model: 'qwen3', dialect: 'llama-server', apiKeyEnv: 'LLAMA_KEY', timeouts: { firstTokenMs: 5000 } });
    expect(c.management).toEqual({ type: 'command', command: ['llama-server', '-m', 'm.gguf', '-np', '1'], cwd: '/repo/bench/srv' });
    expect(c.restart).toEqual({ kind: 'every', trials: 20 });
    expect(c.canary).toEqual({ everyTrials: 5, factor: 3 });
  });

  it('runs a command string under sh with exec, so stopping reaches the server itself', () => {
    const c = parseServingToml(
      `[endpoint]\nbase_url = "http://h:1"\nmodel = "m"\ndialect = "vllm"\n[management]\ntype = "command"\ncommand = "vllm serve m --port 1"\n`,
      's.toml',
      '/x',
    );
    expect(c.management).toEqual({ type: 'command', command: ['/bin/sh', '-c', 'exec vllm serve m --port 1'], cwd: null });
  });

  it('parses restart_command, container and none', () => {
    const base = `[endpoint]\nbase_url = "http://h:1"\nmodel = "m"\ndialect = "ollama"\n`;
    expect(parseServingToml(`${base}[management]\ntype = "restart_command"\ncommand = "systemctl --user restart llama-server"\n`, 's', '/').management).toEqual({
      type: 'restart_command',
      command: 'systemctl --user restart llama-server',
    });
    expect(parseServingToml(`${base}[management]\ntype = "container"\ncontainer = "llm"\n`, 's', '/').management).toEqual({ type: 'container', container: 'llm' });
    const none = parseServingToml(base, 's', '/');
    expect(none.management).toEqual({ type: 'none' });
    expect(none.restart).toEqual({ kind: 'never' });
    expect(none.canary).toBeNull();
  });

  it('parses a simulated server and turns it into the server launch', () => {
    const c = parseServingToml(
      `[management]\ntype = "simulated"\n[simulated]\ntime_scale = 0.5\ntasks_dir = "../tasks"\nload_time_ms = 100\nslowdown_per_request = 0.1\n[simulated.faults]\nhttp503 = 0.1\nstall = 0.2\n`,
      's',
      '/repo/bench',
    );
    expect(c.endpoint.baseUrl).toBeNull();
    expect(c.endpoint.dialect).toBe('llama-server');
    if (c.management.type !== 'simulated') throw new Error('expected simulated');
    expect(c.management.simulated).toEqual({ timeScale: 0.5, tasksDir: '/repo/tasks', loadTimeMs: 100, seed: null, slowdownPerRequest: 0.1, faults: { http503: 0.1, stall: 0.2 } });
    const launch = simulatedServerLaunch(c.management.simulated, 4321);
    expect(launch).toEqual({
      options: { port: 4321, timeScale: 0.5, loadTimeMs: 100, tasksDir: '/repo/tasks', cost: { slowdownPerRequest: 0.1 }, faults: { http503: 0.1, stall: 0.2 } },
      parentPid: process.pid,
    });
    // The settings cross to the server process as one JSON object, not as flags read back.
    const argv = simulatedServerArgv(c.management.simulated, 4321);
    expect(argv.slice(2)).toEqual(['serve', '--simulated', '--launch', JSON.stringify(launch)]);
    expect(argv[1]).toMatch(/bin\/pairbench\.js$/);
  });

  it('lists every problem of a bad file at once', () => {
    const problems = problemsOf(() =>
      parseServingToml(
        `
[endpoint]
base_url = "not a url"
dialect = "tgi"
api_key = "sk-should-not-be-here"

[management]
type = "command"
container = "x"

[restart]
policy = "every"

[canary]
every_trials = -1
factor = 0.5

[health]
timeout = 5
`,
        'bad.toml',
        '/',
      ),
    );
    const text = problems.join('\n');
    expect(text).toContain('endpoint.api_key: never put a key in a file');
    expect(text).toContain('endpoint.base_url');
    expect(text).toContain('endpoint.dialect');
    expect(text).toContain('canary.every_trials');
    expect(text).toContain('canary.factor');
    expect(text).toContain('health.timeout: not a serving setting');
    // cross-field checks too, in the same run
    expect(text).toContain('management.command: required for type "command"');
    expect(text).toContain('management.container: not used with type "command"');
    expect(text).toContain('endpoint.model: required');
    expect(text).toContain('restart.trials: required with policy "every"');
    expect(problems.length).toBeGreaterThanOrEqual(10);
    expect(text).not.toContain('sk-should-not-be-here');
  });

  it('refuses a key written as `key` too, once, and never echoes it', () => {
    const problems = problemsOf(() =>
      parseServingToml('[endpoint]\nbase_url = "http://127.0.0.1:8080"\nmodel = "m"\ndialect = "vllm"\nkey = "sk-inline"\n', 'k.toml', '/'),
    );
    expect(problems).toEqual([
      'endpoint.api_key: never put a key in a file; set api_key_env to the name of the environment variable that holds it',
    ]);
  });

  it('reads serving profiles for a server it starts, and refuses them where it cannot add flags or the name is not one', () => {
    const base = '[endpoint]\nbase_url = "http://127.0.0.1:8080"\nmodel = "m"\ndialect = "llama-server"\n';
    const c = parseServingToml(`${base}[management]\ntype = "command"\ncommand = ["srv"]\n[profiles.np2]\nargs = ["-np", "2"]\n`, 's', '/');
    expect(c.profiles).toEqual({ np2: { args: ['-np', '2'] } });
    expect(problemsOf(() => parseServingToml(`${base}[profiles."Big One"]\nargs = []\n`, 's', '/'))).toEqual([
      'profiles.Big One: a profile\'s name is lower-case letters, digits, "_" and "." (it follows "@" in a variant)',
      'profiles: need a server pairbench starts (management.type "command" or "simulated"); with "none" it cannot add start-up flags',
    ]);
  });

  it('reports unparseable TOML and an unreadable file', async () => {
    expect(problemsOf(() => parseServingToml('[endpoint\n', 's', '/'))[0]).toContain('not valid TOML');
    const dir = mkdtempSync(join(tmpdir(), 'pb-serving-config-'));
    dirs.push(dir);
    await expect(loadServingConfig(join(dir, 'missing.toml'))).rejects.toThrow(/cannot read the file: ENOENT/);
    writeFileSync(join(dir, 'ok.toml'), `[endpoint]\nbase_url = "http://h:1"\nmodel = "m"\ndialect = "openai"\n[management]\ntype = "command"\ncommand = ["srv"]\ncwd = "run"\n`);
    const c = await loadServingConfig(join(dir, 'ok.toml'));
    expect(c.management).toEqual({ type: 'command', command: ['srv'], cwd: join(dir, 'run') });
  });
});

describe('serving config from flags', () => {
  it('builds a remote endpoint', () => {
    const c = servingConfigFromFlags({ baseUrl: 'https://api.example.com/v1', model: 'gpt', dialect: 'openai', apiKeyEnv: 'OPENAI_API_KEY' });
    expect(c.endpoint).toEqual({ baseUrl: 'https://api.example.com/v1', model: 'gpt', dialect: 'openai', apiKeyEnv: 'OPENAI_API_KEY' });
    expect(c.management).toEqual({ type: 'none' });
  });

  it('lists every bad flag at once, and refuses a key passed as the variable name', () => {
    const problems = problemsOf(() => servingConfigFromFlags({ baseUrl: 'ftp://x', dialect: 'tgi', apiKeyEnv: 'sk-abc-123' }));
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/--base-url[\s\S]*--model[\s\S]*--dialect[\s\S]*--api-key-env/);
    expect(problems.join('\n')).not.toContain('sk-abc-123');
  });

  it('builds and checks a simulated config', () => {
    const c = simulatedServingConfig({ timeScale: 0, faults: { crash: 0.5 }, restart: { kind: 'group' } });
    expect(c.management.type).toBe('simulated');
    expect(c.restart).toEqual({ kind: 'group' });
    const problems = problemsOf(() => simulatedServingConfig({ timeScale: -1, faults: { crash: 2, bogus: 1 } as never, canary: { everyTrials: 1, factor: 1 } }));
    expect(problems).toHaveLength(4);
  });
});

describe('the serving config a sweep asks for', () => {
  it('applies the sweep time scale and canary to a new config, leaving the loaded one as it was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-serving-'));
    dirs.push(dir);
    const file = join(dir, 'serving.toml');
    writeFileSync(file, `[management]\ntype = "simulated"\n[simulated]\ntime_scale = 0.5\n[restart]\npolicy = "every"\ntrials = 3\n`);
    const loaded = await loadServingConfig(file);
    expect(Object.isFrozen(loaded) && Object.isFrozen(loaded.management) && Object.isFrozen(loaded.health)).toBe(true);
    const settings = { ...mergeSettings({ harnesses: ['terse'], tasks: 'all', trials: 1 }).settings, timeScale: 0, canaryEvery: 4 };
    settings.serving = { ...settings.serving, source: file };
    const { config, problems } = await servingConfigFor(settings);
    expect(problems).toEqual([]);
    if (config?.management.type !== 'simulated') throw new Error('expected simulated');
    expect(config.management.simulated.timeScale).toBe(0);
    expect(loaded.management.type === 'simulated' && loaded.management.simulated.timeScale).toBe(0.5);
    expect(loaded.canary).toBeNull();
    expect(config.canary).toEqual({ everyTrials: 4, factor: 1.5 });
    // The file's restart policy is only the plan's default; the config carries it unchanged.
    expect(config.restart).toEqual({ kind: 'every', trials: 3 });
    expect(restartEveryFor(undefined, config)).toBe(3);
    expect(restartEveryFor(2, config)).toBe(2);
    for (const c of [simulatedServingConfig(), servingConfigFromFlags({ baseUrl: 'http://127.0.0.1:1', model: 'm' })]) expect(Object.isFrozen(c.endpoint)).toBe(true);
  });
});
