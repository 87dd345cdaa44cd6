// One container per trial, created from the task's limits and the trial's mount file.
// Hardened by default: never privileged, every capability dropped but the few that ordinary
// shell work (git, tmux, chown, package-less file work) needs, no new privileges, no
// network unless the task asks for it, and never the engine's own socket.

import path from 'node:path';
import type Docker from 'dockerode';
import { DEFAULT_READ_MAX_BYTES, type ExecOptions, type ExecResult, type TrialContainer } from '../../core/container.js';
import { LABELS, type TrialContainerSpec } from '../../core/engine.js';
import type { NetworkMode } from '../../core/task.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import { execInContainer } from './exec.js';
import { execWithDirectory } from './exec-with-directory.js';
import { attachBoot, bootCommand, type BootReader } from './boot.js';
import { imageEntrypoint } from './images.js';
import { containerRunning, gone, type ContainerRef } from './liveness.js';
import { packDirectoryAt, readFirstEntry } from '../tar.js';
import { currentRunner, formatRunner } from '../../core/runner-identity.js';

/** What tasks need from root inside the container, and nothing more. */
export const TRIAL_CAPABILITIES = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'SETUID', 'SETGID', 'KILL'] as const;

/** What an engine speaking Docker's API adds to every trial container's host config. */
export type HostConfigExtras = Partial<Docker.HostConfig>;

/** The hardening and limits every container of a trial gets, the main one and its sidecars alike. */
export function hardenedHostConfig(limits: { cpus: number; memoryMb: number; pidsLimit: number }): Docker.HostConfig {
  return {
    NanoCpus: Math.round(limits.cpus * 1e9),
    Memory: limits.memoryMb * 1024 * 1024,
    MemorySwap: limits.memoryMb * 1024 * 1024, // no swap beyond the limit
    PidsLimit: limits.pidsLimit,
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: [...TRIAL_CAPABILITIES],
    SecurityOpt: ['no-new-privileges'],
    Init: true,
    AutoRemove: false,
  };
}

/** The labels by which cleanup finds a trial's containers and the runner that made them. */
export function trialLabels(labels: TrialContainerSpec['labels']): Record<string, string> {
  return {
    [LABELS.sweep]: labels.sweep,
    [LABELS.trial]: labels.trial,
    [LABELS.task]: labels.task,
    [LABELS.managed]: 'true',
    [LABELS.runner]: formatRunner(currentRunner()),
  };
}

/** What the container idles on until the trial's execs come. */
const IDLE = ['sleep', 'infinity']; // Harbor writes sh -c "sleep infinity"; the same, minus a shell the verifier's stray sweep would count

