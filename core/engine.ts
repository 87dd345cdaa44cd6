// A container engine, as the runner sees it: where trial containers come from. Docker and
// Podman implement it in engines/; a sweep may spread its trials over several engines.

import type { TrialContainer } from './container.js';
import type { ComposeService, LoadedTask, NetworkMode } from './task.js';

/** The labels every trial container carries, so leftovers are found on any engine. */
export const LABELS = {
  sweep: 'pairbench.sweep',
  trial: 'pairbench.trial',
  task: 'pairbench.task',
  managed: 'pairbench.managed',
  /** host/pid/start of the process that made it: cleanup leaves a live runner's containers alone. */
  runner: 'pairbench.runner',
  /** A compose sidecar's service name. */
  service: 'pairbench.service',
} as const;

export interface EngineCapabilities {
  /** Binds directories of this host into a container (the trial's log directories). */
  mountsHostPaths: boolean;
  /** Runs a container with no network at all (tasks without allow_internet). */
  canDisableNetwork: boolean;
}

export interface EngineDescription {
  kind: string;
  /** Where the engine answers, e.g. unix:///var/run/docker.sock. */
  address: string;
  /** The engine's own version, as recorded with a sweep. */
  version: string;
  /** What the engine says it runs with (name=selinux, name=seccomp, ...). */
  securityOptions: string[];
  capabilities: EngineCapabilities;
}

export interface EnsureImageOptions {
  logPath: string;
  timeoutMs?: number; // default: the task's [environment] build_timeout_sec
  /** Ctrl-C: the build or pull is cancelled on the engine, not waited out. */
  signal?: AbortSignal;
}

export interface EnsuredImage {
  image: string;
  built: boolean;
  buildMs: number;
}

export interface TrialContainerSpec {
  image: string;
  name: string;
  labels: { sweep: string; trial: string; task: string };
  /** Its [environment] limits and network setting apply. */
  task: LoadedTask;
  /** `host:container[:options]`, as the trial's mount file says. */
  binds: string[];
  /**
   * The network the container starts on: 'public' when any phase may use it (the trial then
   * switches per phase with setNetwork), 'no-network' when none may. Default: the task's
   * [environment] baseline.
   */
  startNetwork?: NetworkMode;
  /** A network to join instead of the task's: an installed agent's internal network to the proxy. */
  network?: string;
  /**
   * A compose task's sidecars: the container also joins the trial's network (as `main`), and
   * each service name resolves to its address there (in /etc/hosts, so no engine DNS is needed).
   */
  services?: { network: string; hosts: Record<string, string> };
  /** Container environment (a compose task's main `environment`), resolved. */
  env?: Record<string, string>;
  /**
   * A POSIX shell script the container runs as it starts, as its image's user, before the
   * image's ENTRYPOINT and the idle command: what it prints, and its exit status, are the
   * container's `boot` once createTrialContainer returns (waited for up to `timeoutMs`).
   */
  boot?: { script: string; timeoutMs: number };
}

/** One compose sidecar of a trial: the same hardening and limits as the trial's own container. */
export interface ServiceContainerSpec {
  image: string;
  name: string;
  labels: { sweep: string; trial: string; task: string };
  /** Its limits apply to each sidecar too. */
  task: LoadedTask;
  service: ComposeService;
  /** Its environment, resolved. */
  env: Record<string, string>;
  /** The trial's network; the service is reachable there by its name. */
  network: string;
  /** Also on the engine's default network (the internet), when the task allows it. */
  online: boolean;
  /** Names of the sidecars started before it, and their addresses. */
  hosts: Record<string, string>;
}

export interface StartedService {
  container: TrialContainer;
  /** Its address on the trial's network. */
  address: string;
}

/** A network pairbench made, found by its labels. */
export interface LeftoverNetwork {
  id: string;
  name: string;
  sweep: string;
  runner: string;
}

