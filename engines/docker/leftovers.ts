// Finding and removing the containers pairbench made, by label: what a killed run leaves
// behind is found by `pairbench cleanup`, and only pairbench's own containers are touched.

import type Docker from 'dockerode';
import { LABELS, type Leftover, type RemovalResult } from '../../core/engine.js';
import { errorMessage } from '../../core/errors.js';
import { forceRemove } from './container.js';

export async function findPairbenchContainers(docker: Docker, filter: { sweep?: string } = {}): Promise<Leftover[]> {
  const labels = [`${LABELS.managed}=true`];
  if (filter.sweep !== undefined) labels.push(`${LABELS.sweep}=${filter.sweep}`);
  const list = await docker.listContainers({ all: true, filters: { label: labels } });
  return list
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      sweep: c.Labels[LABELS.sweep] ?? '',
      trial: c.Labels[LABELS.trial] ?? '',
      task: c.Labels[LABELS.task] ?? '',
      state: c.State,
      runner: c.Labels[LABELS.runner] ?? '',
    }))
    .sort((a, b) => a.sweep.localeCompare(b.sweep) || a.name.localeCompare(b.name));
}

/** Force-removes each container; one that vanished meanwhile counts as removed. */
export async function removeContainers(docker: Docker, containers: Leftover[]): Promise<RemovalResult> {
  const result: RemovalResult = { removed: [], failed: [] };
  for (const c of containers) {
    try {
      await forceRemove(docker, c.id);
      result.removed.push(c);
    } catch (e) {
      result.failed.push({ container: c, error: errorMessage(e) });
    }
  }
  return result;
}
