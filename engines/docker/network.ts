// A per-sweep Docker network marked internal: no internet, and the host's address on it (the
// gateway, where the recording proxy listens) the only other place its containers reach once
// the host guard's firewall rules stand (engines/host-guard.ts). Created before the first
// agent trial, removed when the sweep ends.

import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { LABELS, type InternalNetwork, type LeftoverNetwork } from '../../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';
import { currentRunner, formatRunner } from '../../core/runner-identity.js';

/** The host interface of a sweep network: named by pairbench, so its firewall rules can name it. */
export function sweepBridgeName(networkName: string): string {
  // Interface names hold at most 15 characters.
  return `pb${createHash('sha256').update(networkName).digest('hex').slice(0, 12)}`;
}

export function createInternalNetwork(docker: Docker, name: string, sweepId: string): Promise<InternalNetwork> {
  const labels = { [LABELS.sweep]: sweepId, [LABELS.managed]: 'true', [LABELS.runner]: formatRunner(currentRunner()) };
  return createInternal(docker, name, labels, "the sweep's internal network", true, sweepBridgeName(name));
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
    null,
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

/**
 * `needGateway`: the host side must be reachable (the proxy listens there). Podman's internal
 * networks under CNI give the host no address (it says `<nil>`): the network then comes back
 * with gateway '' and its subnet, for the caller to give the host one.
 */
async function createInternal(
  docker: Docker, name: string, labels: Record<string, string>, what: string, needGateway: boolean, bridge: string | null,
): Promise<InternalNetwork> {
  try {
    const net = await docker.createNetwork({
      Name: name, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: labels,
      ...(bridge !== null && { Options: { 'com.docker.network.bridge.name': bridge } }),
    });
    const info = (await net.inspect()) as { Id: string; IPAM?: { Config?: Array<{ Gateway?: string; Subnet?: string }> } };
    const configs = info.IPAM?.Config ?? [];
    const gateway = configs.map((c) => c.Gateway).find((g) => g !== undefined && isIpv4(g)) ?? '';
    const subnet = configs.map((c) => c.Subnet).find((s) => s !== undefined && isIpv4(s.split('/')[0]!)) ?? '';
    if (needGateway && !gateway && !subnet) {
      await net.remove().catch(() => undefined);
      throw new Error('the engine gave the network neither a gateway address nor an IPv4 subnet');
    }
    return { id: info.Id, name, gateway, subnet, bridge };
  } catch (e) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot create ${what} ${name}: ${errorMessage(e)}`, { cause: e, outcome: 'container_failed' });
  }
}

function isIpv4(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s);
}

/**
 * The interface the engine says it gave the network: Podman's own API names it
 * (`network_interface`, `own`: what it will make), Docker's echoes the bridge-name option it
 * honours; null when neither says.
 */
export async function engineBridgeName(docker: Docker, id: string): Promise<{ name: string; own: boolean } | null> {
  const libpod = await new Promise<{ network_interface?: string } | null>((resolve) => {
    docker.modem.dial(
      { path: `/v4.0.0/libpod/networks/${encodeURIComponent(id)}/json`, method: 'GET', statusCodes: { 200: true }, options: {} },
      (err: unknown, data: unknown) => resolve(err ? null : (data as { network_interface?: string })),
    );
  });
  if (libpod?.network_interface) return { name: libpod.network_interface, own: true };
  const info = (await docker.getNetwork(id).inspect()) as { Options?: Record<string, string> | null };
  const echoed = info.Options?.['com.docker.network.bridge.name'];
  return echoed ? { name: echoed, own: false } : null;
}

/**
 * Why the bridge pairbench asked for is not the network's, or null when it is: firewall rules
 * on a name that is not the network's interface guard nothing (an engine may ignore the
 * bridge-name option).
 */
export function bridgeProblem(o: { asked: string; engineSays: { name: string; own: boolean } | null; present: boolean }): string | null {
  const says = o.engineSays;
  if (says !== null && says.name !== o.asked) return `the engine named its bridge ${says.name}, not ${o.asked} as pairbench asked`;
  // Podman's own word on the interface is believed: netavark makes it only when the first
  // container joins, and a rule on an interface name holds before the interface exists.
  // Docker's echo of the option proves nothing, so its interface must be there.
  if (!says?.own && !o.present) return `no interface ${o.asked} exists on this host after the engine made the network`;
  return null;
}

/**
 * Takes back a sweep network whose bridge the firewall rules would not guard, and refuses with
 * PB_NETWORK_UNGUARDED. The bridge goes only once the network is gone: never an interface
 * from under a network that still exists. What stays is said.
 */
export async function refuseUnguardable(o: { name: string; bridge: string; problem: string; removeNetwork(): Promise<void>; dropBridge(): Promise<void> }): Promise<never> {
  let stays = '';
  try {
    await o.removeNetwork();
    await o.dropBridge().catch((e: unknown) => {
      stays = `; besides, bridge ${o.bridge} stays (${errorMessage(e)}): \`ip link del ${o.bridge}\` removes it`;
    });
  } catch (e) {
    stays = `; besides, network ${o.name} could not be removed (${errorMessage(e)}), so its bridge ${o.bridge} was left as it is: \`pairbench cleanup\` removes the network once this run has ended`;
  }
  throw new PairbenchError(
    ERROR_CODES.NETWORK_UNGUARDED,
    `cannot guard the sweep's network ${o.name}: ${o.problem}, so firewall rules on ${o.bridge} would guard nothing. Run installed agents on an engine that honours com.docker.network.bridge.name (Docker, or Podman with its CNI or netavark bridge driver)${stays}`,
  );
}

/** Removes the network; quiet when it is already gone. */
export async function removeNetwork(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getNetwork(id).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}
