// Whether a trial container is still there, and the CONTAINER_GONE error when it is not:
// a container that vanished under a command is the machine's failure, never the agent's.

import type Docker from 'dockerode';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';

export interface ContainerRef {
  docker: Docker;
  containerId: string;
  containerName: string;
}

/** False too when the container is gone or the engine does not answer. */
export async function containerRunning(target: ContainerRef): Promise<boolean> {
  try {
    const info = await target.docker.getContainer(target.containerId).inspect();
    return info.State.Running;
  } catch {
    return false;
  }
}

/**
 * The engine may still report a dying container as running for a moment after its
 * processes were killed, so a signal death is re-checked a few times before it counts
 * as the command's own.
 */
export async function containerDied(target: ContainerRef): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    if (!(await containerRunning(target))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

export function gone(containerName: string, why: string, cause?: unknown): PairbenchError {
  return new PairbenchError(ERROR_CODES.CONTAINER_GONE, `container ${containerName} ${why}`, {
    cause,
    outcome: 'container_failed',
  });
}

/** Maps the engine's "no such container" / "is not running" answers to CONTAINER_GONE. */
export function asGone(e: unknown, target: { containerName: string }): PairbenchError | null {
  const status = (e as { statusCode?: number }).statusCode;
  const msg = errorMessage(e);
  if (status === 404 && /no such container/i.test(msg)) return gone(target.containerName, 'is gone (removed)', e);
  if (status === 409 || /is not running|is paused|is restarting/i.test(msg)) return gone(target.containerName, 'is not running', e);
  if (status === 404 && !/no such exec/i.test(msg)) return gone(target.containerName, 'is gone', e);
  return null;
}
