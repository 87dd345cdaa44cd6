// The serving config a sweep asks for: the simulated server, a serving.toml, or a remote
// endpoint from flags. The sweep's own restart and canary settings go into it, because the
// plan (not the server's file) decides at which group boundaries restarts fall.

import { resolve } from 'node:path';
import { ValidationError, errorMessage } from '../../core/errors.js';
import type { RestartEvery } from '../plan/plan.js';
import type { SweepSettings } from '../plan/settings.js';
import { loadServingConfig, servingConfigFromFlags, simulatedServingConfig, type ServingConfig } from '../../serving/control/config.js';
import type { RestartPolicy } from '../../serving/control/types.js';

export const DEFAULT_CANARY_FACTOR = 1.5;

/** Null when the settings name no serving layer at all. */
export async function servingConfigFor(settings: SweepSettings): Promise<{ config: ServingConfig | null; problems: string[] }> {
  const s = settings.serving;
  let config: ServingConfig | null = null;
  try {
    if (s.source === 'simulated') {
      config = simulatedServingConfig({ timeScale: settings.timeScale ?? 1, tasksDir: resolve(settings.tasksDir) });
    } else if (s.source !== null) {
      config = await loadServingConfig(s.source);
      if (config.management.type === 'simulated' && settings.timeScale !== null) {
        config.management.simulated.timeScale = settings.timeScale;
      }
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
    config.canary = { everyTrials: settings.canaryEvery, factor: settings.canaryFactor ?? DEFAULT_CANARY_FACTOR };
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

/**
 * The controller restarts at a boundary only when the sweep asks it to (the plan marks those
 * boundaries), so every policy reaches it as 'group'.
 */
export function controllerRestartPolicy(restartEvery: RestartEvery): RestartPolicy {
  return restartEvery === 'never' ? { kind: 'never' } : { kind: 'group' };
}
