// Harbor's task features, one fixture task each (fixtures/tasks-harbor), through `pairbench
// tasks check` on the real engine: each honoured feature is needed for the oracle to pass (and
// nop still fails), and each refused one prints the exact message pairbench promises.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CheckReport } from '../../runner/task/check.js';
import Database from 'better-sqlite3';
import { connectEngine, connectTestEngine } from './engine-support.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TASKS = path.join(ROOT, 'fixtures/tasks-harbor');
const HONOURED = ['agent-user', 'compose-sidecar', 'entrypoint-service', 'env-templates', 'phase-network', 'unknown-fields', 'workdir'];
/** Images the fixtures build besides pairbench-task/<name>: compose sidecars. */
const SIDECAR_IMAGES = ['pairbench-task/compose-sidecar-tokens'];
const SECRET = `pb-secret-${randomBytes(8).toString('hex')}`;

let docker: Docker;
let root: string;

function pairbench(args: string[], env: Record<string, string> = {}) {
  return execa('node', [path.join(ROOT, 'bin/pairbench.js'), ...args], {
    cwd: ROOT,
    reject: false,
    extendEnv: false,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', TMPDIR: root, FORCE_COLOR: '0', ...env },
  });
}

beforeAll(async () => {
  // Builds only when a source is newer than dist/ (npm test has built it already).
  await execa('bash', ['scripts/build.sh'], { cwd: ROOT });
  docker = await connectEngine();
  root = await mkdtemp(path.join(tmpdir(), 'pb-tasks-harbor-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  for (const ref of [...HONOURED.map((n) => `pairbench-task/${n}`), ...SIDECAR_IMAGES]) {
    const images = await docker.listImages({ filters: { reference: [ref] } });
    for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  }
});

it('agent user, workdir, entrypoint service with healthcheck, env templates, per-phase network and a compose sidecar each pass check', { timeout: 900_000 }, async () => {
  const r = await pairbench(['tasks', 'check', ...HONOURED, '--tasks-dir', TASKS, '--json'], { PB_FIXTURE_SECRET: SECRET });
  const report = JSON.parse(r.stdout) as CheckReport;
  expect(report.tasks.map((t) => [t.name, t.oracle?.status, t.nop?.status, t.reasons])).toEqual(
    HONOURED.map((n) => [n, 'pass', 'fail', []]),
  );
  expect(r.exitCode).toBe(0);
  // The unhonoured fields are named, each once, with what pairbench does instead.
  expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([
    'warning: task unknown-fields: task.toml [environment] storage_mb: pairbench sets no disk limit; the container gets the engine default',
    'warning: task unknown-fields: task.toml [environment] gpus: pairbench gives containers no GPU; a task that needs one will fail',
    'warning: task unknown-fields: task.toml [environment] skills_dir: pairbench copies no skills into any agent configuration',
    'warning: task unknown-fields: task.toml [environment] os: pairbench runs Linux containers only',
    "warning: task unknown-fields: task.toml [environment] mcp_servers: pairbench's harnesses do not connect to MCP servers; the agent is not told of them",
  ]);
  // The host value reached the container and the verifier, and nothing pairbench printed.
  expect(r.stdout + r.stderr).not.toContain(SECRET);
});

it('on Podman, run --network none: a compose sidecar is still reached on the trial network, a phase the task opens is not, nothing is left behind, and the report header says so', { timeout: 300_000 }, async () => {
  const db = path.join(root, 'offline.db');
  const run = await pairbench(['run', '--engine', 'podman', '--harness', 'oracle', '--task', 'compose-sidecar', 'phase-network', '--trials', '1', '--tasks-dir', TASKS, '--db', db, '--runs-dir', path.join(root, 'runs'), '--network', 'none']);
  expect(run.exitCode, run.stdout + run.stderr).toBe(0);
  expect(run.stderr).toContain('network none: every container of every trial runs offline, whatever its task allows');
  // phase-network passes check with its own rule (above); forced offline, its verifier sees loopback only.
  const conn = new Database(db, { readonly: true });
  const rows = conn.prepare('SELECT sweep_id, task, status, error_message FROM trials ORDER BY task').all() as { sweep_id: string; task: string; status: string; error_message: string | null }[];
  conn.close();
  expect(rows.map((r) => [r.task, r.status, r.error_message])).toEqual([['compose-sidecar', 'pass', null], ['phase-network', 'fail', null]]);
  const podman = await connectTestEngine('podman');
  expect(await podman.findLeftovers({ sweep: rows[0]!.sweep_id })).toEqual([]);
  expect(await podman.findLeftoverNetworks({ sweep: rows[0]!.sweep_id })).toEqual([]);
  const md = await pairbench(['report', '--db', db]);
  expect(md.stdout).toContain('**Network: none. This sweep ran with --network none: every container of every trial was offline, whatever its task allows.**');
  const html = await pairbench(['report', '--db', db, '--format', 'html']);
  expect(html.stdout).toContain('<p class="condition"><strong>Network: none. This sweep ran with --network none');
});

it('an env template naming an unset host variable is a load error naming it', async () => {
  const r = await pairbench(['tasks', 'check', 'env-templates', '--tasks-dir', TASKS]);
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toContain(
    'task.toml [verifier] env EXPECTED: reads the host variable PB_FIXTURE_SECRET, which is not set; export PB_FIXTURE_SECRET before running pairbench, or give a default: ${PB_FIXTURE_SECRET:-value}',
  );
  expect(r.stdout).toContain('task.toml [environment] env GREETING: reads the host variable PB_FIXTURE_SECRET, which is not set');
});

it('a multi-step task is named as one, with what to do', async () => {
  const r = await pairbench(['tasks', 'check', 'multi-step', '--tasks-dir', TASKS]);
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toContain(
    "the task directory is broken: steps/: multi-step is a multi-step task (Harbor's steps/ layout); pairbench runs single-step tasks only (one instruction, one verifier, one reward per trial): make each step its own task",
  );
  expect(r.stdout).not.toContain('instruction.md: missing');
});
