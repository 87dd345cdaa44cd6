// Each engine against its real self (Docker, then Podman): limits, hardening, mounts, exec
// timeouts and caps, a vanished container, hash-tagged builds and failing builds.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ENGINES, connectTestEngine } from './engine-support.js';
import type { TrialContainer } from '../../core/container.js';
import type { DockerApiEngine } from '../../engines/docker/engine.js';
import { taskImageTag } from '../../engines/image-tags.js';
import { readMountFile, writeMountFile } from '../../engines/mounts.js';
import { execWithDirectory } from '../../engines/docker/exec-with-directory.js';
import { loadTask } from '../../runner/task/load.js';
import type { ComposeService, LoadedTask } from '../../core/task.js';
import { waitUntilHealthy } from '../../runner/trial-environment.js';
import { isPairbenchError } from '../../core/errors.js';
import { giveHostDirTo } from '../../runner/trial-dir.js';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures/engine-container');
describe.each(TEST_ENGINES)('on %s', (kind) => {
  const SWEEP = `engine-test-${randomUUID().slice(0, 8)}`;

  let engine: DockerApiEngine;
  let docker: DockerApiEngine['api'];
  let work: string;
  let task: LoadedTask; // engine-ok, copied with a unique file so its image is new to the engine
  let image: string;
  let firstBuild: { image: string; built: boolean; buildMs: number };
  const builtImages: string[] = [];
  let seq = 0;

  async function newContainer(opts: { relabel?: boolean } = {}): Promise<{ c: TrialContainer; trialDir: string; mountFile: string }> {
    const trialDir = path.join(work, `trial-${++seq}`);
    const { path: mountFile } = await writeMountFile(trialDir, opts.relabel ?? true);
    const binds = await readMountFile(mountFile);
    const c = await engine.createTrialContainer({
      image,
      name: `${SWEEP}-t${seq}`,
      labels: { sweep: SWEEP, trial: `t${seq}`, task: task.name },
      task,
      binds,
    });
    return { c, trialDir, mountFile };
  }

  /** The engine's events for one container since `sinceMs` (e.g. exec_create, extract-to-dir for an upload). */
  async function containerEvents(id: string, sinceMs: number): Promise<string[]> {
    // `until` in the past makes the engine close the stream after replaying what happened.
    await new Promise((r) => setTimeout(r, 1100));
    const stream = await docker.getEvents({
      since: Math.floor(sinceMs / 1000),
      until: Math.floor(Date.now() / 1000),
      filters: { container: [id] },
    });
    let text = '';
    for await (const chunk of stream as AsyncIterable<Buffer>) text += chunk.toString('utf8');
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { Action: string }).Action.split(':')[0]!);
  }

  /**
   * How many execs and uploads `run` made in the container. Docker's own events say so;
   * Podman's API reports no event for an upload, so there the calls the copy makes of the
   * (real) container are counted instead.
   */
  async function witness<R>(c: TrialContainer, run: (via: Pick<TrialContainer, 'exec' | 'copyIn' | 'name'>) => Promise<R>): Promise<{ result: R; execs: number; uploads: number }> {
    if (kind === 'docker') {
      const since = Date.now();
      const result = await run(c);
      const events = await containerEvents(c.id, since);
      return { result, execs: events.filter((e) => e === 'exec_create').length, uploads: events.filter((e) => e === 'extract-to-dir').length };
    }
    const seen = { execs: 0, uploads: 0 };
    const counted: Pick<TrialContainer, 'exec' | 'copyIn' | 'name'> = {
      name: c.name,
      exec: (command, options) => ((seen.execs += 1), c.exec(command, options)),
      copyIn: (hostDir, containerDir) => ((seen.uploads += 1), c.copyIn(hostDir, containerDir)),
    };
    return { result: await run(counted), ...seen };
  }

  /** Every byte value, then random bytes: not valid UTF-8, so any text conversion on the way shows. */
  function binaryBytes(n: number): Buffer {
    return Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(n)]);
  }

  const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  async function uniqueCopy(fixture: string): Promise<LoadedTask> {
    const parent = await mkdtemp(path.join(work, 'task-'));
    const dir = path.join(parent, fixture);
    await cp(path.join(FIXTURES, fixture), dir, { recursive: true });
    await writeFile(path.join(dir, 'environment', 'nonce.txt'), `${randomUUID()}\n`);
    return loadTask(dir);
  }

  beforeAll(async () => {
    engine = await connectTestEngine(kind);
    docker = engine.api;
    work = await mkdtemp(path.join(tmpdir(), 'pb-engine-'));
    task = await uniqueCopy('engine-ok');
    firstBuild = await engine.ensureImage(task, { logPath: path.join(work, 'build-ok.log') });
    image = firstBuild.image;
    builtImages.push(image);
  });

  afterAll(async () => {
    if (engine) {
      await engine.removeLeftovers(await engine.findLeftovers({ sweep: SWEEP }));
      for (const n of await engine.findLeftoverNetworks({ sweep: SWEEP })) await engine.removeNetwork(n.id);
      for (const img of builtImages) await docker.getImage(img).remove({ force: true }).catch(() => undefined);
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('task images', () => {
    it('tags by environment content, builds once, and rebuilds nothing the second time', async () => {
      expect(firstBuild.built).toBe(true);
      expect(image).toMatch(/^pairbench-task\/engine-ok:[0-9a-f]{12}$/);
      expect(await taskImageTag(task)).toBe(image);
      const second = await engine.ensureImage(task, { logPath: path.join(work, 'build-ok-2.log') });
      expect(second).toEqual({ image, built: false, buildMs: 0 });
      const inspected = await docker.getImage(image).inspect();
      expect(inspected.Config.Labels?.['pairbench.task']).toBe('engine-ok');
      expect(await readFile(path.join(work, 'build-ok.log'), 'utf8')).toMatch(/engine-ok > \/etc\/pairbench-fixture/);
    });

    it('changes the tag when environment/ changes', async () => {
      const other = await uniqueCopy('engine-ok');
      expect(await taskImageTag(other)).not.toBe(image);
    });

    it('shares one build between concurrent calls for one tag', async () => {
      const t = await uniqueCopy('engine-ok');
      const log = path.join(work, 'build-shared.log');
      const [a, b] = [engine.ensureImage(t, { logPath: log }), engine.ensureImage(t, { logPath: log })];
      const [ra, rb] = await Promise.all([a, b]);
      builtImages.push(ra.image);
      expect(ra).toBe(rb);
      expect(ra.built).toBe(true);
    });

    it('a failing build step is build_failed, with the whole log kept', async () => {
      const t = await loadTask(path.join(FIXTURES, 'engine-build-fails'));
      const logPath = path.join(work, 'logs', 'build-fails.log');
      const err = await engine.ensureImage(t, { logPath }).catch((e: unknown) => e);
      expect(isPairbenchError(err)).toBe(true);
      if (!isPairbenchError(err)) return;
      expect(err.code).toBe('PB_BUILD_FAILED');
      expect(err.outcome).toBe('build_failed');
      expect(err.message).toContain(logPath);
      const log = await readFile(logPath, 'utf8');
      expect(log).toContain('this step fails on purpose');
      // The engine's own words for a step that exited 3.
      expect(log).toMatch(kind === 'docker' ? /returned a non-zero code: 3/ : /exit status 3/);
    });

    it('a base image that cannot be had is build_failed', async () => {
      const t = await loadTask(path.join(FIXTURES, 'engine-missing-base'));
      const logPath = path.join(work, 'build-missing-base.log');
      const err = await engine.ensureImage(t, { logPath }).catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.code).toBe('PB_BUILD_FAILED');
      expect(await readFile(logPath, 'utf8')).toMatch(/pairbench\/no-such-base/);
    });

    it('uses a prebuilt docker_image when present, and fails cleanly when it cannot be pulled', async () => {
      const t = await loadTask(path.join(FIXTURES, 'engine-prebuilt'));
      expect(await engine.ensureImage(t, { logPath: path.join(work, 'prebuilt.log') })).toEqual({
        image: 'pairbench/base:bookworm',
        built: false,
        buildMs: 0,
      });
      const missing: LoadedTask = {
        ...t,
        config: { ...t.config, environment: { ...t.config.environment, dockerImage: 'pairbench/no-such-prebuilt:never' } },
      };
      const logPath = path.join(work, 'prebuilt-missing.log');
      const err = await engine.ensureImage(missing, { logPath }).catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.outcome).toBe('build_failed');
      expect((err as Error).message).toContain(logPath);
    });

    it('a build that outlives its timeout is build_failed', async () => {
      const t = await uniqueCopy('engine-ok');
      await writeFile(t.paths.dockerfile!, 'FROM pairbench/base:bookworm\nRUN sleep 30\n');
      const logPath = path.join(work, 'build-timeout.log');
      const err = await engine.ensureImage(t, { logPath, timeoutMs: 1500 }).catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.code).toBe('PB_BUILD_FAILED');
      expect((err as Error).message).toMatch(/timed out after 2 s/);
      expect(await readFile(logPath, 'utf8')).toMatch(/timed out/);
    });
  });

  describe('trial containers', () => {
    it("really has the task's limits and the hardening", async () => {
      const { c } = await newContainer();
      const info = await docker.getContainer(c.id).inspect();
      const hc = info.HostConfig;
      expect(hc.NanoCpus).toBe(500_000_000);
      expect(hc.Memory).toBe(256 * 1024 * 1024);
      expect(hc.PidsLimit).toBe(128);
      expect(hc.Privileged).toBe(false);
      if (kind === 'docker') {
        // Podman reports capabilities as changes to its own default set; the check inside covers both.
        expect(hc.CapDrop).toEqual(['ALL']);
        expect([...(hc.CapAdd ?? [])].sort()).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID']);
      }
      // Inside, the effective and bounding sets are exactly CHOWN, DAC_OVERRIDE, FOWNER,
      // FSETID, KILL, SETGID and SETUID (bits 0, 1, 3, 4, 5, 6, 7).
      const caps = await c.exec("grep -E '^Cap(Eff|Bnd):' /proc/self/status");
      expect(caps.stdout).toBe('CapEff:\t00000000000000fb\nCapBnd:\t00000000000000fb\n');
      expect(hc.SecurityOpt).toContain('no-new-privileges');
      expect(hc.NetworkMode).toBe('none');
      expect(info.Mounts.map((m) => m.Source).filter((s) => s.includes('docker.sock'))).toEqual([]);
      expect(info.Mounts.map((m) => m.Destination).sort()).toEqual(['/logs/agent', '/logs/verifier']);
      expect(info.Config.Labels).toMatchObject({
        'pairbench.sweep': SWEEP,
        'pairbench.trial': `t${seq}`,
        'pairbench.task': 'engine-ok',
        'pairbench.managed': 'true',
      });
      // No network inside: only the loopback interface exists.
      const ifaces = await c.exec(['ls', '/sys/class/net']);
      expect(ifaces.stdout.trim().split('\n')).toEqual(['lo']);
      // The dropped capabilities are really gone: mknod needs CAP_MKNOD.
      const mknod = await c.exec('mknod /tmp/dev-null c 1 3');
      expect(mknod.exitCode).not.toBe(0);
    });

    it('a compose sidecar: the same limits and hardening, no mounts, only the trial network; the trial container resolves it by name; a failing healthcheck is PB_ENVIRONMENT_UNHEALTHY', async () => {
      const labels = { sweep: SWEEP, trial: 'svc', task: task.name };
      const net = await engine.createTrialNetwork(`${SWEEP}-svc-net`, labels);
      expect((await engine.findLeftoverNetworks({ sweep: SWEEP })).map((n) => n.name)).toEqual([`${SWEEP}-svc-net`]);
      const service: ComposeService = { name: 'cache', build: null, image, entrypoint: null, command: ['sleep', 'infinity'], environment: {}, workingDir: null, user: null, dependsOn: [], healthcheck: null };
      const svc = await engine.createServiceContainer({ image, name: `${SWEEP}-svc`, labels, task, service, env: { MODE: 'sidecar' }, network: net.name, online: false, hosts: {} });
      const main = await engine.createTrialContainer({ image, name: `${SWEEP}-svc-main`, labels, task, binds: [], services: { network: net.name, hosts: { cache: svc.address } } });
      try {
        const info = await docker.getContainer(svc.container.id).inspect();
        const hc = info.HostConfig;
        expect([hc.NanoCpus, hc.Memory, hc.PidsLimit, hc.Privileged]).toEqual([500_000_000, 256 * 1024 * 1024, 128, false]);
        expect(hc.SecurityOpt).toContain('no-new-privileges');
        expect(info.Mounts).toEqual([]);
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([net.name]);
        expect(info.Config.Labels).toMatchObject({ 'pairbench.sweep': SWEEP, 'pairbench.trial': 'svc', 'pairbench.managed': 'true', 'pairbench.service': 'cache' });
        expect(info.Config.Env).toContain('MODE=sidecar');
        const caps = await svc.container.exec("grep -E '^Cap(Eff|Bnd):' /proc/self/status");
        expect(caps.stdout).toBe('CapEff:\t00000000000000fb\nCapBnd:\t00000000000000fb\n');
        // The trial's container reaches it by its service name, on the trial's network only.
        const found = await main.exec(['getent', 'hosts', 'cache']);
        expect(found.stdout.split(/\s+/)[0]).toBe(svc.address);
        expect(Object.keys((await docker.getContainer(main.id).inspect()).NetworkSettings.Networks)).toEqual([net.name]);
        const probe = { command: ['false'], intervalSec: 0.1, timeoutSec: 5, startPeriodSec: 0, startIntervalSec: 0.1, retries: 2 };
        await expect(waitUntilHealthy(svc.container, probe, 'compose service cache never became healthy: its healthcheck', {})).rejects.toMatchObject({
          code: 'PB_ENVIRONMENT_UNHEALTHY',
          outcome: 'container_failed',
          message: 'compose service cache never became healthy: its healthcheck command failed 2 times in a row (exit code 1): false',
        });
      } finally {
        await main.remove();
        await svc.container.remove();
        await engine.removeNetwork(net.id);
      }
    });

    it('applies the mount file: a reward written inside appears on the host', async () => {
      const { c, trialDir, mountFile } = await newContainer();
      const info = await docker.getContainer(c.id).inspect();
      const binds = await readMountFile(mountFile);
      // Podman reports binds with its own options; where each lands is the same.
      if (kind === 'docker') expect(info.HostConfig.Binds).toEqual(binds);
      const landed = info.Mounts.map((m) => `${m.Source}:${m.Destination}`).sort();
      expect(landed).toEqual(binds.map((b) => b.split(':').slice(0, 2).join(':')).sort());
      const r = await c.exec('echo 1 > /logs/verifier/reward.txt && echo agent > /logs/agent/note.txt');
      expect(r.exitCode).toBe(0);
      expect(await readFile(path.join(trialDir, 'logs/verifier/reward.txt'), 'utf8')).toBe('1\n');
      expect(await readFile(path.join(trialDir, 'logs/agent/note.txt'), 'utf8')).toBe('agent\n');
      // The host directories are not world-writable, so a non-root user is given its directory
      // by the host; until then it cannot write there.
      const refused = await c.exec('echo 0.5 > /logs/verifier/reward-nobody.txt', { user: 'nobody' });
      expect(refused.exitCode).not.toBe(0);
      await giveHostDirTo(path.join(trialDir, 'logs/verifier'), { uid: 65534, gid: 65534 });
      const nobody = await c.exec('echo 0.5 > /logs/verifier/reward-nobody.txt', { user: 'nobody' });
      expect(nobody.exitCode).toBe(0);
      expect((await stat(path.join(trialDir, 'logs/verifier'))).mode & 0o002).toBe(0);
    });

    it('runs the shell work tasks need with the reduced capabilities: git, tmux, chown', async () => {
      const { c } = await newContainer();
      const r = await c.exec(
        [
          'set -e',
          'mkdir -p /work/repo && cd /work/repo',
          'git init -q && git checkout -q -b trunk',
          'printf "a\\n" > a.txt && git add a.txt',
          'git -c user.name=t -c user.email=t@example.com commit -q -m first',
          'git log --format=%s',
          'tmux new-session -d -s s && tmux send-keys -t s "echo from-tmux > /tmp/tmux.txt" Enter && sleep 0.5 && cat /tmp/tmux.txt',
          'chown nobody /work/repo/a.txt && stat -c %U /work/repo/a.txt',
        ].join('\n'),
      );
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('first\nfrom-tmux\nnobody\n');
    });

    it('exec: demuxes stdout and stderr, passes stdin, env and workdir, and a non-zero exit is a result', async () => {
      const { c } = await newContainer();
      const r = await c.exec('echo out; echo err >&2; echo "$GREETING"; pwd; cat; exit 7', {
        stdin: 'from stdin\n',
        env: { GREETING: 'hello' },
        workdir: '/tmp',
      });
      expect(r).toMatchObject({ exitCode: 7, stdout: 'out\nhello\n/tmp\nfrom stdin\n', stderr: 'err\n', timedOut: false, truncated: false });
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
      const argv = await c.exec(['printf', '%s|', 'a b', '$HOME']);
      expect(argv.stdout).toBe('a b|$HOME|');
    });

    it('exec: a Buffer on stdin arrives byte for byte; a string still goes as UTF-8', async () => {
      const { c } = await newContainer();
      const bytes = binaryBytes(300 * 1024);
      const r = await c.exec('f=$(mktemp); cat > "$f"; sha256sum < "$f" | cut -d" " -f1; wc -c < "$f"', { stdin: bytes });
      expect(r).toMatchObject({ exitCode: 0, stdout: `${sha256(bytes)}\n${bytes.length}\n`, stderr: '' });
      const text = await c.exec('od -An -tx1 | tr -s " \n" " "', { stdin: 'é\n' });
      expect(text.stdout.trim()).toBe('c3 a9 0a');
    });

    it('execWithDirectory: the directory and the command travel in one exec, files intact, the command reading /dev/null', async () => {
      const { c } = await newContainer();
      const src = await mkdtemp(path.join(work, 'dir-'));
      const bytes = binaryBytes(64 * 1024);
      const longName = `${'l'.repeat(120)}.txt`;
      await mkdir(path.join(src, 'sub'));
      await writeFile(path.join(src, 'data.bin'), bytes);
      await writeFile(path.join(src, 'run.sh'), '#!/bin/bash\necho ran\n', { mode: 0o755 });
      await writeFile(path.join(src, 'sub', longName), 'long');
      const { result: r, execs, uploads } = await witness(c, (via) =>
        execWithDirectory(
          via,
          src,
          '/opt/dir',
          `sha256sum /opt/dir/data.bin | cut -d" " -f1; stat -c '%a %U' /opt/dir/run.sh; cat /opt/dir/sub/${longName}; echo; /opt/dir/run.sh; readlink /proc/self/fd/0; cat`,
          { timeoutMs: 30_000 },
        ),
      );
      expect(r).toMatchObject({ exitCode: 0, timedOut: false, stderr: '' });
      expect(r.stdout).toBe(`${sha256(bytes)}\n755 root\nlong\nran\n/dev/null\n`);
      expect(execs).toBe(1);
      expect(uploads).toBe(0); // no separate upload
    });

    it('execWithDirectory: a non-root exec falls back to the upload and still runs as its user', async () => {
      const { c } = await newContainer();
      const src = await mkdtemp(path.join(work, 'dir-'));
      await writeFile(path.join(src, 'x.txt'), 'x\n');
      const { result: r, uploads } = await witness(c, (via) => execWithDirectory(via, src, '/opt/as-nobody', 'id -un; cat /opt/as-nobody/x.txt', { user: 'nobody' }));
      expect(r).toMatchObject({ exitCode: 0, stdout: 'nobody\nx\n' });
      expect(uploads).toBeGreaterThan(0);
    });

    it('execWithDirectory: the timeout bounds a hung unpack; a failing unpack is CONTAINER_FAILED', async () => {
      const { c } = await newContainer();
      const src = await mkdtemp(path.join(work, 'dir-'));
      await writeFile(path.join(src, 'x.txt'), 'x\n');
      // A tar ahead of the real one on the login shell's PATH.
      const fake = async (body: string): Promise<void> => {
        const w = await c.exec(`printf '#!/bin/sh\\n${body}\\n' > /usr/local/bin/tar && chmod 755 /usr/local/bin/tar`);
        expect(w.exitCode).toBe(0);
      };
      await fake('sleep 304');
      const hung = await execWithDirectory(c, src, '/opt/hung', 'echo never', { timeoutMs: 1000 });
      expect(hung).toMatchObject({ exitCode: null, timedOut: true, stdout: '' });
      expect((await c.exec(['ps', '-eo', 'args'])).stdout).not.toMatch(/sleep 304/);

      await fake('echo broken archive >&2; exit 2');
      const err = await execWithDirectory(c, src, '/opt/broken', 'echo never').catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.code).toBe('PB_CONTAINER_FAILED');
      expect(isPairbenchError(err) && err.outcome).toBe('container_failed');
      expect((err as Error).message).toMatch(/broken archive/);
    });

    it('exec: a timeout kills the command inside the container, children included', async () => {
      const { c } = await newContainer();
      const r = await c.exec('sleep 300 & sleep 301; echo never', { timeoutMs: 1000 });
      expect(r.timedOut).toBe(true);
      expect(r.exitCode).toBeNull();
      expect(r.stdout).toBe('');
      const ps = await c.exec(['ps', '-eo', 'args']);
      expect(ps.stdout).not.toMatch(/sleep 30[01]/);
      // The container itself lives on for the verifier.
      expect(await c.isRunning()).toBe(true);
      const quick = await c.exec('echo fine', { timeoutMs: 10_000 });
      expect(quick).toMatchObject({ exitCode: 0, stdout: 'fine\n', timedOut: false });
    });

    it('exec: without a timeout binary in the image, the host still kills the command', async () => {
      const { c } = await newContainer();
      expect((await c.exec('mv /usr/bin/timeout /usr/bin/timeout.hidden')).exitCode).toBe(0);
      const r = await c.exec('sleep 302 & sleep 303', { timeoutMs: 500 });
      expect(r).toMatchObject({ exitCode: null, timedOut: true });
      const ps = await c.exec(['ps', '-eo', 'args']);
      expect(ps.stdout).not.toMatch(/sleep 30[23]/);
    });

    it('exec: a command printing 100 MB comes back truncated at the cap', async () => {
      const { c } = await newContainer();
      const r = await c.exec('head -c 100000000 /dev/zero | tr "\\0" x; echo tail >&2', { maxOutputBytes: 64 * 1024 });
      expect(r.exitCode).toBe(0);
      expect(r.truncated).toBe(true);
      expect(r.stdout.length).toBe(64 * 1024);
      expect(r.stdout).toMatch(/^x+$/);
      expect(r.stderr).toBe('tail\n');
      const dflt = await c.exec('head -c 3000000 /dev/zero');
      expect(dflt.truncated).toBe(true);
      expect(Buffer.byteLength(dflt.stdout)).toBe(1024 * 1024);
    });

    it('copyIn and readFile move files in and out; an absent file reads as null', async () => {
      const { c } = await newContainer();
      const src = await mkdtemp(path.join(work, 'tests-'));
      await writeFile(path.join(src, 'test.sh'), '#!/bin/bash\necho verified\n', { mode: 0o755 });
      const longName = `${'n'.repeat(120)}.txt`;
      await writeFile(path.join(src, longName), 'long');
      await c.copyIn(src, '/tests');
      expect((await c.exec('/tests/test.sh')).stdout).toBe('verified\n');
      expect((await c.readFile(`/tests/${longName}`))?.toString()).toBe('long');
      expect(await c.readFile('/tests/absent.txt')).toBeNull();
      await c.exec('ln -s /tests/test.sh /tmp/link');
      expect((await c.readFile('/tmp/link'))?.toString()).toBe('#!/bin/bash\necho verified\n');
    });

    it('readFile reads through the engine: refuses a directory, a FIFO and a file over the cap, without reading it', async () => {
      const { c } = await newContainer();
      const made = await c.exec('mkdir /tmp/d && mkfifo /tmp/fifo && head -c 5000000 /dev/zero > /tmp/big && printf 12345 > /tmp/small');
      expect(made.exitCode).toBe(0);
      const code = async (p: string, max?: number): Promise<unknown> => {
        const e = await c.readFile(p, max).catch((x: unknown) => x);
        return isPairbenchError(e) ? e.code : e;
      };
      expect(await code('/tmp/d')).toBe('PB_FILE_NOT_REGULAR');
      expect(await code('/tmp/fifo')).toBe('PB_FILE_NOT_REGULAR');
      expect(await code('/tmp/big')).toBe('PB_FILE_TOO_LARGE'); // the default cap is 1 MiB
      expect(await code('/tmp/small', 4)).toBe('PB_FILE_TOO_LARGE');
      expect((await c.readFile('/tmp/small', 5))?.toString()).toBe('12345');
    });

    it('a removed container is CONTAINER_GONE; remove is idempotent', async () => {
      const { c } = await newContainer();
      await c.remove();
      await c.remove();
      const err = await c.exec('true').catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.code).toBe('PB_CONTAINER_GONE');
      expect(isPairbenchError(err) && err.outcome).toBe('container_failed');
      const readErr = await c.readFile('/etc/hostname').catch((e: unknown) => e);
      expect(isPairbenchError(readErr) && readErr.code).toBe('PB_CONTAINER_GONE');
      expect(await c.isRunning()).toBe(false);
    });

    it('a container that dies under a running command is CONTAINER_GONE', async () => {
      const { c } = await newContainer();
      const running = c.exec('sleep 60').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      await docker.getContainer(c.id).kill();
      const err = await running;
      expect(isPairbenchError(err) && err.code).toBe('PB_CONTAINER_GONE');
    });

    it('an image that does not exist is CONTAINER_FAILED and leaves nothing behind', async () => {
      const name = `${SWEEP}-noimage`;
      const err = await engine.createTrialContainer({
        image: 'pairbench-task/does-not-exist:000000000000',
        name,
        labels: { sweep: SWEEP, trial: 'noimage', task: task.name },
        task,
        binds: [],
      }).catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.code).toBe('PB_CONTAINER_FAILED');
      expect(isPairbenchError(err) && err.outcome).toBe('container_failed');
      expect((await engine.findLeftovers({ sweep: SWEEP })).map((x) => x.name)).not.toContain(name);
    });

    it('refuses to mount the Docker socket', async () => {
      const err = await engine.createTrialContainer({
        image,
        name: `${SWEEP}-sock`,
        labels: { sweep: SWEEP, trial: 'sock', task: task.name },
        task,
        binds: ['/var/run/docker.sock:/var/run/docker.sock'],
      }).catch((e: unknown) => e);
      expect(isPairbenchError(err) && err.code).toBe('PB_CONTAINER_FAILED');
    });
  });
});
