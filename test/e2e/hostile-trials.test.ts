// The container is hostile: fixture tasks under fixtures/tasks-hostile whose solution (run by
// the oracle harness, so the "agent" does exactly what its solve.sh says) or whose verifier
// misbehaves, each run through runTrial on the real engine. Only what tests/test.sh writes in
// this verification decides the outcome, no host file is read, and nothing the container
// wrote stays on the host as a setuid, setgid or special file.

import { lstat, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from './engine-support.js';
import { LABELS } from '../../core/engine.js';
import { loadTask } from '../../runner/task/load.js';
import { runTrial } from '../../runner/trial.js';
import type { TrialResult, TrialSpec } from '../../core/trial.js';
import type { HarnessBase } from '../../core/harness.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/tasks-hostile');
const SWEEP = `e2e-hostile-${process.pid}-${Date.now().toString(36)}`;

let docker: Docker;
let root: string;
let seq = 0;

beforeAll(async () => {
  docker = await connectEngine();
  root = await mkdtemp(path.join(tmpdir(), 'pb-hostile-trials-'));
});

afterAll(async () => {
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.sweep}=${SWEEP}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  if (root) await rm(root, { recursive: true, force: true });
});

interface Ran {
  spec: TrialSpec;
  result: TrialResult;
}

async function run(taskName: string, base: HarnessBase = 'oracle', onPhase?: (p: string, spec: TrialSpec) => void): Promise<Ran> {
  const task = await loadTask(path.join(FIXTURES, taskName));
  const n = ++seq;
  const spec: TrialSpec = {
    trialId: `${SWEEP}-t${n}`,
    sweepId: SWEEP,
    task,
    harness: { name: base, base, levers: null, limits: { maxTurns: 1, maxOutputTokens: 1, observationBytes: 1024 } },
    trialIndex: n,
    attempt: 1,
    trialDir: path.join(root, `${SWEEP}-t${n}`),
    containerName: `pb-${SWEEP}-t${n}`,
    selinux: 'auto',
    serving: null,
  };
  const result = await runTrial(spec, { onTurn: () => undefined, onPhase: (p) => onPhase?.(p, spec) });
  const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.trial}=${spec.trialId}`] } });
  expect(left).toEqual([]);
  return { spec, result };
}

/** Host content that must never appear in a trial's message: a line of /etc/shadow, this process's environment. */
async function hostSecrets(): Promise<string[]> {
  const shadow = (await readFile('/etc/shadow', 'utf8')).split('\n').filter((l) => l.includes(':'));
  const environ = (await readFile('/proc/self/environ', 'utf8')).split('\0').filter((l) => l.length > 8);
  return [...shadow.map((l) => l.split(':')[0]! + ':'), ...environ];
}

function expectNoHostContent(text: string | null, secrets: string[]): void {
  for (const s of secrets) expect(text ?? '', 'host content in the message').not.toContain(s);
}

describe('only the verifier decides the reward', () => {
  it('a reward.json the agent planted does not win over the reward test.sh writes: fail', async () => {
    const r = await run('plant-reward-json');
    expect(r.result).toMatchObject({ status: 'fail', reward: 0, errorCode: null });
  });

  it('a reward the agent linked to a host /proc file is never read: fail with the verifier\'s own reward', async () => {
    const r = await run('plant-reward-link');
    expect(r.result).toMatchObject({ status: 'fail', reward: 0, errorCode: null });
  });

  it.each([
    ['a process the agent left behind', 'agent-background'],
    ['a process whose main thread has exited, its other thread still writing,', 'agent-zombie-leader'],
    ['a process that put a newline in its name to read as a zombie', 'agent-renamed'],
  ])('%s cannot rewrite the reward after test.sh: fail (%s)', async (_who, task) => {
    const r = await run(task);
    expect(r.result).toMatchObject({ status: 'fail', reward: 0, errorCode: null });
  });

  it('a directory and a FIFO the agent left in /logs/verifier do not change the outcome: the solved task passes', async () => {
    const r = await run('agent-leftovers');
    expect(r.result).toMatchObject({ status: 'pass', reward: 1, errorCode: null });
  });
});

describe('a hostile verifier reads nothing from the host', () => {
  it('reward.txt linked to /etc/shadow is reward_invalid, quoting nothing', async () => {
    const secrets = await hostSecrets();
    const r = await run('verifier-link-shadow');
    expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, errorCode: 'PB_REWARD_INVALID' });
    expect(r.result.errorMessage).toContain('reward.txt');
    expect(r.result.errorMessage).toContain('not a regular file');
    expectNoHostContent(r.result.errorMessage, secrets);
  });

  it('reward.json linked to /proc/self/environ is reward_invalid, quoting nothing', async () => {
    const secrets = await hostSecrets();
    const r = await run('verifier-link-environ');
    expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, errorCode: 'PB_REWARD_INVALID' });
    expect(r.result.errorMessage).toContain('reward.json');
    expect(r.result.errorMessage).toContain('not a regular file');
    expectNoHostContent(r.result.errorMessage, secrets);
  });

  it('a FIFO as reward.txt is reward_invalid, and the trial ends', async () => {
    const r = await run('verifier-fifo-reward');
    expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, errorCode: 'PB_REWARD_INVALID' });
    expect(r.result.errorMessage).toContain('not a regular file');
  });

  it('a 600 MB reward.txt is reward_invalid, read no further than the cap', async () => {
    const before = process.memoryUsage().rss;
    const r = await run('verifier-big-reward');
    expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, errorCode: 'PB_REWARD_INVALID' });
    expect(r.result.errorMessage).toMatch(/reward\.txt .*larger than/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('a directory as reward.json is reward_invalid', async () => {
    const r = await run('verifier-dir-reward');
    expect(r.result).toMatchObject({ status: 'reward_invalid', reward: null, errorCode: 'PB_REWARD_INVALID' });
    expect(r.result.errorMessage).toContain('not a regular file');
  });
});

/** Every entry under `dir` with its mode, links not followed. */
async function walk(dir: string): Promise<{ rel: string; mode: number; uid: number; gid: number; kind: string }[]> {
  const out: { rel: string; mode: number; uid: number; gid: number; kind: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const at = path.join(e.parentPath, e.name);
    const st = await lstat(at);
    const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'special';
    out.push({ rel: path.relative(dir, at), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, kind });
  }
  return out;
}

describe('the host stays the user\'s', () => {
  it('no setuid, setgid, special or world-writable file the container made survives on the host', async () => {
    const during: number[] = [];
    let hardening: Promise<Docker.ContainerInspectInfo> | null = null;
    const r = await run('agent-setuid', 'oracle', (p, spec) => {
      if (p === 'agent') {
        hardening = docker.getContainer(spec.containerName).inspect();
        // While the container runs, its bind directories on the host are not open to other users.
        void Promise.all(['logs/agent', 'logs/verifier', '.'].map((d) => lstat(path.join(spec.trialDir, d)))).then((s) =>
          during.push(...s.map((x) => x.mode & 0o7777)),
        );
      }
    });
    expect(r.result).toMatchObject({ status: 'pass', reward: 1 });
    // The running trial container was as hardened as ever.
    const info = await hardening!;
    const hc = info.HostConfig;
    expect(info.State.Running).toBe(true);
    expect(hc.Privileged).toBe(false);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.SecurityOpt).toContain('no-new-privileges');
    expect(hc.NetworkMode).toBe('none');
    expect(hc.PidsLimit).toBeGreaterThan(0);
    expect(hc.Memory).toBe(256 * 1024 * 1024);
    expect(hc.NanoCpus).toBe(1e9);
    expect(info.Mounts.map((m) => `${m.Source}:${m.Destination}`).filter((m) => m.includes('docker.sock'))).toEqual([]);
    expect(info.Mounts.map((m) => m.Destination).sort()).toEqual(['/logs/agent', '/logs/verifier']);
    expect(during).toHaveLength(3);
    for (const m of during) expect(m & 0o002, `mode ${m.toString(8)}`).toBe(0);
    const entries = await walk(r.spec.trialDir);
    expect(entries.map((e) => e.rel)).toEqual(expect.arrayContaining(['logs/agent/rootsh', 'logs/agent/open/deep', 'logs/agent/shadow-link']));
    for (const e of entries) {
      expect(e.kind, e.rel).not.toBe('special');
      expect(e.mode & 0o6000, `${e.rel} ${e.mode.toString(8)}`).toBe(0);
      if (e.kind !== 'link') expect(e.mode & 0o002, `${e.rel} ${e.mode.toString(8)}`).toBe(0);
    }
    // The link stays a link, never followed.
    expect((await lstat(path.join(r.spec.trialDir, 'logs/agent/shadow-link'))).isSymbolicLink()).toBe(true);
  });

  it('an image whose USER is not root still writes its logs and its reward into the 0755 binds', async () => {
    const oracle = await run('nonroot-user', 'oracle');
    expect(oracle.result).toMatchObject({ status: 'pass', reward: 1 });
    expect(await readFile(path.join(oracle.spec.trialDir, 'logs/agent/oracle.txt'), 'utf8')).toBe('');
    const nop = await run('nonroot-user', 'nop');
    expect(nop.result).toMatchObject({ status: 'fail', reward: 0 });
  });

  it('run through sudo, every file of the trial belongs to the user who ran it', async () => {
    const saved = { uid: process.env.SUDO_UID, gid: process.env.SUDO_GID };
    process.env.SUDO_UID = '4242';
    process.env.SUDO_GID = '4343';
    try {
      const r = await run('agent-setuid');
      expect(r.result).toMatchObject({ status: 'pass', reward: 1 });
      const entries = await walk(r.spec.trialDir);
      expect(entries.length).toBeGreaterThan(5);
      for (const e of entries) expect([e.rel, e.uid, e.gid]).toEqual([e.rel, 4242, 4343]);
      const top = await lstat(r.spec.trialDir);
      expect([top.uid, top.gid]).toEqual([4242, 4343]);
    } finally {
      if (saved.uid === undefined) delete process.env.SUDO_UID;
      else process.env.SUDO_UID = saved.uid;
      if (saved.gid === undefined) delete process.env.SUDO_GID;
      else process.env.SUDO_GID = saved.gid;
    }
  });
});
