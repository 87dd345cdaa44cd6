// Start-up loads only what the command runs: help, for every command, loads the CLI's own
// declarations and commander, never the runner, the store, the report model, the simulator or
// their dependencies. The build bundles the declarations with commander and chalk into
// dist/cli/main.js (scripts/bundle-cli.ts), so help reads that one file and the ground floor
// it imports. A module-resolution hook records every file Node loads.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'pb-cli-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Hooks run on their own thread in Node 20: they append to the file the environment names.
const hooks = path.join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.PB_LOAD_LOG, url + '\\n');
  return next(url, context);
}
`,
);
const register = path.join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

let runs = 0;
async function loadedBy(args: string[]): Promise<{ ours: string[]; packages: string[]; stdout: string; stderr: string; exitCode: number | undefined }> {
  const log = path.join(dir, `load-${++runs}.log`);
  writeFileSync(log, '');
  const r = await execa('node', ['--import', pathToFileURL(register).href, path.join(ROOT, 'bin/pairbench.js'), ...args], {
    cwd: ROOT,
    reject: false,
    env: { PB_LOAD_LOG: log },
  });
  const files = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => new URL(u).pathname);
  // node_modules may be a link to another checkout's: a package is known by its folder name.
  const pkg = (f: string): string | undefined => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1];
  const packages = [...new Set(files.map(pkg).filter((p): p is string => p !== undefined))];
  const ours = files.filter((f) => pkg(f) === undefined).map((f) => path.relative(ROOT, f));
  return { ours, packages, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
}

const HELP = [[], ['run'], ['tasks'], ['tasks', 'check'], ['cleanup'], ['serve'], ['serving', 'check'], ['agents'], ['report'], ['compare']];

it.each(HELP)('`pairbench %s --help` loads the declarations only', async (...command: string[]) => {
  const r = await loadedBy([...command, '--help']);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('Usage:');
  expect(r.ours.slice(0, 2)).toEqual(['bin/pairbench.js', 'dist/cli/main.js']);
  const beyond = r.ours.slice(2).filter((p) => !(p === 'dist/reports/defaults.js' || p.startsWith('dist/core/')));
  expect(beyond).toEqual([]);
  // commander and chalk are inlined; any other package a declaration imports would load here.
  expect(r.packages).toEqual([]);
});

it('a command that runs still loads what it needs', async () => {
  const r = await loadedBy(['report', '--db', path.join(dir, 'missing.db')]);
  expect(r.exitCode).toBe(1);
  expect(r.ours).toContain('dist/cli/commands/report-run.js');
  expect(r.packages).toContain('better-sqlite3');
  // The error the report's module throws is the class the bundled CLI catches: one copy of
  // core/errors.js, so a code and a message, never a stack trace.
  expect(r.stderr).toMatch(/^error PB_CONFIG_INVALID: no database at /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  // A markdown report (the default) loads no other format's renderer, nor compare's model.
  for (const other of ['dist/reports/json.js', 'dist/reports/csv.js', 'dist/reports/html.js', 'dist/reports/compare.js']) expect(r.ours).not.toContain(other);
});
