// A compose task's sidecars: each one container with the trial's hardening and limits (never
// privileged, capabilities dropped, no new privileges, no binds at all, so no engine socket
// and no host path), on the trial's internal network under its service name, and on the
// default network only when the task allows the internet.

import type Docker from 'dockerode';
import { LABELS, type ServiceContainerSpec, type StartedService } from '../../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import { DockerContainer, hardenedHostConfig, trialLabels, type HostConfigExtras } from './container.js';

export async function createServiceContainer(docker: Docker, spec: ServiceContainerSpec, extras: HostConfigExtras = {}): Promise<StartedService> {
  const limits = spec.task.config.environment;
  const s = spec.service;
  let created: Docker.Container | undefined;
  try {
    created = await docker.createContainer({
      name: spec.name,
      Image: spec.image,
      ...(s.entrypoint && { Entrypoint: s.entrypoint }),
      ...(s.command && { Cmd: s.command }),
      ...(s.workingDir !== null && { WorkingDir: s.workingDir }),
      ...(s.user !== null && { User: s.user }),
      Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
      Labels: { ...trialLabels(spec.labels), [LABELS.service]: s.name },
      HostConfig: {
        ...hardenedHostConfig(limits),
        Binds: [],
        NetworkMode: spec.network,
        // Names resolve through /etc/hosts: Podman's CNI networks have no DNS of their own.
        ExtraHosts: Object.entries(spec.hosts).map(([n, ip]) => `${n}:${ip}`),
        ...extras,
      },
      NetworkingConfig: { EndpointsConfig: { [spec.network]: { Aliases: [s.name] } } },
    });
    if (spec.online) await docker.getNetwork('bridge').connect({ Container: created.id });
    await created.start();
    const info = await created.inspect();
    const address = info.NetworkSettings.Networks[spec.network]?.IPAddress;
    if (!address) throw new Error(`the engine gave it no address on ${spec.network}`);
    return { container: new DockerContainer(docker, created.id, spec.name, null), address };
  } catch (e) {
    if (created) await created.remove({ force: true, v: true }).catch(() => undefined);
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot start compose service ${s.name} (container ${spec.name}, image ${spec.image}): ${errorMessage(e)}`, {
      cause: e,
      outcome: 'container_failed',
    });
  }
}
