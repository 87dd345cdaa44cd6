// Start-up loads only what the command runs: help, for every command, loads the CLI's own
// declarations and commander, never the runner, the store, the report model, the simulator or
// their dependencies. A module-resolution hook records every file Node loads.

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
async function loadedBy(args: string[]): Promise<{ ours: string[]; packages: string[]; stdout: string; exitCode: number | undefined }> {
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
  return { ours, packages, stdout: r.stdout, exitCode: r.exitCode };
}

const HELP = [[], ['run'], ['tasks'], ['tasks', 'check'], ['cleanup'], ['serve'], ['report'], ['compare']];

it.each(HELP)('`pairbench %s --help` loads the declarations only', async (...command: string[]) => {
  const r = await loadedBy([...command, '--help']);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain('Usage:');
  expect(r.ours).toContain('dist/cli/main.js');
  const beyond = r.ours.filter((p) => !(p === 'bin/pairbench.js' || p === 'dist/reports/defaults.js' || p.startsWith('dist/core/') || (p.startsWith('dist/cli/') && !p.endsWith('-run.js'))));
  expect(beyond).toEqual([]);
  expect(r.packages.filter((p) => p !== 'commander' && p !== 'chalk')).toEqual([]);
});

it('a command that runs still loads what it needs', async () => {
  const r = await loadedBy(['report', '--db', path.join(dir, 'missing.db')]);
  expect(r.exitCode).toBe(1);
  expect(r.ours).toContain('dist/cli/commands/report-run.js');
  expect(r.packages).toContain('better-sqlite3');
});
