// The serving config a sweep asks for: the simulated server, a serving.toml, or a remote
// endpoint from flags, with the sweep's time scale and canary in a new config built from the
// loaded one (a loaded config is never edited). Restarts are not in it: the sweep's plan
// marks them, taking the serving file's policy only as its default.

import { resolve } from 'node:path';
import { DEFAULT_CANARY_FACTOR } from '../../core/sweep-settings.js';
import { ValidationError, errorMessage } from '../../core/errors.js';
import type { RestartEvery } from '../plan/plan.js';
import type { SweepSettings } from '../plan/settings.js';
import { loadServingConfig, servingConfigFromFlags, servingKind, simulatedServingConfig, type ServingConfig } from '../../serving/control/config.js';
import { knownServerFlags, type StoredServing } from '../../core/sweep-serving.js';

export { DEFAULT_CANARY_FACTOR };

/** Null when the settings name no serving layer at all. */
export async function servingConfigFor(settings: SweepSettings): Promise<{ config: ServingConfig | null; problems: string[] }> {
  const s = settings.serving;
  let config: ServingConfig | null = null;
  try {
    if (s.source === 'simulated') {
      config = simulatedServingConfig({ timeScale: settings.timeScale ?? 1, tasksDir: resolve(settings.tasksDir) });
    } else if (s.source !== null) {
      const loaded = await loadServingConfig(s.source);
      const m = loaded.management;
      config =
        m.type === 'simulated' && settings.timeScale !== null
          ? { ...loaded, management: { ...m, simulated: { ...m.simulated, timeScale: settings.timeScale } } }
          : loaded;
    } else if (s.baseUrl !== null) {
      config = servingConfigFromFlags({
        baseUrl: s.baseUrl,
        ...(s.model !== null && { model: s.model }),
        ...(s.dialect !== null && { dialect: s.dialect }),
        ...(s.apiKeyEnv !== null && { apiKeyEnv: s.apiKeyEnv }),
      });
    }
  } catch (e) {
    return { config: null, problems: e instanceof ValidationError ? e.problems.map((p) => `serving: ${p}`) : [`serving: ${errorMessage(e)}`] };
  }
  if (config && settings.canaryEvery !== null) {
    config = { ...config, canary: { everyTrials: settings.canaryEvery, factor: settings.canaryFactor ?? DEFAULT_CANARY_FACTOR } };
  }
  return { config, problems: [] };
}

/** The sweep's restart policy: the flag or sweep file when given, else the serving file's. */
export function restartEveryFor(explicit: RestartEvery | undefined, config: ServingConfig | null): RestartEvery {
  if (explicit !== undefined) return explicit;
  const p = config?.restart;
  if (!p || p.kind === 'never') return 'never';
  return p.kind === 'group' ? 'group' : p.trials;
}

/** What the sweep stores of its serving layer for the report (core/sweep-serving.ts): never a secret. */
export function storedServingFor(config: ServingConfig): StoredServing {
  const m = config.management;
  return {
    kind: servingKind(m),
    model: config.endpoint.model,
    dialect: config.endpoint.dialect,
    timeScale: m.type === 'simulated' ? m.simulated.timeScale : null,
    canary: config.canary ? { everyTrials: config.canary.everyTrials, factor: config.canary.factor } : null,
    serverFlags: m.type === 'command' ? knownServerFlags(m.command) : [],
  };
}
