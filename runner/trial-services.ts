// A compose task's sidecars around one trial, through the engine's API (never the compose
// binary): their images built beside the task's, a network of the trial's own, each service
// started after what it depends on and waited on where it has a healthcheck (as Harbor's
// `docker compose up --wait` does), and everything torn down with the trial.

import path from 'node:path';
import type { TrialContainer } from '../core/container.js';
import type { Engine } from '../core/engine.js';
import { resolveEnv } from '../core/env-templates.js';
import { errorMessage } from '../core/errors.js';
import type { LoadedTask } from '../core/task.js';
import { waitUntilHealthy } from './trial-environment.js';

/** What a trial started, so teardown removes exactly that, even after a partial start. */
export interface TrialServices {
  networkId: string | null;
  network: string | null;
  containers: TrialContainer[];
  /** Service name -> its address on the trial's network. */
  hosts: Record<string, string>;
}

export const noServices = (): TrialServices => ({ networkId: null, network: null, containers: [], hosts: {} });

/** Each sidecar's image, built (or found) like the task's own; a failure is BUILD_FAILED with its log. */
export async function ensureServiceImages(engine: Engine, task: LoadedTask, trialDir: string, signal?: AbortSignal): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  for (const s of task.compose?.services ?? []) {
    const ensured = await engine.ensureServiceImage(task, s, { logPath: path.join(trialDir, `build-${s.name}.log`), ...(signal && { signal }) });
    images.set(s.name, ensured.image);
  }
  return images;
}

interface StartSpec {
  task: LoadedTask;
  images: Map<string, string>;
  labels: { sweep: string; trial: string; task: string };
  containerName: string;
  /** The sidecars may use the internet (the task's baseline is public and the sweep does not force it off). */
  online: boolean;
}

/** Starts the trial's network and its sidecars in order, recording each in `into` as it comes up. */
export async function startServices(engine: Engine, spec: StartSpec, into: TrialServices, signal?: AbortSignal): Promise<void> {
  const services = spec.task.compose?.services ?? [];
  if (services.length === 0) return;
  const net = await engine.createTrialNetwork(`${spec.containerName}-net`, spec.labels);
  into.networkId = net.id;
  into.network = net.name;
  for (const s of services) {
    if (signal?.aborted) return;
    const started = await engine.createServiceContainer({
      image: spec.images.get(s.name)!,
      name: `${spec.containerName}-${s.name}`,
      labels: spec.labels,
      task: spec.task,
      service: s,
      env: resolveEnv(s.environment),
      network: net.name,
      online: spec.online,
      hosts: { ...into.hosts },
    });
    into.containers.push(started.container);
    into.hosts[s.name] = started.address;
    if (s.healthcheck) {
      await waitUntilHealthy(started.container, { command: s.healthcheck.argv, ...s.healthcheck }, `compose service ${s.name} never became healthy: its healthcheck`, {}, signal);
    }
  }
}

/** Removes the sidecars, then the network; returns what could not be removed (they keep their labels for `pairbench cleanup`). */
export async function removeServices(engine: Engine, services: TrialServices): Promise<string | null> {
  const failed: string[] = [];
  for (const c of services.containers) {
    await c.remove().catch((e: unknown) => failed.push(`container ${c.name}: ${errorMessage(e)}`));
  }
  if (services.networkId !== null) {
    await engine.removeNetwork(services.networkId).catch((e: unknown) => failed.push(`network ${services.network}: ${errorMessage(e)}`));
  }
  return failed.length > 0 ? failed.join('; ') : null;
}