/** Creates and starts the trial's container, and waits for its boot script; a failure leaves nothing behind. */
export async function createTrialContainer(docker: Docker, opts: TrialContainerSpec, extras: HostConfigExtras = {}): Promise<TrialContainer> {
  const sockets = opts.binds.filter((b) => b.split(':').some((p) => p.endsWith('docker.sock') || p.endsWith('podman.sock')));
  if (sockets.length > 0) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `refusing to mount the engine socket into a trial: ${sockets.join(', ')}`, {
      outcome: 'container_failed',
    });
  }
  const env = opts.task.config.environment;
  const network = opts.startNetwork ?? env.network;
  // A compose task's container lives on the trial's network (beside its sidecars) and joins
  // the default network only in the phases that may use the internet.
  const home = opts.network ?? opts.services?.network;
  let created: Docker.Container | undefined;
  let reader: BootReader | null = null;
  let booted: ExecResult | null = null;
  try {
    // The boot script runs first, then the image's ENTRYPOINT with the idle command, as the
    // engine would have joined them.
    const boot = opts.boot ? bootCommand(opts.boot.script, await imageEntrypoint(docker, opts.image), IDLE) : null;
    created = await docker.createContainer({
      name: opts.name,
      Image: opts.image,
      ...(opts.env && { Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`) }),
      ...(opts.services && !opts.network && { NetworkingConfig: { EndpointsConfig: { [opts.services.network]: { Aliases: ['main'] } } } }),
      // As Harbor does (docker-compose-build.yaml): the image's ENTRYPOINT stays, so a service it
      // starts at boot runs; only the command is replaced, so the container idles until exec.
      ...(boot ? { Entrypoint: boot.entrypoint, Cmd: boot.cmd } : { Cmd: IDLE }),
      ...(env.workdir !== null ? { WorkingDir: env.workdir } : {}), // created by the engine when absent
      Labels: trialLabels(opts.labels),
      HostConfig: {
        ...hardenedHostConfig(env),
        Binds: opts.binds,
        NetworkMode: home ?? (network === 'public' ? 'bridge' : 'none'),
        ...(opts.services && { ExtraHosts: Object.entries(opts.services.hosts).map(([n, ip]) => `${n}:${ip}`) }),
        ...extras,
      },
    });
    // An installed agent's container is on the proxy's network; its sidecars' network is added.
    if (opts.services && opts.network) await docker.getNetwork(opts.services.network).connect({ Container: created.id, EndpointConfig: { Aliases: ['main'] } });
    if (boot) reader = await attachBoot(created, boot.marker);
    await created.start();
    if (reader && opts.boot) booted = await reader.result(opts.boot.timeoutMs);
  } catch (e) {
    reader?.close();
    if (created) await created.remove({ force: true, v: true }).catch(() => undefined);
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot start container ${opts.name} from ${opts.image}: ${errorMessage(e)}`, {
      cause: e,
      outcome: 'container_failed',
    });
  }
  // On a network of its own (an installed agent's, to the proxy) the phases do not switch it;
  // on the trial's network it starts offline and may join the default network per phase.
  if (opts.network !== undefined) return new DockerContainer(docker, created.id, opts.name, null, booted);
  if (opts.services) return new DockerContainer(docker, created.id, opts.name, { online: false, canJoin: true }, booted);
  return new DockerContainer(docker, created.id, opts.name, { online: network === 'public', canJoin: network === 'public' }, booted);
}

/** A container's network state: null when the phases never switch it. */
export type NetworkState = { online: boolean; canJoin: boolean } | null;

/** The default network a public phase joins. */
const PUBLIC_NETWORK = 'bridge';

export class DockerContainer implements TrialContainer {
  private readonly target: ContainerRef;

  private readonly canJoin: boolean;
  private readonly fixed: boolean;
  private online: boolean;

  constructor(
    private readonly docker: Docker,
    readonly id: string,
    readonly name: string,
    network: NetworkState,
    readonly boot: ExecResult | null = null,
  ) {
    this.fixed = network === null;
    this.canJoin = network?.canJoin ?? false;
    this.online = network?.online ?? false;
    this.target = { docker, containerId: id, containerName: name };
  }

  exec(command: string | string[], options?: ExecOptions): Promise<ExecResult> {
    return execInContainer(this.target, command, options);
  }

  execWithDirectory(hostDir: string, containerDir: string, command: string, options?: Omit<ExecOptions, 'stdin'>): Promise<ExecResult> {
    return execWithDirectory(this, hostDir, containerDir, command, options);
  }

  async copyIn(hostDir: string, containerDir: string): Promise<void> {
    const archive = await packDirectoryAt(hostDir, containerDir);
    try {
      await this.docker.getContainer(this.id).putArchive(archive, { path: '/' });
    } catch (e) {
      throw (await this.goneOr(e)) ?? e;
    }
  }

  async readFile(containerPath: string, maxBytes = DEFAULT_READ_MAX_BYTES): Promise<Buffer | null> {
    let target = containerPath;
    for (let hops = 0; hops < 8; hops++) {
      let head: Awaited<ReturnType<typeof readFirstEntry>>;
      try {
        const stream = await this.docker.getContainer(this.id).getArchive({ path: target });
        head = await readFirstEntry(stream, maxBytes);
      } catch (e) {
        const g = await this.goneOr(e);
        if (g) throw g;
        if ((e as { statusCode?: number }).statusCode === 404) return null;
        throw e;
      }
      if (head === null) return null;
      if (head.type === 'file') {
        if (head.data === null) {
          throw new PairbenchError(ERROR_CODES.FILE_TOO_LARGE, `${containerPath} in ${this.name} is ${head.size} bytes, more than the ${maxBytes} read here`);
        }
        return head.data;
      }
      if (head.type !== 'symlink') {
        throw new PairbenchError(ERROR_CODES.FILE_NOT_REGULAR, `${containerPath} in ${this.name} is not a regular file (${head.type})`);
      }
      target = path.posix.resolve(path.posix.dirname(target), head.linkname);
    }
    throw new PairbenchError(ERROR_CODES.FILE_NOT_REGULAR, `${containerPath} in ${this.name} is a symlink loop`);
  }

  isRunning(): Promise<boolean> {
    return containerRunning(this.target);
  }

  async stop(): Promise<void> {
    try {
      await this.docker.getContainer(this.id).stop({ t: 0 });
    } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 304) return; // already stopped
      throw (await this.goneOr(e)) ?? e;
    }
  }

  remove(): Promise<void> {
    return forceRemove(this.docker, this.id);
  }

  async setNetwork(mode: NetworkMode): Promise<void> {
    const want = mode === 'public';
    if (this.fixed || want === this.online) return;
    if (want && !this.canJoin) {
      throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `container ${this.name} started with no network and cannot join one`, {
        outcome: 'container_failed',
      });
    }
    const network = this.docker.getNetwork(PUBLIC_NETWORK);
    try {
      if (want) await network.connect({ Container: this.id });
      else await network.disconnect({ Container: this.id, Force: true });
    } catch (e) {
      throw (await this.goneOr(e)) ?? new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot ${want ? 'join' : 'leave'} the ${PUBLIC_NETWORK} network: ${errorMessage(e)}`, { cause: e, outcome: 'container_failed' });
    }
    this.online = want;
  }

  /** A 404 may mean the file or the container is missing: only an inspect can tell. */
  private async goneOr(e: unknown): Promise<PairbenchError | null> {
    try {
      await this.docker.getContainer(this.id).inspect();
      return null; // the container is there (archives work on stopped ones too)
    } catch {
      return gone(this.name, 'is gone (removed)', e);
    }
  }
}

/** Force-removes a container and its anonymous volumes; quiet when it is already gone or going. */
export async function forceRemove(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status === 404) return; // already gone
    if (status === 409 && /already in progress/i.test(errorMessage(e))) return;
    throw e;
  }
}
