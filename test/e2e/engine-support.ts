// The engines the e2e files run against, and their own API for what a test inspects
// (a container's host config, the engine's events) that pairbench itself never asks.

import { connectDocker, DockerApiEngine } from '../../engines/docker/engine.js';
import { connectEngine as connectByRef } from '../../engines/registry.js';

/** Every engine `npm test` runs the core e2e tests on; scripts/setup.sh brings each up. */
export const TEST_ENGINES = ['docker', 'podman'] as const;
export type TestEngine = (typeof TEST_ENGINES)[number];

/** The local Docker engine's API client. */
export async function connectEngine(): Promise<DockerApiEngine['api']> {
  return (await connectDocker(null)).api;
}

/** An engine by kind, with its API client for inspection. */
export async function connectTestEngine(kind: TestEngine): Promise<DockerApiEngine> {
  const engine = await connectByRef(kind);
  if (!(engine instanceof DockerApiEngine)) throw new Error(`the ${kind} engine does not speak Docker's API`);
  return engine;
}
