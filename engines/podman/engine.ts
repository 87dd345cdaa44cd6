// Podman, through the Docker-compatible API its `system service` serves: the same client
// as Docker's, with Podman's own socket and what its containers need on top.

import { readFileSync } from 'node:fs';
import { DockerApiEngine } from '../docker/engine.js';

export const PODMAN_DEFAULT_SOCKET = '/run/podman/podman.sock';

const SETUP_HINT = `run \`bash scripts/ensure-podman.sh\` (Debian, root), or start \`podman system service --time=0 unix://${PODMAN_DEFAULT_SOCKET}\``;

/** Podman keeps its own process limit at most this (its service lowers itself to it). */
const PODMAN_NPROC_CEILING = 32_768;
const RLIMIT_DEFAULT = 1_048_576;

/**
 * Podman asks runc for nofile and nproc of 1048576 unless told otherwise, and runc fails
 * ("error setting rlimit") wherever the service's own hard limits are lower. Containers get
 * this host's hard limits instead (the service runs here, or on a host set up like it).
 * nproc counts every process of the user (root), not the container's: the container's own
 * bound is its pids limit, as on Docker.
 */
export function podmanUlimits(limitsText: string | null): { Name: string; Soft: number; Hard: number }[] {
  const hard = (label: string): number => {
    const line = limitsText?.split('\n').find((l) => l.startsWith(label));
    const value = line?.slice(label.length).trim().split(/\s+/)[1];
    return value === undefined || value === 'unlimited' || !/^\d+$/.test(value) ? RLIMIT_DEFAULT : Number(value);
  };
  const nofile = Math.min(hard('Max open files'), RLIMIT_DEFAULT);
  const nproc = Math.min(hard('Max processes'), PODMAN_NPROC_CEILING);
  return [
    { Name: 'nofile', Soft: nofile, Hard: nofile },
    { Name: 'nproc', Soft: nproc, Hard: nproc },
  ];
}

function ownLimits(): string | null {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}

/** CONTAINER_HOST (Podman's own variable) when set, else /run/podman/podman.sock. */
export function connectPodman(address: string | null): Promise<DockerApiEngine> {
  const ulimits = podmanUlimits(ownLimits());
  return DockerApiEngine.connect({
    kind: 'podman',
    address,
    defaultAddress: () => process.env.CONTAINER_HOST || `unix://${PODMAN_DEFAULT_SOCKET}`,
    hostConfig: { Ulimits: ulimits },
    // Build steps run in containers too; Podman's build query takes them as name=soft:hard.
    buildOptions: { ulimits: JSON.stringify(ulimits.map((u) => `${u.Name}=${u.Soft}:${u.Hard}`)) },
    setupHint: SETUP_HINT,
  });
}
