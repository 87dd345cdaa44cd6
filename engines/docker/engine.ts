// An engine that speaks Docker's API, through dockerode: the Docker engine itself, and
// any engine serving the same API on a socket (Podman's `system service`). The only
// folder that imports dockerode.

import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import type { TrialContainer } from '../../core/container.js';
import type {
  Engine, EngineCapabilities, EngineDescription, EnsureImageOptions, EnsuredImage, InternalNetwork, Leftover, LeftoverNetwork, NetworkGuard,
  RemovalResult, ServiceContainerSpec, StartedService, TrialContainerSpec,
} from '../../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import type { ComposeService, LoadedTask } from '../../core/task.js';
import { createTrialContainer, type HostConfigExtras } from './container.js';
import { bridgeProblem, createInternalNetwork, createTrialNetwork, engineBridgeName, findPairbenchNetworks, refuseUnguardable, removeNetwork } from './network.js';
import { ensureServiceImage, ensureTaskImage } from './images.js';
import { createServiceContainer } from './services.js';
import { findPairbenchContainers, removeContainers } from './leftovers.js';
import { currentRunner, formatRunner } from '../../core/runner-identity.js';
import { dropBridge, giveBridgeAddress, guardSweepNetwork, guardUnavailable } from '../host-guard.js';

export interface DockerApiProfile {
  kind: string;
  /** unix:///path, tcp://host:port or ssh://user@host; null: the default address. */
  address: string | null;
  /** Where the engine answers when no address is given (its environment variable, else its socket). */
  defaultAddress: () => string;
  /** Added to every trial container's host config (Podman needs explicit ulimits). */
  hostConfig?: HostConfigExtras;
  /** Added to every image build's query. */
  buildOptions?: Record<string, string>;
  setupHint: string;
}

/** dockerode's connection options for an address (a bare path is a unix socket). */
export function connectionFor(where: string): { options: Docker.DockerOptions; address: string } {
  const url = new URL(where.includes('://') ? where : `unix://${where}`);
  switch (url.protocol) {
    case 'unix:':
      return { options: { socketPath: decodeURIComponent(url.pathname) }, address: `unix://${decodeURIComponent(url.pathname)}` };
    case 'tcp:':
    case 'http:':
      return { options: { host: url.hostname, port: url.port || 2375, protocol: 'http' }, address: where };
    case 'https:':
      return { options: { host: url.hostname, port: url.port || 2376, protocol: 'https' }, address: where };
    case 'ssh:':
      return {
        options: { host: url.hostname, port: url.port || 22, protocol: 'ssh', username: url.username || undefined } as Docker.DockerOptions,
        address: where,
      };
    default:
      throw new PairbenchError(ERROR_CODES.CONFIG_INVALID, `engine address ${where}: unknown scheme ${url.protocol} (use unix://, tcp://, https:// or ssh://)`);
  }
}

export class DockerApiEngine implements Engine {
  readonly kind: string;
  readonly address: string;
  /** The dockerode client, for tests that inspect what the engine holds. */
  readonly api: Docker;
  private readonly profile: DockerApiProfile;
  private description: Promise<EngineDescription> | null = null;

  private constructor(profile: DockerApiProfile, api: Docker, address: string) {
    this.kind = profile.kind;
    this.profile = profile;
    this.api = api;
    this.address = address;
  }

  /** Connects and pings; a silent engine is an error that says how to get one. */
  static async connect(profile: DockerApiProfile): Promise<DockerApiEngine> {
    const { options, address } = connectionFor(profile.address ?? profile.defaultAddress());
    const api = new Docker(options);
    try {
      await api.ping();
    } catch (e) {
      throw new PairbenchError(ERROR_CODES.ENGINE_UNAVAILABLE, `no ${profile.kind} engine answers at ${address} (${errorMessage(e)}): ${profile.setupHint}`, { cause: e });
    }
    return new DockerApiEngine(profile, api, address);
  }

  /** Asked once per connection: the version and security options do not change under a sweep. */
  describe(): Promise<EngineDescription> {
    this.description ??= this.ask().catch((e: unknown) => {
      this.description = null;
      throw e;
    });
    return this.description;
  }

  private async ask(): Promise<EngineDescription> {
    const [version, info] = await Promise.all([this.api.version(), this.api.info() as Promise<{ SecurityOptions?: unknown }>]);
    const sec = Array.isArray(info.SecurityOptions) ? info.SecurityOptions.filter((s): s is string => typeof s === 'string') : [];
    const local = this.address.startsWith('unix://');
    const capabilities: EngineCapabilities = { mountsHostPaths: local, canDisableNetwork: true };
    return { kind: this.kind, address: this.address, version: `${version.Version} (API ${version.ApiVersion})`, securityOptions: sec, capabilities };
  }

