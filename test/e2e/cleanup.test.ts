// A runner killed mid-trial leaves its container behind; `pairbench cleanup` finds it by
// its labels and removes it, and touches no other sweep's containers. A server the runner
// started from the user's command outlives it too: cleanup stops it, by its recorded pid and
// start time, once (and only once) the runner is gone.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import { createTrialContainer } from '../../engines/docker/container.js';
import { findPairbenchContainers, removeContainers } from '../../engines/docker/leftovers.js';
import { findPairbenchNetworks, removeNetwork } from '../../engines/docker/network.js';
import { TASK_DEFAULTS, type LoadedTask } from '../../core/task.js';
import { freeLoopbackPort } from '../../serving/control/controller.js';
import { identitiesIn, stillRunning, type OwnedServerIdentity } from '../../serving/control/reap.js';
import { openStore } from '../../store/db.js';
import { serverStartDetails } from '../../store/records.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ORPHAN = path.join(import.meta.dirname, 'fixtures/engine-cleanup/orphan.mjs');
const ORPHAN_SERVER = path.join(import.meta.dirname, 'fixtures/engine-cleanup/orphan-server.mjs');
const IMAGE = 'pairbench/base:bookworm';
const SWEEP = `cleanup-test-${randomUUID().slice(0, 8)}`;
const BYSTANDER = `cleanup-bystander-${randomUUID().slice(0, 8)}`;

let docker: Docker;

function pairbench(...args: string[]) {
  return execa('node', [path.join(ROOT, 'bin/pairbench.js'), ...args], { cwd: ROOT, reject: false });
}

beforeAll(async () => {
  docker = await connectEngine();
});

afterAll(async () => {
  for (const sweep of [SWEEP, BYSTANDER]) await removeContainers(docker, await findPairbenchContainers(docker, { sweep }));
  for (const n of await findPairbenchNetworks(docker, { sweep: SWEEP })) await removeNetwork(docker, n.id);
});

it('finds and removes the container of a killed run, and only that sweep’s', async () => {
  // Another sweep's container, which a scoped cleanup must leave alone.
  const task = {
    name: 'engine-cleanup',
    config: { environment: { cpus: 0.5, memoryMb: 128, pidsLimit: TASK_DEFAULTS.pidsLimit, network: 'no-network' } },
  } as LoadedTask;
  const bystander = await createTrialContainer(docker, {
    image: IMAGE,
    name: `${BYSTANDER}-c`,
    labels: { sweep: BYSTANDER, trial: 'b', task: task.name },
    task,
    binds: [],
  });

  const child = execa('node', [ORPHAN, SWEEP, IMAGE], { cwd: ROOT, reject: false, buffer: false });
  const id = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\w+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    void child.then((r) => reject(new Error(`orphan maker exited early: ${r.exitCode}`)));
  });
  child.kill('SIGKILL');
  const ended = await child;
  expect(ended.signal).toBe('SIGKILL');

  // The orphan outlived its runner.
  expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);

  const dry = await pairbench('cleanup', '--sweep', SWEEP, '--dry-run', '--json');
  expect(dry.stderr).toBe('');
  expect(dry.exitCode).toBe(0);
  const report = JSON.parse(dry.stdout) as { dryRun: boolean; found: { id: string; name: string; sweep: string; trial: string; task: string; state: string; runner: string; runnerState: string }[]; removed: unknown[] };
  expect(report.dryRun).toBe(true);
  expect(report.found).toEqual([
    { id, name: `${SWEEP}-orphan`, sweep: SWEEP, trial: 'orphan-trial', task: 'engine-cleanup', state: 'running', runner: expect.stringMatching(`/${child.pid}/`), runnerState: 'gone' },
  ]);
  expect(report.removed).toEqual([]);
  expect((await docker.getContainer(id).inspect()).State.Running).toBe(true); // a dry run removes nothing

  expect((await findPairbenchNetworks(docker, { sweep: SWEEP })).map((n) => n.name)).toEqual([`${SWEEP}-orphan-net`]);

  const real = await pairbench('cleanup', '--sweep', SWEEP);
  expect(real.exitCode).toBe(0);
  expect(real.stdout).toContain(`removed ${SWEEP}-orphan`);
  // The trial's network (a compose task's sidecars live on one) goes with its containers.
  expect(real.stdout).toContain(`removed network ${SWEEP}-orphan-net`);
  expect(await findPairbenchContainers(docker, { sweep: SWEEP })).toEqual([]);
  expect(await findPairbenchNetworks(docker, { sweep: SWEEP })).toEqual([]);
  await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });

  // The other sweep's container is untouched.
  expect(await bystander.isRunning()).toBe(true);
  const again = await pairbench('cleanup', '--sweep', SWEEP, '--json');
  expect(JSON.parse(again.stdout)).toMatchObject({ found: [], removed: [], failed: [] });
  await bystander.remove();
});

