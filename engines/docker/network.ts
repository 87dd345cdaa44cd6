// A per-sweep Docker network marked internal: its containers reach the network's gateway
// address on the host (where the recording proxy listens) and nothing else, not even the
// internet. Created before the first agent trial, removed when the sweep ends.

import type Docker from 'dockerode';
import { LABELS, type InternalNetwork, type LeftoverNetwork } from '../../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import { currentRunner, formatRunner } from '../../core/runner-identity.js';

export function createInternalNetwork(docker: Docker, name: string, sweepId: string): Promise<InternalNetwork> {
  return createInternal(docker, name, { [LABELS.sweep]: sweepId, [LABELS.managed]: 'true' }, "the sweep's internal network", true);
}

/**
 * A compose task's per-trial network: internal, so sidecars reach each other and the trial's
 * container but nothing else (a phase that may use the internet joins the default network
 * besides). Labelled like the trial's containers, so `pairbench cleanup` finds a leftover one.
 */
export function createTrialNetwork(docker: Docker, name: string, labels: { sweep: string; trial: string; task: string }): Promise<InternalNetwork> {
  return createInternal(
    docker,
    name,
    {
      [LABELS.sweep]: labels.sweep,
      [LABELS.trial]: labels.trial,
      [LABELS.task]: labels.task,
      [LABELS.managed]: 'true',
      [LABELS.runner]: formatRunner(currentRunner()),
    },
    "the trial's network",
    false,
  );
}

/** pairbench's networks (all, or one sweep's). */
export async function findPairbenchNetworks(docker: Docker, filter: { sweep?: string } = {}): Promise<LeftoverNetwork[]> {
  const labels = [`${LABELS.managed}=true`];
  if (filter.sweep !== undefined) labels.push(`${LABELS.sweep}=${filter.sweep}`);
  const list = (await docker.listNetworks({ filters: { label: labels } })) as { Id: string; Name: string; Labels?: Record<string, string> | null }[];
  return list
    .map((n) => ({ id: n.Id, name: n.Name, sweep: n.Labels?.[LABELS.sweep] ?? '', runner: n.Labels?.[LABELS.runner] ?? '' }))
    .sort((a, b) => a.sweep.localeCompare(b.sweep) || a.name.localeCompare(b.name));
}

/** `needGateway`: the host side must be reachable (the proxy listens there). */
async function createInternal(docker: Docker, name: string, labels: Record<string, string>, what: string, needGateway: boolean): Promise<InternalNetwork> {
  try {
    const net = await docker.createNetwork({ Name: name, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: labels });
    const info = (await net.inspect()) as { Id: string; IPAM?: { Config?: Array<{ Gateway?: string }> } };
    const gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (!gateway && needGateway) {
      await net.remove().catch(() => undefined);
      throw new Error('the engine gave the network no gateway address');
    }
    return { id: info.Id, name, gateway: gateway ?? '' };
  } catch (e) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot create ${what} ${name}: ${errorMessage(e)}`, { cause: e, outcome: 'container_failed' });
  }
}

/** Removes the network; quiet when it is already gone. */
export async function removeNetwork(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getNetwork(id).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}