/** A network whose containers reach its gateway (the host) and nothing else. */
export interface InternalNetwork {
  id: string;
  name: string;
  /** The host's address on the network: what a container can reach. */
  gateway: string;
  /** Its IPv4 subnet (CIDR), '' when the engine did not say. */
  subnet: string;
  /** Its bridge interface on the engine's host, when pairbench named it. */
  bridge: string | null;
}

/** How a sweep network's containers are kept from the host's services. */
export interface NetworkGuard {
  /** Firewall rules stand: the containers reach the allowed port on the gateway and nothing else of the host. */
  enforced: boolean;
  /** What stands, or why nothing does. */
  detail: string;
  /** Takes the rules down; quiet when they are gone. */
  release(): Promise<void>;
}

/** A container pairbench made, found by its labels. */
export interface Leftover {
  id: string;
  name: string;
  sweep: string;
  trial: string;
  task: string;
  state: string;
  /** The runner that made it (host/pid/start), or '' for a container from before runners were labelled. */
  runner: string;
}

export interface RemovalResult {
  removed: Leftover[];
  failed: { container: Leftover; error: string }[];
}

export interface Engine {
  readonly kind: string;
  readonly address: string;
  describe(): Promise<EngineDescription>;
  /** Builds (or finds) the task's image; a failure is BUILD_FAILED with the log kept at logPath. */
  ensureImage(task: LoadedTask, options: EnsureImageOptions): Promise<EnsuredImage>;
  /** Creates and starts a trial container; a failure is CONTAINER_FAILED and leaves nothing behind. */
  createTrialContainer(spec: TrialContainerSpec): Promise<TrialContainer>;
  /** pairbench's containers on this engine (all, or one sweep's), sorted by sweep then name. */
  findLeftovers(filter?: { sweep?: string }): Promise<Leftover[]>;
  /** Force-removes each; one that vanished meanwhile counts as removed. */
  removeLeftovers(containers: Leftover[]): Promise<RemovalResult>;
  /** Starts a named container that is not pairbench's (a serving container) if it is stopped. */
  startNamed(name: string): Promise<void>;
  /** Restarts a named container that is not pairbench's (a serving container). */
  restartNamed(name: string): Promise<void>;
  /**
   * Creates a per-sweep network marked internal (installed agents reach the proxy on its
   * gateway); PB_NETWORK_UNGUARDED when its bridge is not the one firewall rules would name.
   */
  createInternalNetwork(name: string, sweepId: string): Promise<InternalNetwork>;
  /**
   * Lets the network's containers reach `port` on its gateway and nothing else of the host
   * (firewall rules on its bridge). Where the rules are not pairbench's to set (a remote
   * engine, not root) the guard says why nothing stands; rules that could be set and were
   * not (IPv4, or IPv6 on a bridge that carries it) throw PB_NETWORK_UNGUARDED.
   */
  guardNetwork(network: InternalNetwork, port: number, sweepId: string): Promise<NetworkGuard>;
  /** Removes a network made by createInternalNetwork or createTrialNetwork; quiet when it is gone. */
  removeNetwork(id: string): Promise<void>;
  /** Builds (or finds, or pulls) a compose sidecar's image; a failure is BUILD_FAILED with the log at logPath. */
  ensureServiceImage(task: LoadedTask, service: ComposeService, options: EnsureImageOptions): Promise<EnsuredImage>;
  /** A network of one trial's own, internal (no internet): its containers reach each other only. */
  createTrialNetwork(name: string, labels: { sweep: string; trial: string; task: string }): Promise<InternalNetwork>;
  /** Creates and starts a compose sidecar; a failure is CONTAINER_FAILED and leaves nothing behind. */
  createServiceContainer(spec: ServiceContainerSpec): Promise<StartedService>;
  /** pairbench's networks on this engine (all, or one sweep's). */
  findLeftoverNetworks(filter?: { sweep?: string }): Promise<LeftoverNetwork[]>;
}
