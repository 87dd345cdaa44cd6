// The oracle harness on each engine: an abort stops the whole solution, children included,
// not only the exec that started it (setsid gives it a process group of its own), even where
// the image's login profile turns job control on.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, connectTestEngine } from './engine-support.js';
import type { TrialContainer } from '../../core/container.js';
import type { DockerApiEngine } from '../../engines/docker/engine.js';
import { createOracle } from '../../harnesses/oracle.js';
import { parseHarnessVariant } from '../../harnesses/variants.js';
import { loadTask } from '../../runner/task/load.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/oracle-harness/long-solution');

describe.each(TEST_ENGINES)('on %s', (kind) => {
  const SWEEP = `oracle-test-${randomUUID().slice(0, 8)}`;
  let engine: DockerApiEngine | undefined;
  let work: string | undefined;

  afterAll(async () => {
    if (engine) await engine.removeLeftovers(await engine.findLeftovers({ sweep: SWEEP }));
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The command lines of the container's processes running `sleep`. */
  async function sleepers(c: TrialContainer): Promise<string[]> {
    const r = await c.exec(['sh', '-c', `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done`], { timeoutMs: 30_000 });
    return r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^sleep 60[01]$/.test(l));
  }

  it('an abort kills solve.sh and the child it started', async () => {
    engine = await connectTestEngine(kind);
    work = await mkdtemp(path.join(tmpdir(), 'pb-oracle-'));
    const task = await loadTask(FIXTURE);
    const { image } = await engine.ensureImage(task, { logPath: path.join(work, 'build.log') });
    const c = await engine.createTrialContainer({ image, name: `${SWEEP}-c`, labels: { sweep: SWEEP, trial: 'c', task: task.name }, task, binds: [] });
    await c.exec(['mkdir', '-p', '/logs/agent']);

    const abort = new AbortController();
    const transcript: Record<string, unknown>[] = [];
    const harness = createOracle(parseHarnessVariant('oracle'));
    const run = harness.run({ trialId: 't', task, container: c, trialDir: work, model: null, signal: abort.signal, onTurn: () => undefined, transcript: (e) => transcript.push(e) });
    // Aborted once the solution runs, with its child started.
    for (let i = 0; i < 200 && (await c.exec(['test', '-f', '/tmp/solution-started'])).exitCode !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await sleepers(c)).sort()).toEqual(['sleep 600', 'sleep 601']);
    abort.abort();

    expect(await run).toEqual({ stop: 'agent_timeout', turns: 0 });
    expect(transcript.map((e) => e.event)).toEqual(['start', 'aborted']);
    expect(await sleepers(c)).toEqual([]);
  });
});
