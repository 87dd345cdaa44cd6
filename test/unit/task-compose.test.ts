// environment/docker-compose.yaml as pairbench reads it (runner/task/compose.ts): Harbor's
// main service plus sidecars in start order, every unhonoured key named, every problem at once.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeWarning, durationSec, parseCompose, splitWords } from '../../runner/task/compose.js';

const env = mkdtempSync(path.join(tmpdir(), 'pb-compose-'));
mkdirSync(path.join(env, 'db'));
writeFileSync(path.join(env, 'db', 'Dockerfile'), 'FROM pairbench/base:bookworm\n');
afterAll(() => rmSync(env, { recursive: true, force: true }));

describe('parseCompose', () => {
  it('takes main\'s additions and each sidecar, ordered by depends_on, with Docker\'s healthcheck defaults', () => {
    const r = parseCompose(
      `services:
  main:
    depends_on: [api]
    environment: [API=http://api:80]
  api:
    image: local/api:1
    command: serve --port "80"
    depends_on:
      db: { condition: service_healthy }
    environment: { MODE: test }
  db:
    build: \${CONTEXT_DIR}/db
    healthcheck:
      test: pg_isready
      interval: 1m30s
`,
      env,
    );
    expect(r.problems).toEqual([]);
    expect(r.unhonoured).toEqual([]);
    expect(r.compose!.mainEnvironment).toEqual({ API: 'http://api:80' });
    expect(r.compose!.services.map((s) => s.name)).toEqual(['db', 'api']);
    const [db, api] = r.compose!.services;
    expect(db).toMatchObject({ build: { context: path.join(env, 'db'), dockerfile: 'Dockerfile' }, image: null });
    expect(db!.healthcheck).toEqual({ argv: ['/bin/sh', '-c', 'pg_isready'], intervalSec: 90, timeoutSec: 30, startPeriodSec: 0, startIntervalSec: 5, retries: 3 });
    expect(api).toMatchObject({ image: 'local/api:1', command: ['serve', '--port', '80'], environment: { MODE: 'test' }, dependsOn: [{ service: 'db', healthy: true }] });
  });

  it('names every key it does not honour, in one warning', () => {
    const r = parseCompose(
      `services:
  main:
    volumes: [./data:/data]
  cache:
    image: redis
    ports: ["6379:6379"]
    privileged: true
    networks: [back]
networks:
  back: {}
`,
      env,
    );
    expect(r.problems).toEqual([]);
    expect(r.unhonoured).toEqual(['networks', 'services.main.volumes', 'services.cache.ports', 'services.cache.privileged', 'services.cache.networks']);
    expect(composeWarning(r.unhonoured)).toMatch(/^environment\/docker-compose.yaml: pairbench does not honour networks, services.main.volumes, services.cache.ports, services.cache.privileged, services.cache.networks; ignored \(/);
    expect(composeWarning([])).toBeNull();
  });

  it('reports every problem at once: no image, a context outside environment/, an unknown dependency, a cycle, a host-valued variable', () => {
    const r = parseCompose(
      `services:
  a: { command: x }
  b: { build: ../.., environment: [SECRET] }
  c: { image: x, depends_on: [d, nowhere] }
  d: { image: x, depends_on: [c] }
`,
      env,
    );
    expect(r.problems).toEqual([
      'services.a: needs build (a directory inside environment/) or image (a local image)',
      'services.b.build.context: "../.." is outside the task\'s environment/; keep every build context inside it',
      'services.b.environment: "SECRET" takes its value from the host; write NAME=${NAME} to read a host variable',
      'services.c.depends_on: nowhere is not a sidecar in this file',
      'services: depends_on forms a cycle (c -> d -> c); break it',
    ]);
  });

  it('refuses what is not a compose file', () => {
    expect(parseCompose('services: [', env).problems[0]).toMatch(/^not valid YAML/);
    expect(parseCompose('version: "3"\n', env).problems).toEqual(['services: missing; a compose file lists its services under `services:`']);
  });
});

it('reads compose durations and splits command strings as words', () => {
  expect([durationSec('1m30s'), durationSec('500ms'), durationSec(2), durationSec('soon')]).toEqual([90, 0.5, 2, null]);
  expect(splitWords(`python3 -c 'print("a b")' "x y" z\\ w`)).toEqual(['python3', '-c', 'print("a b")', 'x y', 'z w']);
});
