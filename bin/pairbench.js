#!/usr/bin/env node
// The CLI is compiled to dist/ by `npm ci` (the prepare script) or `npm run build`.
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
// stat, not existsSync: access() asks as the real user without capabilities, so a runner
// given only the right to read past a directory it may not enter would be told to build.
if (statSync(fileURLToPath(main), { throwIfNoEntry: false }) === undefined) {
  process.stderr.write('pairbench is not built: run `npm ci` (or `npm run build`) in the checkout first.\n');
  process.exit(1);
}
await import(main.href);