it('leaves the containers of a sweep whose runner is alive, unless --all, which names that runner', async () => {
  // This test process is the live runner: the container carries its host, pid and start time.
  const task = {
    name: 'engine-cleanup',
    config: { environment: { cpus: 0.5, memoryMb: 128, pidsLimit: TASK_DEFAULTS.pidsLimit, network: 'no-network' } },
  } as LoadedTask;
  const live = await createTrialContainer(docker, { image: IMAGE, name: `${BYSTANDER}-live`, labels: { sweep: BYSTANDER, trial: 'l', task: task.name }, task, binds: [] });

  // Unscoped and dry: the live sweep's container is listed as kept, never as to be removed.
  const everywhere = await pairbench('cleanup', '--dry-run', '--json');
  expect(everywhere.exitCode, everywhere.stderr).toBe(0);
  const seen = JSON.parse(everywhere.stdout) as { kept: { name: string; runnerState: string }[] };
  expect(seen.kept).toContainEqual(expect.objectContaining({ name: `${BYSTANDER}-live`, runnerState: 'alive' }));

  const plain = await pairbench('cleanup', '--sweep', BYSTANDER);
  expect(plain.exitCode, plain.stderr).toBe(0);
  expect(plain.stdout).toContain('kept 1 container(s)');
  expect(plain.stdout).toContain(`pid ${process.pid}`);
  expect(await live.isRunning()).toBe(true);

  const all = await pairbench('cleanup', '--sweep', BYSTANDER, '--all');
  expect(all.exitCode, all.stderr).toBe(0);
  expect(all.stdout).toContain(`removing ${BYSTANDER}-live`);
  expect(all.stdout).toContain(`its runner, pid ${process.pid}`);
  expect(all.stdout).toContain(`removed ${BYSTANDER}-live`);
  expect(await findPairbenchContainers(docker, { sweep: BYSTANDER })).toEqual([]);
});

it('stops the serving process a killed runner left running, and not while that runner lives', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pb-cleanup-server-'));
  const db = path.join(dir, 'store.db');
  const sweep = `cleanup-server-${randomUUID().slice(0, 8)}`;
  const port = await freeLoopbackPort();
  const serving = path.join(dir, 'serving.toml');
  const command = [process.execPath, path.join(ROOT, 'bin/pairbench.js'), 'serve', '--simulated', '--port', String(port), '--time-scale', '0'];
  writeFileSync(serving, `[endpoint]\nbase_url = "http://127.0.0.1:${port}"\nmodel = "m"\ndialect = "llama-server"\n[management]\ntype = "command"\ncommand = ${JSON.stringify(command)}\n`);
  const child = execa('node', [ORPHAN_SERVER, db, sweep, serving], { cwd: ROOT, reject: false, buffer: false });
  let server: OwnedServerIdentity | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready ')) resolve();
      });
      child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
      void child.then((r) => reject(new Error(`orphan-server maker exited early: ${r.exitCode}`)));
    });
    const recorded = () => {
      const conn = openStore(db, { readonly: true });
      try {
        return serverStartDetails(conn, sweep).flatMap((e) => identitiesIn(e.kind, e.detail));
      } finally {
        conn.close();
      }
    };
    server = recorded()[0];
    expect(server).toMatchObject({ pid: expect.any(Number), procStart: expect.stringMatching(/^\d+$/) });

    // Its runner alive: kept, named as such.
    const whileAlive = await pairbench('cleanup', '--db', db, '--sweep', sweep, '--json');
    expect(whileAlive.exitCode, whileAlive.stderr).toBe(0);
    expect(JSON.parse(whileAlive.stdout).servers).toMatchObject({ stopped: [], kept: [{ pid: server!.pid, sweep }] });
    expect(stillRunning(server!)).toBe(true);

    child.kill('SIGKILL');
    await child;
    expect(stillRunning(server!), 'the user\'s server outlives its SIGKILLed runner').toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    const real = await pairbench('cleanup', '--db', db, '--sweep', sweep);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(real.stdout).toContain(`stopped serving process pid ${server!.pid} of sweep ${sweep}`);
    expect(stillRunning(server!)).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  } finally {
    child.kill('SIGKILL');
    if (server && stillRunning(server)) process.kill(-server.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
