// scripts/build.sh rebuilds dist/ when any compiled source is newer than it. Its folders come
// from tsconfig.build.json, so a folder added there (as proxy/ once was) is watched too.

import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from './sweep-support.js';

const copy = mkdtempSync(path.join(tmpdir(), 'pb-build-script-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

it('names a newer source in every folder tsconfig.build.json compiles, and says fresh otherwise', async () => {
  mkdirSync(path.join(copy, 'scripts'));
  cpSync(path.join(ROOT, 'scripts', 'build.sh'), path.join(copy, 'scripts', 'build.sh'));
  for (const f of ['tsconfig.build.json', 'tsconfig.json', 'package.json']) cpSync(path.join(ROOT, f), path.join(copy, f));
  const folders = ['core', 'proxy', 'simulator', 'engines'];
  writeFileSync(path.join(copy, 'tsconfig.build.json'), JSON.stringify({ include: folders }));
  const old = new Date(Date.now() - 3_600_000);
  for (const f of ['tsconfig.build.json', 'tsconfig.json', 'package.json']) utimesSync(path.join(copy, f), old, old);
  for (const folder of folders) {
    mkdirSync(path.join(copy, folder));
    writeFileSync(path.join(copy, folder, 'a.ts'), '');
    utimesSync(path.join(copy, folder, 'a.ts'), old, old);
  }
  mkdirSync(path.join(copy, 'dist', 'cli'), { recursive: true });
  writeFileSync(path.join(copy, 'dist', 'cli', 'main.js'), '');

  const dry = async () => (await execa('bash', [path.join(copy, 'scripts', 'build.sh'), '--dry-run'])).stdout.trim();
  expect(await dry()).toBe('fresh');
  for (const folder of folders) {
    const file = path.join(copy, folder, 'a.ts');
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(file, later, later);
    expect(await dry()).toBe(`${folder}/a.ts`);
    utimesSync(file, old, old);
  }
  rmSync(path.join(copy, 'dist'), { recursive: true });
  expect(await dry()).toBe('dist/cli/main.js is missing');
});
