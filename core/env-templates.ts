// task.toml env tables, as Harbor reads them: a value that is wholly `${VAR}` or
// `${VAR:-default}` is taken from the host environment when the command runs; any other value
// is literal (Harbor's EnvironmentConfig.env: "resolved from the host at runtime. Supports
// ${VAR} and ${VAR:-default} template syntax"). Loading only checks that each named variable
// is set, so the secret itself is read at the last moment and kept nowhere.

import type { EnvTemplates } from './task.js';

const TEMPLATE = /^\$\{([^}:]+)(?::-(.*))?\}$/s;

interface Template {
  variable: string;
  fallback: string | undefined;
}

function templateOf(value: string): Template | null {
  const m = TEMPLATE.exec(value);
  return m ? { variable: m[1]!, fallback: m[2] } : null;
}

/** The host variables a table reads (template values only), sorted and without repeats. */
export function templateVariables(env: EnvTemplates): string[] {
  const names = new Set<string>();
  for (const value of Object.values(env)) {
    const t = templateOf(value);
    if (t) names.add(t.variable);
  }
  return [...names].sort();
}

/** One problem per key whose template names an unset host variable with no default. */
export function unsetTemplateProblems(
  where: string,
  env: EnvTemplates,
  host: NodeJS.ProcessEnv = process.env,
): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    const t = templateOf(value);
    if (t && t.fallback === undefined && host[t.variable] === undefined) {
      problems.push(
        `${where} ${key}: reads the host variable ${t.variable}, which is not set; export ${t.variable} before running pairbench, or give a default: \${${t.variable}:-value}`,
      );
    }
  }
  return problems;
}

/** The table with its templates filled in from `host`; throws naming the variable when one is unset. */
export function resolveEnv(env: EnvTemplates, host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const t = templateOf(value);
    if (!t) {
      out[key] = value;
      continue;
    }
    const got = host[t.variable] ?? t.fallback;
    if (got === undefined) throw new Error(`${key}: the host variable ${t.variable} is not set (it was when the task loaded)`);
    out[key] = got;
  }
  return out;
}

/** The resolved values that came from the host, for redacting them out of anything kept. */
export function hostValues(env: EnvTemplates, host: NodeJS.ProcessEnv = process.env): string[] {
  const values: string[] = [];
  for (const value of Object.values(env)) {
    const t = templateOf(value);
    const got = t ? host[t.variable] : undefined;
    if (got !== undefined && got.length > 0) values.push(got);
  }
  return values;
}
