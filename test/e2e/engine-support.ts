// The engines the e2e files run against, and their own API for what a test inspects
// (a container's host config, the engine's events) that pairbench itself never asks.

import { connectDocker, type DockerApiEngine } from '../../engines/docker/engine.js';

/** The local Docker engine's API client. */
export async function connectEngine(): Promise<DockerApiEngine['api']> {
  return (await connectDocker(null)).api;
}
