/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core opens the
 * file with every network request refused, finds the charts and tables, logs no error, and
 * draws a screenshot that is not blank. `.ci/run` installs chromium; elsewhere the test is
 * skipped when it is missing.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { compare_strategies } from '../src/run/compare.js';
import { record_run } from '../src/report/record_run.js';
import { render_report } from '../src/report/report_html.js';
import { load_scenario } from '../src/scenario/load.js';

const CHROMIUM = '/usr/bin/chromium';
const in_ci = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';

/** Mean and variance of the screenshot's luminance: a blank page has no variance. */
function luminance_stats(png: Buffer): { width: number; height: number; mean: number; variance: number } {
  const image = PNG.sync.read(png);
  let sum = 0;
  let sum_sq = 0;
  const n = image.width * image.height;
  for (let i = 0; i < n; i++) {
    const y = 0.299 * (image.data[4 * i] as number) + 0.587 * (image.data[4 * i + 1] as number) + 0.114 * (image.data[4 * i + 2] as number);
    sum += y;
    sum_sq += y * y;
  }
  const mean = sum / n;
  return { width: image.width, height: image.height, mean, variance: sum_sq / n - mean * mean };
}

describe.skipIf(!existsSync(CHROMIUM) && !in_ci)('HTML report in chromium', () => {
  it('loads offline, shows its charts and tables, logs no error, and renders a non-blank page', async () => {
    const scenario = load_scenario('dirty-16m', ['machine.cpus=3', 'workload.threads=2']);
    const strategies = ['upstream', 'batched'];
    const traced = strategies.map((strategy) => record_run(scenario, { strategy }));
    const comparison = compare_strategies(scenario, strategies, [1]);
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-browser-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, await render_report({ command: 'reclaimsim compare dirty-16m --report report.html', scenario, traced, runs: comparison.runs, comparison }));

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(`file://${file}`);
      expect(await page.locator('svg[viewBox]').count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator('table').count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator('#shootdowns svg[viewBox]').first().isVisible()).toBe(true);
      const box = await page.locator('#shootdowns svg[viewBox]').first().boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(await page.locator('h1').textContent()).toContain('dirty-16m');
      const shot = await page.screenshot({ fullPage: true, path: join(dir, 'report.png') });
      const stats = luminance_stats(shot);
      expect(stats.height).toBeGreaterThan(1500);
      expect(stats.variance).toBeGreaterThan(100);
      expect(stats.mean).toBeGreaterThan(150);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('shows five strategies at 1,400 px without overflow, the headline in the first screen', async () => {
    const scenario = load_scenario('stress-memcg');
    const strategies = ['upstream', 'seed-v1', 'seed-v2', 'zhang-v4', 'batched'];
    const traced = strategies.map((strategy) => record_run(scenario, { strategy }));
    const comparison = compare_strategies(scenario, strategies, [1, 2]);
    const dir = mkdtempSync(join(tmpdir(), 'reclaimsim-browser-'));
    const file = join(dir, 'five.html');
    writeFileSync(file, await render_report({ command: `reclaimsim compare stress-memcg --strategies ${strategies.join(',')} --seeds 2 --report five.html`, scenario, traced, runs: comparison.runs, comparison }));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`file://${file}`);
      const widths = await page.evaluate<{ page: number; view: number }>('({ page: document.documentElement.scrollWidth, view: window.innerWidth })');
      expect(widths.page).toBeLessThanOrEqual(widths.view);
      // Every strategy's column of the headline is on screen, the last one included.
      const last = await page.locator('#results table.cmp th').last().boundingBox();
      expect((last?.x ?? Infinity) + (last?.width ?? 0)).toBeLessThanOrEqual(1400);
      expect(last?.y ?? Infinity).toBeLessThan(900);
      const shot = await page.screenshot({ fullPage: true, path: join(dir, 'five-1400.png') });
      expect(luminance_stats(shot).width).toBe(1400);
    } finally {
      await browser.close();
    }
  }, 180_000);
});
