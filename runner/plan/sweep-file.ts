// A sweep file: the sweep's settings in TOML, committable beside the tasks, so a comparison
// can be re-run exactly. Paths in it are relative to the file. See docs/sweep.example.toml.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ENV_NAME } from '../../serving/control/config.js';
import { DIALECTS } from '../../core/serving.js';
import { takeInlineKey } from '../../serving/control/inline-key.js';
import { engineRefText, parseEngineRef } from '../../engines/registry.js';
import { SWEEP_NETWORKS, type EngineSetting, type SettingsLayer } from './settings.js';

const wholeAtLeast = (min: number) => z.number().int().min(min);
const GROUP_BY = z.union([z.literal('slot'), z.literal('task'), wholeAtLeast(1)], {
  error: 'must be "slot", "task" or a whole number of slots >= 1',
});
const RESTART_EVERY = z.union([z.literal('group'), z.literal('never'), wholeAtLeast(1)], {
  error: 'must be "group", "never" or a whole number of trials >= 1',
});

const ENGINE_REF = z.string().min(1);
const EngineEntry = z.union([ENGINE_REF, z.strictObject({ engine: ENGINE_REF, concurrency: wholeAtLeast(1).optional() })], {
  error: 'each engine is "docker", "podman", an address, or { engine = "...", concurrency = N }',
});

const ServingSection = z.strictObject({
  source: z.string().min(1).optional(),
  // http(s) only, as the serving layer requires: otherwise the refusal would come later,
  // naming --base-url, a flag this sweep never used.
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  model: z.string().min(1).optional(),
  dialect: z.enum(DIALECTS).optional(),
  api_key_env: ENV_NAME.optional(),
});

const SweepFileSchema = z.strictObject({
  harnesses: z.array(z.string().min(1)).min(1).optional(),
  tasks: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)], {
    error: 'must be "all" or a list of task names',
  }).optional(),
  trials: wholeAtLeast(1).optional(),
  tasks_dir: z.string().min(1).optional(),
  runs_dir: z.string().min(1).optional(),
  order: z.enum(['alternate', 'shuffle']).optional(),
  seed: z.number().int().min(0).optional(),
  group_by: GROUP_BY.optional(),
  restart_every: RESTART_EVERY.optional(),
  canary_every: wholeAtLeast(0).optional(),
  canary_factor: z.number().gt(1).optional(),
  concurrency: wholeAtLeast(1).optional(),
  retries: wholeAtLeast(0).optional(),
  grace_sec: z.number().min(0).optional(),
  time_scale: z.number().min(0).optional(),
  selinux: z.enum(['auto', 'on', 'off']).optional(),
  max_turns: wholeAtLeast(1).optional(),
  engines: z.array(EngineEntry).min(1).optional(),
  network: z.enum(SWEEP_NETWORKS, { error: 'must be "task" (each task\'s own rule) or "none" (every container offline)' }).optional(),
  serving: ServingSection.optional(),
});

export type SweepFile = z.infer<typeof SweepFileSchema>;

/** Parses sweep-file text. `baseDir` anchors relative paths (the file's directory). */
export function parseSweepFile(text: string, baseDir: string): { layer: SettingsLayer; problems: string[] } {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    return { layer: {}, problems: [`not valid TOML: ${(e as Error).message.split('\n')[0]}`] };
  }
  const problems: string[] = [];
  const inlineKey = takeInlineKey((raw as Record<string, unknown>).serving, 'serving', 'a sweep file');
  if (inlineKey !== null) problems.push(inlineKey);
  const parsed = SweepFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        const where = path ? `${path}.` : '';
        for (const key of issue.keys) problems.push(`${where}${key}: not a sweep-file setting (see docs/sweep.example.toml)`);
      } else {
        problems.push(`${path || '(file)'}: ${issue.message}`);
      }
    }
    return { layer: {}, problems };
  }
  if (problems.length > 0) return { layer: {}, problems };
  const f = parsed.data;
  let engines: EngineSetting[] | undefined;
  if (f.engines !== undefined) {
    engines = [];
    for (const [i, entry] of f.engines.entries()) {
      const { engine, concurrency } = typeof entry === 'string' ? { engine: entry, concurrency: undefined } : entry;
      const ref = parseEngineRef(engine);
      if (typeof ref === 'string') problems.push(`engines.${i}: ${ref}`);
      else engines.push({ ref: engineRefText(ref), concurrency: concurrency ?? null });
    }
    if (problems.length > 0) return { layer: {}, problems };
  }
  const at = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(baseDir, p));
  const source = f.serving?.source;
  return {
    layer: {
      harnesses: f.harnesses,
      tasks: f.tasks,
      trials: f.trials,
      tasksDir: at(f.tasks_dir),
      runsDir: at(f.runs_dir),
      order: f.order,
      seed: f.seed,
      groupBy: f.group_by,
      restartEvery: f.restart_every,
      canaryEvery: f.canary_every,
      canaryFactor: f.canary_factor,
      concurrency: f.concurrency,
      retries: f.retries,
      graceSec: f.grace_sec,
      timeScale: f.time_scale,
      selinux: f.selinux,
      maxTurns: f.max_turns,
      engines,
      network: f.network,
      serving: f.serving && {
        source: source === undefined || source === 'simulated' ? source : resolve(baseDir, source),
        baseUrl: f.serving.base_url,
        model: f.serving.model,
        dialect: f.serving.dialect,
        apiKeyEnv: f.serving.api_key_env,
      },
    },
    problems: [],
  };
}

/** Reads and parses a sweep file; problems are prefixed with its path. */
export async function loadSweepFile(path: string): Promise<{ layer: SettingsLayer; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { layer: {}, problems: [`${path}: cannot read the sweep file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`] };
  }
  const { layer, problems } = parseSweepFile(text, dirname(resolve(path)));
  return { layer, problems: problems.map((p) => `${path}: ${p}`) };
}