  ensureImage(task: LoadedTask, options: EnsureImageOptions): Promise<EnsuredImage> {
    return ensureTaskImage(this.api, task, options, this.profile.buildOptions);
  }

  createTrialContainer(spec: TrialContainerSpec): Promise<TrialContainer> {
    return createTrialContainer(this.api, spec, this.profile.hostConfig);
  }

  /** What this engine adds to every container's host config. */
  get hostConfigExtras(): HostConfigExtras {
    return this.profile.hostConfig ?? {};
  }

  findLeftovers(filter: { sweep?: string } = {}): Promise<Leftover[]> {
    return findPairbenchContainers(this.api, filter);
  }

  removeLeftovers(containers: Leftover[]): Promise<RemovalResult> {
    return removeContainers(this.api, containers);
  }

  async startNamed(name: string): Promise<void> {
    const c = this.api.getContainer(name);
    const info = await c.inspect();
    if (!info.State.Running) await c.start();
  }

  async restartNamed(name: string): Promise<void> {
    await this.api.getContainer(name).restart({ t: 10 });
  }

  async createInternalNetwork(name: string, sweepId: string): Promise<InternalNetwork> {
    const net = await this.reachableNetwork(name, sweepId);
    // Only here can pairbench see the host's interfaces; elsewhere no rule is set on them.
    if (!this.isLocal || net.bridge === null) return net;
    const problem = bridgeProblem({
      asked: net.bridge,
      engineSays: await engineBridgeName(this.api, net.id).catch(() => null),
      present: existsSync(`/sys/class/net/${net.bridge}`),
    });
    if (problem === null) return net;
    const bridge = net.bridge;
    return refuseUnguardable({ name, bridge, problem, removeNetwork: () => removeNetwork(this.api, net.id), dropBridge: () => dropBridge(bridge) });
  }

  private async reachableNetwork(name: string, sweepId: string): Promise<InternalNetwork> {
    const net = await createInternalNetwork(this.api, name, sweepId);
    if (net.gateway !== '') return net;
    // Podman under CNI leaves the host no address on an internal network: pairbench gives it
    // the subnet's first address (the one host-local never hands a container).
    const why = guardUnavailable({ localEngine: this.isLocal, uid: process.getuid?.() ?? null });
    try {
      if (why !== null) throw new Error(why);
      const [base, prefix] = net.subnet.split('/');
      const gateway = firstHost(base!);
      await giveBridgeAddress(net.bridge!, `${gateway}/${prefix}`);
      return { ...net, gateway };
    } catch (e) {
      await removeNetwork(this.api, net.id).catch(() => undefined);
      throw new PairbenchError(
        ERROR_CODES.CONTAINER_FAILED,
        `cannot make the sweep's network ${name} reachable from this host: ${this.kind}'s internal networks give the host no address, and pairbench cannot give it one: ${errorMessage(e)}. Run pairbench as root on the engine's host, or run installed agents on Docker`,
        { cause: e, outcome: 'container_failed' },
      );
    }
  }

  guardNetwork(network: InternalNetwork, port: number, sweepId: string): Promise<NetworkGuard> {
    return guardSweepNetwork({ localEngine: this.isLocal, uid: process.getuid?.() ?? null, network, port, sweepId, runner: formatRunner(currentRunner()) });
  }

  private get isLocal(): boolean {
    return this.address.startsWith('unix://');
  }

  removeNetwork(id: string): Promise<void> {
    return removeNetwork(this.api, id);
  }

  ensureServiceImage(task: LoadedTask, service: ComposeService, options: EnsureImageOptions): Promise<EnsuredImage> {
    return ensureServiceImage(this.api, task, service, options, this.profile.buildOptions);
  }

  createTrialNetwork(name: string, labels: { sweep: string; trial: string; task: string }): Promise<InternalNetwork> {
    return createTrialNetwork(this.api, name, labels);
  }

  createServiceContainer(spec: ServiceContainerSpec): Promise<StartedService> {
    return createServiceContainer(this.api, spec, this.profile.hostConfig);
  }

  findLeftoverNetworks(filter: { sweep?: string } = {}): Promise<LeftoverNetwork[]> {
    return findPairbenchNetworks(this.api, filter);
  }
}

function firstHost(network: string): string {
  const parts = network.split('.').map(Number);
  parts[3] = parts[3]! + 1;
  return parts.join('.');
}

const DOCKER_SETUP_HINT = 'run `bash scripts/setup.sh` (Debian, root) or install Docker and start it';

/** The Docker engine: DOCKER_HOST when set, else /var/run/docker.sock. */
export function connectDocker(address: string | null): Promise<DockerApiEngine> {
  return DockerApiEngine.connect({
    kind: 'docker',
    address,
    defaultAddress: () => process.env.DOCKER_HOST || 'unix:///var/run/docker.sock',
    setupHint: DOCKER_SETUP_HINT,
  });
}
