// The HTML report opens offline in a real browser and its charts draw: headless Chromium
// loads the file, and every chart must hold visible points, with no error and no request out.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateFixtureDb } from '../../fixtures/db/generate.js';
import { runReport } from '../../cli/commands/report-run.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-report-html-'));
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('draws the wall, depth and by-turn charts from the file alone', async () => {
  const db = join(dir, 'fixture.db');
  generateFixtureDb(db, { trials: 5, seed: 4, simulated: true, withSubstrateErrors: 0.1, withRestart: true });
  const file = join(dir, 'report.html');
  writeFileSync(file, await runReport({ db, format: 'html' }));

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-charts-drawn="yes"]');

  const charts = await page.$$eval('svg[data-chart]', (svgs) =>
    svgs.map((s) => {
      const box = s.getBoundingClientRect();
      const pts = [...s.querySelectorAll('.pt')].map((p) => p.getBoundingClientRect());
      return {
        name: s.getAttribute('data-chart'),
        width: box.width,
        height: box.height,
        points: pts.length,
        visible: pts.filter((r) => r.width > 0 && r.height > 0 && r.left >= box.left - 1 && r.right <= box.right + 1).length,
      };
    }),
  );
  expect(charts.map((c) => c.name)).toEqual(['walls', 'ttft-depth', 'ttft-turn']);
  for (const c of charts) {
    expect(c.width, c.name!).toBeGreaterThan(100);
    expect(c.height, c.name!).toBeGreaterThan(100);
    expect(c.points, c.name!).toBeGreaterThan(5);
    expect(c.visible, c.name!).toBe(c.points);
  }
  // Walls: one box per (task, harness) with clean trials; by turn: one line per harness.
  expect(await page.locator('svg[data-chart="walls"] rect.box').count()).toBe(6);
  expect(await page.locator('svg[data-chart="ttft-turn"] polyline.series').count()).toBe(2);
  expect(await page.locator('.notice').innerText()).toMatch(/simulated server, not from a model/);
  expect(await page.locator('table').count()).toBeGreaterThanOrEqual(8);

  await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
  if (process.env.PB_KEEP_SCREENSHOT) writeFileSync(process.env.PB_KEEP_SCREENSHOT, await page.screenshot({ fullPage: true }));
  expect(errors).toEqual([]);
  expect(requests).toEqual([]);
  await page.close();
});
