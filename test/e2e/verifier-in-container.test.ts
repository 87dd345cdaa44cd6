// The verifier's in-container steps on each engine, one by one in a trial container: the
// reward read's cap, to the byte, a reward file that cannot be read, and the hand-back of the bind directories, in its one-find
// form and in the three-pass form that follows where find cannot do it all.

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, connectTestEngine } from './engine-support.js';
import type { TrialContainer } from '../../core/container.js';
import type { DockerApiEngine } from '../../engines/docker/engine.js';
import { loadTask } from '../../runner/task/load.js';
import { handBackScript } from '../../runner/trial-dir.js';
import { REWARD_MAX_BYTES, readRewardFiles } from '../../verifier/sealed.js';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/verifier-in-container/plain');
const DIRS = ['/logs/verifier', '/logs/agent'];

// What an agent running as root may leave in its log directories (as the hostile fixture does).
const LEAVE_HOSTILE_FILES = [
  'rm -rf /logs/agent /logs/verifier && mkdir -p /logs/agent /logs/verifier',
  'cp /bin/true /logs/agent/rootsh && chmod 4755 /logs/agent/rootsh',
  'cp /bin/true /logs/agent/groupsh && chmod 2755 /logs/agent/groupsh',
  'mkdir /logs/agent/open && chmod 3777 /logs/agent/open',
  'cp /bin/true /logs/agent/open/deep && chmod 6777 /logs/agent/open/deep',
  'mkfifo /logs/agent/fifo /logs/verifier/pipe',
  'echo 1 > /logs/verifier/reward.txt && chmod 0666 /logs/verifier/reward.txt',
  'ln -s /etc/shadow /logs/agent/shadow-link',
  'chmod 0777 /logs/agent /logs/verifier',
].join(' && ');

const LIST = `/usr/bin/find /logs /etc/shadow -printf '%p %m %U:%G %y\\n' | sort`;

