// The one place pairbench connects to a container engine. dockerode reads DOCKER_HOST
// itself (unix socket, tcp, or a Podman service socket), so Docker and Podman both work.

import Docker from 'dockerode';
import { ERROR_CODES, PairbenchError, errorMessage } from '../../core/errors.js';

const SETUP_HINT = 'run `bash scripts/setup.sh` (Debian, root) or install Docker/Podman and start it';

/** Connects and pings; a silent engine is an error that says how to get one. */
export async function connectEngine(): Promise<Docker> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (e) {
    const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock';
    throw new PairbenchError(
      ERROR_CODES.ENGINE_UNAVAILABLE,
      `no container engine answers at ${where} (${errorMessage(e)}): ${SETUP_HINT}`,
      { cause: e },
    );
  }
  return docker;
}

export interface EngineInfo {
  version: string;
  securityOptions: string[];
}

/** What a sweep records about the engine, and what SELinux detection needs. */
export async function engineInfo(docker: Docker): Promise<EngineInfo> {
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<{ SecurityOptions?: unknown }>]);
  const sec = Array.isArray(info.SecurityOptions) ? info.SecurityOptions.filter((s): s is string => typeof s === 'string') : [];
  return { version: `${version.Version} (API ${version.ApiVersion})`, securityOptions: sec };
}
