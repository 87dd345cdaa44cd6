// What a sweep with installed agents sets up once, before its first trial: each agent
// installed into the machine's cache, an internal network, the recording proxy on that
// network's gateway, and the firewall rules that leave the proxy the only thing of the host
// the network reaches. Per trial it opens a proxy key whose calls become that trial's turns.

import { join } from 'node:path';
import { AGENT_MOUNTS } from '../../core/agent.js';
import type { HarnessSpec } from '../../core/harness.js';
import type { ServingEndpoint } from '../../core/serving.js';
import type { AgentRun } from '../../core/trial.js';
import type { TurnRecord } from '../../core/turn.js';
import { ensureAgentInstalled, type Installed } from '../../harnesses/installed/install.js';
import { startRecordingProxy, type ProxyTrial, type RecordingProxy } from '../../proxy/server.js';
import type { Engine, InternalNetwork, NetworkGuard } from '../../core/engine.js';
import { TRANSCRIPT_FILE } from '../trial.js';
import { TranscriptFile } from '../transcript-file.js';
import { PairbenchError, errorMessage } from '../../core/errors.js';

export interface AgentRoom {
  readonly proxy: RecordingProxy;
  readonly network: InternalNetwork;
  /** Whether the host's other services are out of the containers' reach, and why not. */
  readonly isolation: Pick<NetworkGuard, 'enforced' | 'detail'>;
  /** Opens the trial on the proxy; close the handle when the trial ends. */
  openTrial(o: { spec: HarnessSpec; trialId: string; task: string; trialDir: string; onTurn(turn: TurnRecord): void }): { run: AgentRun; handle: ProxyTrial };
  /** `removeContainers` takes whatever the sweep left off the network before the network goes. */
  close(removeContainers: () => Promise<void>): Promise<void>;
}

/** What a room's teardown touches. */
export interface RoomTeardown {
  network: string;
  closeProxy(): Promise<void>;
  removeContainers(): Promise<void>;
  removeNetwork(): Promise<void>;
  releaseGuard(): Promise<void>;
}

/**
 * Containers off the bridge, then the bridge, then its firewall rules: while anything is
 * attached, the rules are what keeps it from the host. A network that stays (or whose
 * containers may) keeps its rules (its bridge name may not come back for another sweep while
 * it exists), for `pairbench cleanup` to remove both once this run has ended. Every step that
 * fails is said, in one line.
 */
export async function closeRoom(t: RoomTeardown): Promise<void> {
  const proxyClosed = t.closeProxy().then(() => null, (e: unknown) => `closing the recording proxy: ${errorMessage(e)}`);
  const problems: string[] = [];
  let networkGone = false;
  try {
    await t.removeContainers().catch((e: unknown) => Promise.reject(new Error(`its containers could not be removed: ${errorMessage(e)}`)));
    await t.removeNetwork();
    networkGone = true;
  } catch (e) {
    problems.push(`network ${t.network} stays, and so do its firewall rules: ${errorMessage(e)}; \`pairbench cleanup\` removes both once this run has ended`);
  }
  if (networkGone) await t.releaseGuard().catch((e: unknown) => problems.push(errorMessage(e)));
  const proxyProblem = await proxyClosed;
  if (proxyProblem !== null) problems.push(proxyProblem);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/**
 * Takes back what a room that could not open had set up (no container has joined its network
 * yet), and throws `cause`, with its code, saying besides whatever could not be taken back.
 */
export async function abandonRoom(cause: unknown, t: Pick<RoomTeardown, 'network' | 'closeProxy' | 'removeNetwork'>): Promise<never> {
  const problems: string[] = [];
  await t.closeProxy().catch((e: unknown) => problems.push(`closing the recording proxy: ${errorMessage(e)}`));
  await t.removeNetwork().catch((e: unknown) => problems.push(`network ${t.network} stays: ${errorMessage(e)}; \`pairbench cleanup\` removes it once this run has ended`));
  if (problems.length === 0) throw cause;
  const message = `${errorMessage(cause)}; besides, ${problems.join('; ')}`;
  throw cause instanceof PairbenchError ? new PairbenchError(cause.code, message, { cause, outcome: cause.outcome }) : new Error(message, { cause });
}

/** Null when no harness of the sweep is an installed agent. */
export async function openAgentRoom(
  engine: Engine,
  sweepId: string,
  harnesses: readonly HarnessSpec[],
  upstream: ServingEndpoint,
  onInstall: (agent: string, installed: Installed) => void = () => undefined,
): Promise<AgentRoom | null> {
  const agents = harnesses.filter((h) => h.base === 'agent' && h.agent);
  if (agents.length === 0) return null;
  const installs = new Map<string, Installed>();
  for (const h of agents) {
    const def = h.agent!;
    if (installs.has(def.name)) continue;
    const installed = await ensureAgentInstalled(def);
    installs.set(def.name, installed);
    onInstall(def.name, installed);
  }
  const network = await engine.createInternalNetwork(`pairbench-${sweepId}`, sweepId);
  let proxy: RecordingProxy | null = null;
  let guard: NetworkGuard;
  try {
    proxy = await startRecordingProxy({ upstream, host: network.gateway, port: 0 });
    guard = await engine.guardNetwork(network, proxy.port, sweepId);
  } catch (e) {
    const started = proxy;
    return abandonRoom(e, { network: network.name, closeProxy: () => started?.close() ?? Promise.resolve(), removeNetwork: () => engine.removeNetwork(network.id) });
  }
  const open = proxy;
  return {
    proxy: open,
    network,
    isolation: { enforced: guard.enforced, detail: guard.detail },
    openTrial({ spec, trialId, task, trialDir, onTurn }) {
      const def = spec.agent!;
      const installed = installs.get(def.name)!;
      const transcript = new TranscriptFile(join(trialDir, TRANSCRIPT_FILE));
      const opened = open.openTrial({ trialId, task, levers: spec.proxyLevers!, onTurn, transcript: (entry) => transcript.append(entry) });
      const handle: ProxyTrial = {
        key: opened.key,
        get turns() {
          return opened.turns;
        },
        close() {
          opened.close();
          transcript.close();
        },
      };
      const binds = [`${installed.dir}:${AGENT_MOUNTS.install}:ro`];
      // The node running pairbench (>= 20) serves agents that need one; bookworm's own is 18.
      if (def.runtime === 'host-node') binds.push(`${process.execPath}:${AGENT_MOUNTS.node}:ro`);
      return { run: { baseUrl: `${proxy.url}/v1`, key: handle.key, model: upstream.model, network: network.name, binds }, handle };
    },
    close(removeContainers) {
      return closeRoom({
        network: network.name,
        closeProxy: () => open.close(),
        removeContainers,
        removeNetwork: () => engine.removeNetwork(network.id),
        releaseGuard: () => guard.release(),
      });
    },
  };
}