describe.each(TEST_ENGINES)('on %s', (kind) => {
  const SWEEP = `verifier-test-${randomUUID().slice(0, 8)}`;
  let engine: DockerApiEngine;
  let c: TrialContainer;
  let work: string;

  async function sh(script: string): Promise<string> {
    const r = await c.exec(['sh', '-c', script], { timeoutMs: 30_000 });
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout;
  }

  beforeAll(async () => {
    engine = await connectTestEngine(kind);
    work = await mkdtemp(path.join(tmpdir(), 'pb-verifier-'));
    const task = await loadTask(FIXTURE);
    const { image } = await engine.ensureImage(task, { logPath: path.join(work, 'build.log') });
    c = await engine.createTrialContainer({ image, name: `${SWEEP}-c`, labels: { sweep: SWEEP, trial: 'c', task: task.name }, task, binds: [] });
  });

  afterAll(async () => {
    if (engine) await engine.removeLeftovers(await engine.findLeftovers({ sweep: SWEEP }));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('reads a reward file of exactly the cap whole, and refuses one byte more as too big', async () => {
    await sh(`mkdir -p /logs/verifier && rm -f /logs/verifier/* && head -c ${REWARD_MAX_BYTES} /dev/zero | tr '\\0' 7 > /logs/verifier/reward.txt`);
    const atCap = await readRewardFiles(c);
    expect(atCap.json).toEqual({ kind: 'absent' });
    expect(atCap.txt).toEqual({ kind: 'text', text: '7'.repeat(REWARD_MAX_BYTES) });

    await sh('printf 7 >> /logs/verifier/reward.txt');
    const over = await readRewardFiles(c);
    expect(over.txt).toEqual({ kind: 'refused', problem: `larger than the ${REWARD_MAX_BYTES} bytes a reward file may hold` });
  });

  it('says a reward file od cannot read could not be read, with od\'s message, not that it is empty', async () => {
    await sh(`mkdir -p /logs/verifier && rm -f /logs/verifier/* && echo 1 > /logs/verifier/reward.txt`);
    // An od that fails as a read error makes it fail (root here reads any file, whatever its mode).
    await sh(`printf '%s\\n' '#!/bin/sh' 'for a in "$@"; do last=$a; done' 'echo "od: $last: Input/output error" >&2' 'exit 1' > /usr/local/bin/od && chmod 755 /usr/local/bin/od`);
    try {
      const files = await readRewardFiles(c);
      expect(files.json).toEqual({ kind: 'absent' });
      expect(files.txt).toEqual({
        kind: 'refused',
        problem: "could not be read (od: /logs/verifier/reward.txt: Input/output error); tests/test.sh must leave reward.txt readable by the container's default user, who reads it",
      });
    } finally {
      await sh('rm -f /usr/local/bin/od');
    }
  });

  it('reads the bytes whatever od prints on stderr as it succeeds (an agent can make every program warn)', async () => {
    await sh(`mkdir -p /logs/verifier && rm -f /logs/verifier/* && echo 0 > /logs/verifier/reward.txt`);
    // What a bad /etc/ld.so.preload makes the loader print before each program runs, od included.
    await sh(`printf '%s\\n' '#!/bin/sh' 'echo "ERROR: ld.so: object /x.so from /etc/ld.so.preload cannot be preloaded: ignored." >&2' 'exec /usr/bin/od "$@"' > /usr/local/bin/od && chmod 755 /usr/local/bin/od`);
    try {
      expect((await readRewardFiles(c)).txt).toEqual({ kind: 'text', text: '0\n' });
    } finally {
      await sh('rm -f /usr/local/bin/od');
    }
  });

  /** The listing the hand-back must leave, with `owner` owning every entry it handed back. */
  const handedBack = (owner: string): string[] => [
    '/etc/shadow 640 0:42 f', // the link's target, untouched
    '/logs 755 0:0 d',
    `/logs/agent 775 ${owner} d`,
    `/logs/agent/groupsh 755 ${owner} f`,
    `/logs/agent/open 1775 ${owner} d`,
    `/logs/agent/open/deep 775 ${owner} f`,
    `/logs/agent/rootsh 755 ${owner} f`,
    `/logs/agent/shadow-link 777 ${owner} l`,
    `/logs/verifier 775 ${owner} d`,
    `/logs/verifier/reward.txt 664 ${owner} f`,
  ];

  /**
   * Runs the hand-back for `owner` with each of `tools` shimmed: in front of the image's own,
   * it notes each call and refuses one whose arguments hold the given word (as a find without
   * -uid does); returns each tool's calls.
   */
  async function handBackThroughShims(owner: { uid: number; gid: number }, tools: Record<string, string | null>): Promise<Record<string, string[]>> {
    for (const [tool, refuse] of Object.entries(tools)) {
      const refusal = refuse === null ? '' : `'case " $* " in *" ${refuse} "*) echo "${tool}: unknown predicate ${refuse}" >&2; exit 1 ;; esac'`;
      await sh(`printf '%s\\n' '#!/bin/sh' 'echo "$*" >> /tmp/${tool}-calls' ${refusal} 'exec /usr/bin/${tool} "$@"' > /usr/local/bin/${tool} && chmod 755 /usr/local/bin/${tool}`);
    }
    try {
      await sh(LEAVE_HOSTILE_FILES);
      await sh(Object.keys(tools).map((t) => `rm -f /tmp/${t}-calls`).join('; ')); // what the set-up called
      await sh(handBackScript(DIRS, owner));
      const calls: Record<string, string[]> = {};
      for (const tool of Object.keys(tools)) calls[tool] = (await sh(`cat /tmp/${tool}-calls 2>/dev/null || true`)).trim().split('\n').filter(Boolean);
      return calls;
    } finally {
      await sh(Object.keys(tools).map((t) => `rm -f /usr/local/bin/${t} /tmp/${t}-calls`).join('; '));
    }
  }

  const OWNER = { uid: 4242, gid: 4343 };

  it('hands back in one find: no setuid, setgid, world-writable or special entry, all the owner\'s, the link not followed', async () => {
    const calls = await handBackThroughShims(OWNER, { find: null });
    expect((await sh(LIST)).trim().split('\n')).toEqual(handedBack('4242:4343'));
    expect(calls.find).toHaveLength(1);
  });

  it('where find lacks -uid (as busybox\'s does), the three-pass form leaves the same', async () => {
    const calls = await handBackThroughShims(OWNER, { find: '-uid' });
    expect((await sh(LIST)).trim().split('\n')).toEqual(handedBack('4242:4343'));
    expect(calls.find).toHaveLength(2); // the one-find form, refused, then the three-pass form's find
    expect(calls.find![0]).toContain('-uid');
  });

  it('as the owner already, chmod runs for the modes and chown not at all', async () => {
    const calls = await handBackThroughShims({ uid: 0, gid: 0 }, { chmod: null, chown: null });
    expect((await sh(LIST)).trim().split('\n')).toEqual(handedBack('0:0'));
    expect(calls.chmod).toHaveLength(1); // once, for every entry that needed it
    expect(calls.chown).toEqual([]);
  });
});
