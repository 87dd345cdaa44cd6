// Harbor's task.toml semantics: its defaults, its network rule per phase, env templates read
// from the host, and every Harbor field pairbench does not honour named, never dropped.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import { loadTask } from '../../runner/task/load.js';
import { checkTaskToml } from '../../runner/task/schema.js';
import { harborFieldWarnings } from '../../runner/task/harbor-fields.js';
import { hostValues, resolveEnv, unsetTemplateProblems } from '../../core/env-templates.js';
import type { TaskConfig } from '../../core/task.js';

const temps: string[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function writeTask(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pb-harbor-fields-'));
  temps.push(root);
  const dir = join(root, 'task');
  const all: Record<string, string> = {
    'task.toml': 'schema_version = "1.4"\n',
    'instruction.md': 'Do the thing.\n',
    'environment/Dockerfile': 'FROM pairbench/base:bookworm\n',
    'solution/solve.sh': '#!/bin/bash\ntrue\n',
    'tests/test.sh': '#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n',
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

async function problems(dir: string): Promise<string[]> {
  const e = await loadTask(dir).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(ValidationError);
  return (e as ValidationError).problems;
}

function config(toml: string): TaskConfig {
  const c = checkTaskToml(toml);
  if (!c.ok) throw new Error(c.problems.join('\n'));
  return c.config;
}

describe("Harbor's network rule", () => {
  it('is public by default, in both phases', () => {
    const c = config('');
    expect([c.environment.network, c.agent.network, c.verifier.network]).toEqual(['public', 'public', 'public']);
  });
  it('allow_internet = false turns every phase off unless a phase says otherwise', () => {
    const c = config('[environment]\nallow_internet = false\n[verifier]\nnetwork_mode = "public"\n');
    expect([c.environment.network, c.agent.network, c.verifier.network]).toEqual(['no-network', 'no-network', 'public']);
  });
  it('network_mode wins over allow_internet, and a phase wins over the environment', () => {
    const c = config('[environment]\nallow_internet = false\nnetwork_mode = "public"\n[agent]\nnetwork_mode = "no-network"\n');
    expect([c.environment.network, c.agent.network, c.verifier.network]).toEqual(['public', 'no-network', 'public']);
  });
  it('an allowlist, which pairbench cannot enforce, runs with no network and says so', () => {
    const toml = '[agent]\nallowed_hosts = ["pypi.org"]\n';
    expect(config(toml).agent.network).toBe('no-network');
    expect(harborFieldWarnings({ agent: { allowed_hosts: ['pypi.org'] } })).toEqual([
      'task.toml [agent] network_mode "allowlist": pairbench cannot enforce a host allowlist, so this runs with no network',
    ]);
  });
  it('a mode Harbor does not have is a load error naming the choices', () => {
    const c = checkTaskToml('[verifier]\nnetwork_mode = "offline"\n');
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.problems).toEqual([expect.stringMatching(/^task\.toml \[verifier\] network_mode: expected one of "public", "no-network", "allowlist", got "offline"/)]);
  });
});

describe("Harbor's other fields", () => {
  it('user, workdir, healthcheck (with Harbor defaults) and the deprecated memory spelling', () => {
    const c = config(
      '[agent]\nuser = "agent"\n[verifier]\nuser = 0\n[environment]\nworkdir = "/srv/app"\nmemory = "1G"\n[environment.healthcheck]\ncommand = "test -e /tmp/up"\nretries = 5\n',
    );
    expect(c.agent.user).toBe('agent');
    expect(c.verifier.user).toBe('0');
    expect(c.environment.workdir).toBe('/srv/app');
    expect(c.environment.memoryMb).toBe(1024);
    expect(c.environment.healthcheck).toEqual({ command: 'test -e /tmp/up', intervalSec: 5, timeoutSec: 30, startPeriodSec: 0, startIntervalSec: 5, retries: 5 });
  });
  it('a relative workdir is a load error with the fix', () => {
    const c = checkTaskToml('[environment]\nworkdir = "app"\n');
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.problems[0]).toMatch(/^task\.toml \[environment\] workdir: expected an absolute path in the container, got "app" \(a string\); for example workdir = "\/app"/);
  });
  it('names each Harbor field it does not honour, and stays quiet about harmless defaults', () => {
    const raw = {
      environment: { storage_mb: 10240, gpus: 1, mcp_servers: [{ name: 'm', url: 'http://m:8000/sse' }], skills_dir: '/skills', os: 'windows' },
      verifier: { collect: [] },
      task: { name: 'no-org' },
    };
    expect(harborFieldWarnings(raw)).toEqual([
      'task.toml [task] name "no-org": Harbor requires org/name (e.g. name = "local/no-org") and would refuse this task; pairbench names tasks by their directory',
      'task.toml [verifier] collect: not a field pairbench honours; ignored',
      'task.toml [environment] storage_mb: pairbench sets no disk limit; the container gets the engine default',
      'task.toml [environment] gpus: pairbench gives containers no GPU; a task that needs one will fail',
      "task.toml [environment] mcp_servers: pairbench's harnesses do not connect to MCP servers; the agent is not told of them",
      'task.toml [environment] skills_dir: pairbench copies no skills into any agent configuration',
      'task.toml [environment] os: pairbench runs Linux containers only',
    ]);
    expect(harborFieldWarnings({ environment: { gpus: 0, mcp_servers: [], os: 'linux' } })).toEqual([]);
  });
});

describe('env templates', () => {
  it('an unset host variable is a load error naming the table, the key and the fix', async () => {
    vi.stubEnv('PB_TEST_UNSET_VAR', undefined);
    const dir = await writeTask({
      'task.toml': '[verifier]\nenv = { KEY = "${PB_TEST_UNSET_VAR}", PLAIN = "x", DEF = "${PB_TEST_UNSET_VAR:-fallback}" }\n',
    });
    expect(await problems(dir)).toEqual([
      'task.toml [verifier] env KEY: reads the host variable PB_TEST_UNSET_VAR, which is not set; export PB_TEST_UNSET_VAR before running pairbench, or give a default: ${PB_TEST_UNSET_VAR:-value}',
    ]);
  });
  it('resolves from the host only when asked, literals as written, defaults when unset', () => {
    const env = { A: '${PB_T_A}', B: '${PB_T_B:-dflt}', C: 'lit ${PB_T_A}' };
    const host = { PB_T_A: 'secret-a' };
    expect(unsetTemplateProblems('x', env, host)).toEqual([]);
    expect(resolveEnv(env, host)).toEqual({ A: 'secret-a', B: 'dflt', C: 'lit ${PB_T_A}' });
    expect(hostValues(env, host)).toEqual(['secret-a']);
  });
});

describe('layouts pairbench does not run', () => {
  it('a multi-step task gets one exact message', async () => {
    const dir = await writeTask({ 'steps/one/instruction.md': 'Step one.\n', 'instruction.md': 'x\n' });
    expect(await problems(dir)).toEqual([
      "steps/: task is a multi-step task (Harbor's steps/ layout); pairbench runs single-step tasks only (one instruction, one verifier, one reward per trial): make each step its own task",
    ]);
  });
  it('a terminal-bench task says what it is and names the command', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pb-tb-'));
    temps.push(root);
    const dir = join(root, 'hello-tb');
    await mkdir(dir);
    await writeFile(join(dir, 'task.yaml'), 'instruction: say hello\n');
    await writeFile(join(dir, 'Dockerfile'), 'FROM pairbench/base:bookworm\n');
    expect(await problems(dir)).toEqual([
      `task.yaml: hello-tb is a terminal-bench task, not Harbor's layout; convert it with \`pairbench tasks import ${dir} --to <tasks-dir>\` and run the converted copy`,
    ]);
  });
});
