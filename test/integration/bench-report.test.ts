import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchViewer } from '../support/viewer.js';

/**
 * `npm run bench -- --smoke --only=…` on the benchmarks that need no worker processes, Redis or
 * Selenium Grid: the runner, each child's JSON and the report it writes (Markdown and HTML,
 * opened in real Chromium). Every benchmark at tiny sizes, the peers and the gates included, is
 * `npm run test:bench` (test/bench/), about five minutes of its own.
 */
const runAll = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'bench', 'run-all.js');
const LIGHT = ['actor', 'site', 'gedcom', 'session'];
let out: string;
let report: {
  profile: string;
  machine: { cores: number; chromium: string };
  benches: { name: string; command: string; seconds: number; error?: string; json?: unknown }[];
};

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'bench-report-'));
  // A temp directory of its own, so that the benchmarks' browsers never show up in the leftover
  // checks of the test files running beside this one.
  const ownTmp = join(out, 'tmp');
  mkdirSync(ownTmp);
  const env = { ...process.env, TMPDIR: ownTmp, BROWSER_ACTOR_TMPDIR: join(ownTmp, 'browser-actor') };
  const r = spawnSync(process.execPath, [runAll, '--smoke', `--only=${LIGHT.join(',')}`, `--out=${out}`], {
    encoding: 'utf8',
    timeout: 300_000,
    env,
  });
  expect(r.status, r.stderr).toBe(0);
  report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as typeof report;
}, 320_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('npm run bench -- --smoke --only=actor,site,gedcom,session (the runner and its report)', () => {
  it('runs each benchmark asked for, in order, without a failure, and records the machine and each command', () => {
    expect(report.profile).toBe('smoke');
    expect(report.benches.map((b) => b.name)).toEqual(LIGHT);
    for (const b of report.benches) {
      expect(b.error, b.name).toBeUndefined();
      expect(b.json, b.name).toBeDefined();
      expect(b.command, b.name).toMatch(/^node build\/bench\/[a-z]+-bench\.js --json/);
    }
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.chromium).toMatch(/Chromium \d+/);
  });

  it('bench:session: naive mode checks the session before every call, optimised mode almost never', () => {
    const calls = 8;
    const result = report.benches.find((b) => b.name === 'session')?.json as {
      rows: {
        callers: number;
        naive: { authChecks: number; cookieSyncs: number; navigations: number; apiCalls: number };
        optimised: { authChecks: number; navigations: number; apiCalls: number };
        authCheckShare: number;
      }[];
    };
    expect(result.rows.map((r) => r.callers)).toEqual([1, 2]);
    const [one] = result.rows;
    expect(one?.naive.authChecks).toBe(2 * calls);
    expect(one?.naive.cookieSyncs).toBe(2 * calls);
    expect(one?.optimised.authChecks).toBeLessThanOrEqual(2);
    expect(one?.optimised.navigations).toBe(1);
    for (const row of result.rows)
      for (const mode of ['naive', 'optimised'] as const) expect(row[mode].apiCalls).toBeGreaterThanOrEqual(calls);
    expect(one?.authCheckShare).toBeLessThan(0.2);
  });

  it('writes the report as Markdown tables, and as an HTML page that shows in Chromium with no network', async () => {
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/^# browser-actor benchmark report/);
    expect(md).toContain('Machine: ');
    expect(md.match(/^\|---/gm)?.length ?? 0).toBeGreaterThanOrEqual(LIGHT.length);
    const viewer = await launchViewer();
    try {
      const page = await viewer.browser.newPage();
      const requested: string[] = [];
      page.on('request', (r) => requested.push(r.url()));
      const url = pathToFileURL(join(out, 'report.html')).href;
      await page.goto(url, { timeout: 30_000 });
      expect(requested).toEqual([url]); // self-contained: nothing else is fetched
      expect(await page.evaluate("[...document.querySelectorAll('section')].map((e) => e.id)")).toEqual(LIGHT);
      const charts = page.locator('svg.chart');
      expect(await charts.count()).toBeGreaterThanOrEqual(1); // the session layer's
      for (const chart of await charts.all()) {
        expect((await chart.boundingBox())?.width ?? 0).toBeGreaterThan(300);
        expect(await chart.locator('rect.bar').count()).toBeGreaterThan(0);
      }
      expect(await page.locator('table').count()).toBeGreaterThanOrEqual(LIGHT.length);
      expect(await page.locator('.failed').count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });
});
