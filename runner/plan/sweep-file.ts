// A sweep file: the sweep's settings in TOML, committable beside the tasks, so a comparison
// can be re-run exactly. Paths in it are relative to the file. See docs/sweep.example.toml.
// Its schema derives from the settings table, core/sweep-settings.ts.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { ENV_NAME } from '../../serving/control/config.js';
import { takeInlineKey } from '../../serving/control/inline-key.js';
import { engineRefText, parseEngineRef } from '../../engines/registry.js';
import { SETTING_ENTRIES, type SettingDecl, type SettingValue } from '../../core/sweep-settings.js';
import type { EngineSetting, SettingsLayer } from './settings.js';

const wholeAtLeast = (min: number) => z.number().int().min(min);
const ENGINE_REF = z.string().min(1);
const EngineEntry = z.union([ENGINE_REF, z.strictObject({ engine: ENGINE_REF, concurrency: wholeAtLeast(1).optional() })], {
  error: 'each engine is "docker", "podman", an address, or { engine = "...", concurrency = N }',
});
const quoted = (xs: readonly string[]): string => xs.map((x) => `"${x}"`).join(', ');

/** What a sweep file accepts for a setting, as core/sweep-settings.ts declares it. */
function schemaFor(v: SettingValue): z.ZodType {
  switch (v.kind) {
    case 'whole':
      return wholeAtLeast(v.min);
    case 'number':
      return v.above !== undefined ? z.number().gt(v.above) : z.number().min(v.min ?? -Infinity);
    case 'choice':
      return z.enum(v.choices as [string, ...string[]], v.fileMessage === undefined ? undefined : { error: v.fileMessage });
    case 'choice-or-whole':
      return z.union([...v.choices.map((c) => z.literal(c)), wholeAtLeast(1)], {
        error: `must be ${quoted(v.choices)} or a whole number of ${v.unit} >= 1`,
      });
    case 'text':
    case 'path':
    case 'serving-source':
      return z.string().min(1);
    case 'more-dirs':
    case 'names':
      return z.array(z.string().min(1)).min(1);
    case 'tasks':
      return z.union([z.literal('all'), z.array(z.string().min(1)).min(1)], { error: 'must be "all" or a list of task names' });
    case 'url':
      // http(s) only, as the serving layer requires: otherwise the refusal would come later,
      // naming --base-url, a flag this sweep never used.
      return z.url({ protocol: /^https?$/ });
    case 'env-name':
      return ENV_NAME;
    case 'engines':
      return z.array(EngineEntry).min(1);
  }
}

function sectionSchemas(): { top: Record<string, z.ZodType>; serving: Record<string, z.ZodType> } {
  const top: Record<string, z.ZodType> = {};
  const serving: Record<string, z.ZodType> = {};
  for (const [, decl] of SETTING_ENTRIES) (decl.serving ? serving : top)[decl.file] = schemaFor(decl.value).optional();
  return { top, serving };
}

const sections = sectionSchemas();
const SweepFileSchema = z.strictObject({ ...sections.top, serving: z.strictObject(sections.serving).optional() });

/** The keys a sweep file accepts: at the top, and under [serving]. */
export const SWEEP_FILE_KEYS = { top: Object.keys(sections.top), serving: Object.keys(sections.serving) };

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
  const f = parsed.data as Record<string, unknown> & { serving?: Record<string, unknown> };
  const top: Record<string, unknown> = {};
  const serving: Record<string, unknown> = {};
  for (const [name, decl] of SETTING_ENTRIES) {
    const given = decl.serving ? f.serving?.[decl.file] : f[decl.file];
    if (given === undefined) continue;
    const value = fileValue(decl, given, baseDir, problems);
    if (value !== undefined) (decl.serving ? serving : top)[name] = value;
  }
  if (problems.length > 0) return { layer: {}, problems };
  return { layer: { ...top, ...(f.serving && { serving }) } as SettingsLayer, problems: [] };
}

/** A checked file value as the setting holds it: paths resolved against the file's directory. */
function fileValue(decl: SettingDecl, raw: unknown, baseDir: string, problems: string[]): unknown {
  switch (decl.value.kind) {
    case 'path':
      return resolve(baseDir, raw as string);
    case 'serving-source':
      return raw === 'simulated' ? raw : resolve(baseDir, raw as string);
    case 'more-dirs':
      // The default directories are always looked in; the file adds to them.
      return [...(decl.default as readonly string[]), ...(raw as string[]).map((d) => resolve(baseDir, d))];
    case 'engines': {
      const engines: EngineSetting[] = [];
      for (const [i, entry] of (raw as z.infer<typeof EngineEntry>[]).entries()) {
        const { engine, concurrency } = typeof entry === 'string' ? { engine: entry, concurrency: undefined } : entry;
        const ref = parseEngineRef(engine);
        if (typeof ref === 'string') problems.push(`${decl.file}.${i}: ${ref}`);
        else engines.push({ ref: engineRefText(ref), concurrency: concurrency ?? null });
      }
      return engines;
    }
    default:
      return raw;
  }
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
