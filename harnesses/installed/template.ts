// {name} templates in an agent's command, env and files. Only the known names are filled;
// an unknown one is a load error, so a typo is found before any trial runs.

import type { AgentTemplateValues } from '../../core/agent.js';

export const TEMPLATE_KEYS: readonly (keyof AgentTemplateValues)[] = ['instruction', 'base_url', 'model', 'api_key', 'home', 'install', 'entry', 'node', 'workdir'];

const PLACEHOLDER = /\{([a-z_]+)\}/g;

export function templateProblems(text: string, where: string): string[] {
  const problems: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!TEMPLATE_KEYS.includes(m[1] as keyof AgentTemplateValues)) problems.push(`${where}: unknown template {${m[1]}} (known: ${TEMPLATE_KEYS.map((k) => `{${k}}`).join(', ')})`);
  }
  return problems;
}

/** Fills every known placeholder; JSON files get their values JSON-escaped, so a quote in a value cannot break them. */
export function fill(text: string, values: AgentTemplateValues, escape: 'none' | 'json' = 'none'): string {
  return text.replace(PLACEHOLDER, (whole, key: string) => {
    const v = (values as unknown as Record<string, string | undefined>)[key];
    if (v === undefined) return whole;
    return escape === 'json' ? JSON.stringify(v).slice(1, -1) : v;
  });
}
