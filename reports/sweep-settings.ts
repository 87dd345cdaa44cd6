// The settings a sweep's figures depend on, read from what the sweep stored: its settings and
// serving layer (config_json) and what the server said of itself (serving_provenance_json).
// Pure, and lenient: a field a store from an older pairbench lacks is null, never an error.

import type { StoredServing } from '../core/sweep-serving.js';

export interface FigureSettings {
  model: string | null;
  dialect: string | null;
  /** The known start-up flags pairbench gave the server, then what the server reported (llama-server /props). */
  serverFlags: string[];
  /** Trials at once, over every engine of the sweep; above 1 they compete for the one server. */
  concurrency: number | null;
  /** Per engine, when the sweep spread over more than one. */
  engines: { ref: string; concurrency: number }[];
  simulated: boolean;
  /** The simulated server's time scale; null for a real server, or when not recorded. */
  timeScale: number | null;
  /** When pairbench restarted the serving layer: 'never', 'every group', 'every N trials'. */
  restarts: string | null;
  canary: string | null;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function parse(json: string | null): Json | null {
  if (json === null) return null;
  try {
    return obj(JSON.parse(json));
  } catch {
    return null;
  }
}

export function readFigureSettings(configJson: string | null, provenanceJson: string | null, simulatedSweep = false): FigureSettings {
  const config = parse(configJson);
  const settings = obj(config?.settings);
  const stored = obj(config?.serving) as Partial<StoredServing> | null;
  const provenance = parse(provenanceJson);
  const props = obj(provenance?.['/props']);
  const flagSettings = obj(settings?.serving);

  const sweepConcurrency = num(settings?.concurrency);
  const engineList = Array.isArray(settings?.engines) ? (settings.engines as unknown[]).map(obj).filter((e): e is Json => e !== null) : [];
  const engines = engineList.map((e) => ({ ref: str(e.ref) ?? '?', concurrency: num(e.concurrency) ?? sweepConcurrency ?? 1 }));
  const concurrency = engines.length > 0 ? engines.reduce((n, e) => n + e.concurrency, 0) : sweepConcurrency;

  const restartEvery = settings?.restartEvery;
  const restarts =
    restartEvery === 'never' ? 'never' : restartEvery === 'group' ? 'every group' : typeof restartEvery === 'number' ? `every ${restartEvery} trials` : null;
  const canary = obj(stored?.canary);
  const canaryText = canary && num(canary.factor) !== null ? `canary every ${num(canary.everyTrials) ?? 0} trials, restart above ${num(canary.factor)}× its baseline` : null;

  const simulated = simulatedSweep || stored?.kind === 'simulated' || props?.pairbench_simulated === true || provenance?.simulated === true;
  return {
    model: str(provenance?.model) ?? str(stored?.model) ?? str(flagSettings?.model),
    dialect: str(provenance?.dialect) ?? str(stored?.dialect) ?? str(flagSettings?.dialect),
    serverFlags: [...(Array.isArray(stored?.serverFlags) ? stored.serverFlags.filter((f): f is string => typeof f === 'string') : []), ...propsFacts(props)],
    concurrency,
    engines: engines.length > 1 ? engines : [],
    simulated,
    timeScale: simulated ? (num(props?.time_scale) ?? num(stored?.timeScale) ?? num(settings?.timeScale)) : null,
    restarts,
    canary: canaryText,
  };
}

/** What llama-server's /props says of the flags it was started with. */
function propsFacts(props: Json | null): string[] {
  if (!props) return [];
  const gen = obj(props.default_generation_settings);
  const params = obj(gen?.params);
  const out: string[] = [];
  const ctx = num(gen?.n_ctx);
  if (ctx !== null) out.push(`n_ctx ${ctx}`);
  const slots = num(props.total_slots);
  if (slots !== null) out.push(`${slots} slot${slots === 1 ? '' : 's'}`);
  if (typeof gen?.speculative === 'boolean') {
    const nMax = num(params?.['speculative.n_max']);
    out.push(gen.speculative ? `drafting on${nMax ? ` (n_max ${nMax})` : ''}` : 'drafting off');
  }
  return out;
}
