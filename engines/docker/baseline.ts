// The floor the runner-overhead benchmark measures pairbench against: the same container
// lifecycle and engine work done bare through the engine's API, with none of the runner
// around it (no mount file, no limits, no bookkeeping). Lives beside the engine because it
// speaks the engine's own API.

import path from 'node:path';
import type Docker from 'dockerode';
import { LABELS } from '../../core/engine.js';
import type { LoadedTask } from '../../core/task.js';
import { packDirectory } from '../tar.js';
import type { DockerApiEngine } from './engine.js';

export type BareStep = 'createStart' | 'exec' | 'remove';

async function runBare(c: Docker.Container, command: string): Promise<void> {
  const exec = await c.exec({ Cmd: ['bash', '-lc', command], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
    stream.resume();
  });
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`bare exec of ${command} exited ${ExitCode}`);
}

async function bareContainer(engine: DockerApiEngine, image: string, sweep: string, name: string): Promise<Docker.Container> {
  const c = await engine.api.createContainer({
    name,
    Image: image,
    Entrypoint: ['sleep', 'infinity'],
    Labels: { [LABELS.sweep]: sweep, [LABELS.managed]: 'true' },
    HostConfig: { NetworkMode: 'none', Init: true, ...engine.hostConfigExtras },
  });
  await c.start();
  return c;
}

/** One command in a fresh container: create, start, one exec (`bash -lc true`), remove. */
export async function bareLifecycle(engine: DockerApiEngine, image: string, sweep: string, n: number, steps?: Record<BareStep, number[]>): Promise<number> {
  const t0 = performance.now();
  const c = await bareContainer(engine, image, sweep, `${sweep}-bare-${n}`);
  const t1 = performance.now();
  await runBare(c, 'true');
  const t2 = performance.now();
  await c.remove({ force: true });
  const t3 = performance.now();
  steps?.createStart.push(t1 - t0);
  steps?.exec.push(t2 - t1);
  steps?.remove.push(t3 - t2);
  return t3 - t0;
}

/** The engine work an oracle trial needs: put the solution, run it, put the tests, run them, read the reward. */
export async function sameWork(engine: DockerApiEngine, image: string, task: LoadedTask, sweep: string, n: number): Promise<number> {
  const t0 = performance.now();
  const c = await bareContainer(engine, image, sweep, `${sweep}-same-${n}`);
  await c.putArchive(await packDirectory(path.dirname(task.paths.solveSh), 'solution/'), { path: '/' });
  await runBare(c, 'bash /solution/solve.sh');
  await c.putArchive(await packDirectory(task.paths.testsDir, 'tests/'), { path: '/' });
  await runBare(c, 'mkdir -p /logs/verifier && bash /tests/test.sh && cat /logs/verifier/reward.txt');
  await c.remove({ force: true });
  return performance.now() - t0;
}

/** Removes an image the benchmark built; quiet when it cannot. */
export async function removeImage(engine: DockerApiEngine, image: string): Promise<void> {
  await engine.api.getImage(image).remove().catch(() => undefined);
}

