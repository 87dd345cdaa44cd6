// `pairbench tasks import`: terminal-bench directories into Harbor's layout, as Harbor's
// mapper converts them; the results load, and a bad source is one line, with nothing left behind.

import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { importTerminalBench } from '../../runner/task/import-tb.js';
import { loadTask } from '../../runner/task/load.js';

const FIXTURES = resolve('fixtures/tasks-terminal-bench');
const temps: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'pb-task-import-'));
  temps.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('importTerminalBench', () => {
  it('converts both fixtures into tasks that load, with Harbor mapper fields', async () => {
    const to = join(await tempDir(), 'tasks');
    const r = await importTerminalBench([FIXTURES], to);
    expect(r.failed).toEqual([]);
    expect(r.imported.map((i) => i.target)).toEqual([join(to, 'tb-count-lines'), join(to, 'tb-hello-file')]);

    const hello = await loadTask(join(to, 'tb-hello-file'));
    expect(hello.instruction).toBe('Create the file /app/hello.txt containing exactly the line `Hello, terminal-bench!`\nfollowed by a newline.\n');
    expect(hello.config.agent.timeoutSec).toBe(120);
    expect(hello.config.verifier.timeoutSec).toBe(30);
    expect(hello.config.metadata).toMatchObject({ author_name: 'pairbench', difficulty: 'easy', tags: ['bash', 'files'] });
    expect(hello.config.harborName).toBe('terminal-bench/tb-hello-file');
    expect(hello.warnings).toEqual([]);
    // The compose file's environment moves into the Dockerfile; the compose file itself goes.
    expect(await readFile(join(to, 'tb-hello-file/environment/Dockerfile'), 'utf8')).toMatch(/\nENV TEST_DIR=\/tests\nENV GREETING_FILE=\/app\/hello.txt\n$/);
    expect(await readdir(join(to, 'tb-hello-file/environment'))).toEqual(['Dockerfile']);
    expect(await readFile(join(to, 'tb-hello-file/tests/run-tests.sh'), 'utf8')).toContain('bash /tests/check_hello.sh');
    expect(await readFile(hello.paths.testSh, 'utf8')).toContain('echo 1 > /logs/verifier/reward.txt');

    const count = await loadTask(join(to, 'tb-count-lines'));
    expect(count.config.agent.timeoutSec).toBe(360); // Harbor's default for max_agent_timeout_sec
    expect(await readFile(join(to, 'tb-count-lines/environment/data/numbers.txt'), 'utf8')).toBe('3\n5\n8\n13\n21\n');
    expect(await readFile(count.paths.solveSh, 'utf8')).toContain("> /app/sum.txt\ncat /app/sum.txt\n");
  });

  it('keeps sidecars in environment/docker-compose.yaml with the main service named main', async () => {
    const src = join(await tempDir(), 'with-db');
    await cp(join(FIXTURES, 'tb-hello-file'), src, { recursive: true });
    await mkdir(join(src, 'db'));
    await writeFile(join(src, 'db/Dockerfile'), 'FROM pairbench/base:bookworm\n');
    await writeFile(
      join(src, 'docker-compose.yaml'),
      'services:\n  client:\n    build:\n      dockerfile: Dockerfile\n    environment:\n      - TEST_DIR=${T_BENCH_TEST_DIR}\n    depends_on: [db]\n  db:\n    build:\n      context: ./db\n',
    );
    const to = join(await tempDir(), 'tasks');
    const r = await importTerminalBench([src], to);
    expect(r.failed).toEqual([]);
    const compose = parseYaml(await readFile(join(to, 'with-db/environment/docker-compose.yaml'), 'utf8')) as { services: Record<string, unknown> };
    expect(Object.keys(compose.services)).toEqual(['main', 'db']);
    expect(compose.services['main']).toEqual({ build: { context: '.' }, command: ['sh', '-c', 'sleep infinity'], depends_on: ['db'] });
    expect(await readFile(join(to, 'with-db/environment/db/Dockerfile'), 'utf8')).toBe('FROM pairbench/base:bookworm\n');
  });

  it('names each source it cannot convert and leaves no half-written task', async () => {
    const root = await tempDir();
    const keys = join(root, 'keys');
    await cp(join(FIXTURES, 'tb-count-lines'), keys, { recursive: true });
    await writeFile(join(keys, 'solution.yaml'), '- command: "C-c"\n  append_enter: false\n');
    const to = join(root, 'tasks');
    await mkdir(join(to, 'tb-hello-file'), { recursive: true });
    const r = await importTerminalBench([keys, join(FIXTURES, 'tb-hello-file'), join(root, 'nowhere')], to);
    expect(r.imported).toEqual([]);
    expect(r.failed.map((f) => f.problem)).toEqual([
      `${join(root, 'nowhere')}: no such directory`,
      `${keys}: solution.yaml entry 1 sends keystrokes without Enter ("C-c"); write solution.sh by hand`,
      `${join(FIXTURES, 'tb-hello-file')}: ${join(to, 'tb-hello-file')} already exists; remove it or import into another --to directory`,
    ]);
    expect(await readdir(to)).toEqual(['tb-hello-file']);
  });
});
