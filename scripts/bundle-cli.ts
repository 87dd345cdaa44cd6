// Part of `npm run build`, after tsc: rewrites dist/cli/main.js as one file holding the CLI's
// command declarations (cli/, but no *-run.js), the ground-floor data they read, and commander
// and chalk. Node then reads, resolves and compiles a few modules at start-up instead of about
// twenty-five, and never runs commander's CommonJS through the ESM loader's export scan.
//
// What stays a file of its own, loaded from dist/ as tsc wrote it:
// - every dynamic import: what a command runs loads only when it runs;
// - every module of ours that declares a class or holds state at its top level (core/errors.js,
//   core/runner-identity.js): the runner loads those too, and a second, inlined copy would have
//   its own classes (`instanceof PairbenchError` would fail in runCli) and its own state;
// - every module outside cli/, core/ and reports/defaults.js, and every package but commander
//   and chalk, so that test/e2e/cli-startup.test.ts still sees it load at start-up.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** The checkout root (this file runs from dist/scripts/). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENTRY = path.join(ROOT, 'dist/cli/main.js');
const CLI_DIR = path.join(ROOT, 'dist/cli') + path.sep;
const CORE_DIR = path.join(ROOT, 'dist/core') + path.sep;
const REPORT_DEFAULTS = path.join(ROOT, 'dist/reports/defaults.js');
/** The packages help needs: small, and nothing the runner shares classes or state with. */
const INLINED_PACKAGES = new Set(['commander', 'chalk']);

// At the start of a line, so at a module's top level in tsc's output.
const CLASS_OR_STATE = /^(?:export )?(?:default )?(?:abstract )?class |^(?:export )?(?:let|var) |^(?:export )?const [^=]+= new /m;

/** Whether one copy of `abs` may live in the bundle beside the one the runner loads. */
function inlinable(abs: string): boolean {
  if (abs.startsWith(CLI_DIR)) return !abs.endsWith('-run.js');
  if (!abs.startsWith(CORE_DIR) && abs !== REPORT_DEFAULTS) return false;
  return !CLASS_OR_STATE.test(readFileSync(abs, 'utf8'));
}

/** A path to `abs` as the bundle (written over ENTRY) imports it. */
function fromBundle(abs: string): string {
  const rel = path.relative(path.dirname(ENTRY), abs).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

const declarationsOnly: Plugin = {
  name: 'pairbench-declarations-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      // Inside an inlined package: its own files (and its `#` imports) come along.
      if (args.importer.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      if (!args.path.startsWith('.')) {
        const pkg = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]!;
        return INLINED_PACKAGES.has(pkg) && args.kind !== 'dynamic-import' ? undefined : { path: args.path, external: true };
      }
      const abs = path.resolve(args.resolveDir, args.path);
      if (args.kind !== 'dynamic-import' && inlinable(abs)) return undefined;
      return { path: fromBundle(abs), external: true };
    });
  },
};

await build({
  entryPoints: [ENTRY],
  outfile: ENTRY,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  plugins: [declarationsOnly],
  // commander is CommonJS and requires node: built-ins; an ES module has no `require` of its own.
  banner: { js: "import { createRequire as pairbenchCreateRequire } from 'node:module';\nconst require = pairbenchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
