// The settings a figure depends on are stated wherever figures are: model, dialect, the server
// flags pairbench knows of, concurrency (with a warning above 1), time scale and restarts,
// in the report and in compare, where settings that differ are named.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFixtureDb, type FixtureOptions } from '../../fixtures/db/generate.js';
import { openStore } from '../../store/db.js';
import { loadSweepData, type SweepData } from '../../reports/queries.js';
import { buildReport } from '../../reports/model.js';
import { buildComparison } from '../../reports/compare.js';
import { renderCompareMarkdown, renderMarkdown } from '../../reports/markdown.js';
import { renderCompareHtml, renderHtml } from '../../reports/html.js';
import { readFigureSettings } from '../../reports/sweep-settings.js';
import { knownServerFlags } from '../../core/sweep-serving.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-report-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function fixture(options: FixtureOptions): SweepData {
  const path = join(dir, `f${++n}.db`);
  const { sweepIds } = generateFixtureDb(path, { trials: 3, seed: 2, ...options });
  const db = openStore(path, { readonly: true });
  try {
    return loadSweepData(db, sweepIds[0]!);
  } finally {
    db.close();
  }
}

describe('a server command line', () => {
  it('keeps only the flags that change figures, with their values, and never a key', () => {
    const argv = ['/opt/llama-server', '-m', '/models/q.gguf', '--api-key', 'sk-secret', '-c', '8192', '--parallel=2', '-fa', 'on', '-md', 'd.gguf', '--no-cache-prompt', '--port', '8080', '-fa'];
    expect(knownServerFlags(argv)).toEqual(['-c 8192', '--parallel 2', '-fa on', '-md d.gguf', '--no-cache-prompt', '-fa']);
    expect(knownServerFlags(argv).join(' ')).not.toContain('sk-secret');
  });
});

describe('the report', () => {
  it('states model, dialect, server flags, concurrency, time scale and restarts; no warning at concurrency 1', () => {
    const md = renderMarkdown(buildReport(fixture({ withRestart: true })));
    const line = md.split('\n').find((l) => l.startsWith('Settings:'));
    expect(line).toBe(
      'Settings: model fixture-model · dialect llama-server · server flags -c 32768, -np 1, -fa on · concurrency 1 · time scale real time (not simulated) · restarts every group',
    );
    expect(md).not.toContain('competed for it');
  });

  it('says what the simulated server was started with, and what it said of itself', () => {
    const s = readFigureSettings(
      JSON.stringify({ settings: { concurrency: 1, restartEvery: 3, timeScale: null }, serving: { kind: 'simulated', model: 'simulated', dialect: 'llama-server', timeScale: 1, canary: { everyTrials: 5, factor: 1.5 }, serverFlags: [] } }),
      JSON.stringify({ model: 'simulated', dialect: 'llama-server', '/props': { default_generation_settings: { n_ctx: 4096, speculative: true, params: { 'speculative.n_max': 8 } }, total_slots: 2, time_scale: 0.5, pairbench_simulated: true } }),
    );
    expect(s).toMatchObject({ model: 'simulated', dialect: 'llama-server', serverFlags: ['n_ctx 4096', '2 slots', 'drafting on (n_max 8)'], timeScale: 0.5, restarts: 'every 3 trials' });
    expect(s.canary).toContain('1.5×');
  });

  it('warns when trials ran concurrently, above the tables and in the honest read, in every human format', () => {
    const data = fixture({ concurrency: 3 });
    const report = buildReport(data);
    const md = renderMarkdown(report);
    expect(md).toContain('· concurrency 3 ·');
    expect(md).toMatch(/^> \*\*Concurrency 3: up to 3 trials ran at once against one serving layer and competed for it/m);
    expect(md.indexOf('Concurrency 3:')).toBeLessThan(md.indexOf('## '));
    expect(report.honest.lines.some((l) => l.startsWith('Concurrency 3:'))).toBe(true);
    expect(renderHtml(report)).toContain('Concurrency 3: up to 3 trials');
  });

  it('reads a store from before settings were recorded without guessing', () => {
    const s = readFigureSettings(JSON.stringify({ harnesses: ['a'] }), null);
    expect(s).toMatchObject({ model: null, dialect: null, serverFlags: [], concurrency: null, timeScale: null, restarts: null });
  });
});

describe('compare', () => {
  it('shows both sweeps\' settings and names each that differs', () => {
    const a = fixture({});
    const b = fixture({ concurrency: 2, simulated: true });
    const c = buildComparison(a, b);
    const md = renderCompareMarkdown(c);
    expect(md).toContain('a: Settings: model fixture-model');
    expect(md).toContain('b: Settings: model fixture-model');
    const differ = md.split('\n').find((l) => l.includes('differ in settings'))!;
    expect(differ).toContain('concurrency: 1 → 2');
    expect(differ).toContain('time scale: real time (not simulated) → 0 (simulated)');
    expect(differ).toContain('server flags: -c 32768, -np 1, -fa on → none known');
    expect(differ).not.toContain('model:');
    expect(md).toContain('> **b: Concurrency 2:');
    expect(renderCompareHtml(c)).toContain('concurrency: 1 → 2');
    // Same settings: no such line.
    expect(renderCompareMarkdown(buildComparison(a, fixture({})))).not.toContain('differ in settings');
  });
});
