import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { listTree, packDirectory, packDirectoryAt, packFile, unpack } from '../../engines/tar.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

it('packs a directory under a prefix and reads it back, long names and symlinks included', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pb-tar-'));
  dirs.push(dir);
  const long = `${'d'.repeat(80)}/${'f'.repeat(90)}.txt`;
  await mkdir(path.join(dir, path.dirname(long)), { recursive: true });
  await writeFile(path.join(dir, long), 'long path');
  await writeFile(path.join(dir, 'test.sh'), '#!/bin/bash\n', { mode: 0o755 });
  await writeFile(path.join(dir, 'empty'), '');
  await symlink('test.sh', path.join(dir, 'link'));

  expect(await listTree(dir)).toEqual([path.dirname(long), long, 'empty', 'link', 'test.sh']);
  const archive = await packDirectory(dir, 'tests/');
  expect(archive.length % 512).toBe(0);
  const entries = unpack(archive);
  expect(entries.map((e) => [e.name, e.type])).toEqual([
    [`tests/${path.dirname(long)}/`, 'directory'],
    [`tests/${long}`, 'file'],
    ['tests/empty', 'file'],
    ['tests/link', 'symlink'],
    ['tests/test.sh', 'file'],
  ]);
  expect(entries[1]!.data.toString()).toBe('long path');
  expect(entries[3]!.linkname).toBe('test.sh');
  expect(entries[4]!.data.toString()).toBe('#!/bin/bash\n');
});

it('packs a single file whose size is not a multiple of the block', () => {
  const data = Buffer.alloc(1000, 7);
  const [entry, ...rest] = unpack(packFile('reward.txt', data));
  expect(rest).toEqual([]);
  expect(entry!.name).toBe('reward.txt');
  expect(entry!.data.equals(data)).toBe(true);
});

it('packs a directory to land at an absolute container path when extracted at /', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pb-tar-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'solve.sh'), 'true\n');
  const names = async (at: string): Promise<string[]> => unpack(await packDirectoryAt(dir, at)).map((e) => e.name);
  expect(await names('/solution')).toEqual(['solution/solve.sh']);
  expect(await names('//opt/a/../b/')).toEqual(['opt/b/solve.sh']);
  expect(await names('/')).toEqual(['solve.sh']);
  await expect(packDirectoryAt(dir, 'relative')).rejects.toThrow(/container path relative is not absolute/);
});
