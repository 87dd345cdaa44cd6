// A per-sweep Docker network marked internal: its containers reach the network's gateway
// address on the host (where the recording proxy listens) and nothing else, not even the
// internet. Created before the first agent trial, removed when the sweep ends.

import type Docker from 'dockerode';
import { LABELS, type InternalNetwork } from '../../core/engine.js';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';

export async function createInternalNetwork(docker: Docker, name: string, sweepId: string): Promise<InternalNetwork> {
  try {
    const net = await docker.createNetwork({ Name: name, Driver: 'bridge', Internal: true, CheckDuplicate: true, Labels: { [LABELS.sweep]: sweepId, [LABELS.managed]: 'true' } });
    const info = (await net.inspect()) as { Id: string; IPAM?: { Config?: Array<{ Gateway?: string }> } };
    const gateway = info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway;
    if (!gateway) {
      await net.remove().catch(() => undefined);
      throw new Error('the engine gave the network no gateway address');
    }
    return { id: info.Id, name, gateway };
  } catch (e) {
    throw new PairbenchError(ERROR_CODES.CONTAINER_FAILED, `cannot create the sweep's internal network ${name}: ${errorMessage(e)}`, { cause: e });
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
