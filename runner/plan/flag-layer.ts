// `pairbench run` flags as a settings layer. Commander hands over strings; each is parsed
// here, as core/sweep-settings.ts declares it, so a bad value is reported with the flag's
// name, beside every other problem.

import { ENV_NAME } from '../../serving/control/config.js';
import { SETTING_ENTRIES, flagAttribute, type RunFlags, type SettingDecl } from '../../core/sweep-settings.js';
import { engineRefText, parseEngineRef } from '../../engines/registry.js';
import type { EngineSetting, SettingsLayer } from './settings.js';

export type { RunFlags } from '../../core/sweep-settings.js';

export function parseFlagLayer(flags: RunFlags): { layer: SettingsLayer; problems: string[] } {
  const problems: string[] = [];
  const top: Record<string, unknown> = {};
  const serving: Record<string, unknown> = {};
  const given = flags as Record<string, string | string[] | undefined>;
  for (const [name, decl] of SETTING_ENTRIES) {
    const raw = given[flagAttribute(decl.flag)];
    if (raw === undefined) continue;
    const value = flagValue(decl, raw, problems);
    if (value !== undefined) (decl.serving ? serving : top)[name] = value;
  }
  return { layer: { ...top, serving } as SettingsLayer, problems };
}

/** The flag's value as the setting holds it, or undefined (with a problem) when it is bad. */
function flagValue(decl: SettingDecl, raw: string | string[], problems: string[]): unknown {
  const flag = `--${decl.flag}`;
  const text = typeof raw === 'string' ? raw : raw.join(' ');
  const list = typeof raw === 'string' ? [raw] : raw;
  const whole = (min: number): number | undefined => {
    if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
      problems.push(`${flag}: must be a whole number >= ${min} (got "${text}")`);
      return undefined;
    }
    return Number(text);
  };
  const v = decl.value;
  switch (v.kind) {
    case 'whole':
      return whole(v.min);
    case 'number': {
      const n = Number(text);
      const ok = v.above !== undefined ? n > v.above : n >= (v.min ?? -Infinity);
      if (text.trim() === '' || !Number.isFinite(n) || !ok) {
        problems.push(`${flag}: must be ${v.want} (got "${text}")`);
        return undefined;
      }
      return n;
    }
    case 'choice':
      if (!v.choices.includes(text)) {
        problems.push(`${flag}: must be one of ${v.choices.join(', ')} (got "${text}")`);
        return undefined;
      }
      return text;
    case 'choice-or-whole':
      return v.choices.includes(text) ? text : whole(1);
    case 'text':
    case 'path':
    case 'serving-source':
    case 'names':
      return raw;
    case 'more-dirs':
      // The default directories are always looked in; the flag adds to them.
      return [...(decl.default as readonly string[]), ...list];
    case 'tasks':
      if (!list.includes('all')) return list;
      if (list.length > 1) problems.push(`${flag}: give either \`all\` or task names, not both`);
      return 'all';
    case 'url':
      if (!/^https?:\/\/\S+$/.test(text)) {
        problems.push(`${flag}: must be an http(s) URL such as http://127.0.0.1:8080 (got "${text}")`);
        return undefined;
      }
      return text;
    case 'env-name':
      if (!ENV_NAME.safeParse(text).success) {
        problems.push(`${flag}: takes the NAME of an environment variable holding the key, not the key itself`);
        return undefined;
      }
      return text;
    case 'engines':
      return engineList(flag, list, problems);
  }
}

function engineList(flag: string, texts: string[], problems: string[]): EngineSetting[] {
  const engines: EngineSetting[] = [];
  for (const text of texts) {
    const ref = parseEngineRef(text);
    if (typeof ref === 'string') problems.push(`${flag}: ${ref}`);
    else engines.push({ ref: engineRefText(ref), concurrency: null });
  }
  const seen = new Set<string>();
  for (const e of engines) {
    if (seen.has(e.ref)) problems.push(`${flag}: ${e.ref} is given twice`);
    seen.add(e.ref);
  }
  return engines;
}
