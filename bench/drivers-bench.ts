/**
 * `npm run bench:drivers` — the same task mix on each driver adapter in one run: Playwright (CDP
 * over a pipe), WebDriver with a local chromedriver, and WebDriver on a Selenium Grid 4 started
 * here (standalone, 127.0.0.1). Each round starts a fresh BrowserActor per adapter (launch timed
 * from `start()` to ready) and runs: one Navigate, 50 ExecuteJS, one GetCookies and one viewport
 * Screenshot, each timed from submit to answer. Adapters run interleaved, the order rotating each
 * round; figures are medians, and each adapter's per-task latency is also given as a ratio to
 * Playwright's in the same run.
 *
 * Flags: `--rounds=N` (default 5), `--scripts=N` (ExecuteJS per round, default 50), `--no-grid`,
 * `--json`.
 */
import { type Server, createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { browserDirsRoot } from '../src/drivers/browser-dirs.js';
import type { Driver } from '../src/drivers/driver.js';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { WebDriverDriver } from '../src/drivers/webdriver/webdriver-driver.js';
import { listenOnLoopback } from '../src/internal/loopback-server.js';
import { type SeleniumGrid, startSeleniumGrid } from '../test/support/selenium-grid.js';
import { BrowserActor } from '../src/runtime/actor/browser-actor.js';
import { ExecuteJS, GetCookies, Navigate, Screenshot } from '../src/runtime/tasks/constructors.js';
import { intFlag, machineInfo, machineLine, median, textLog } from './report.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const rounds = intFlag(args, 'rounds', 5, 1);
const scripts = intFlag(args, 'scripts', 50, 1);
const withGrid = !args.includes('--no-grid');
const log = textLog(asJson);

const TASKS = ['Navigate', 'ExecuteJS', 'GetCookies', 'Screenshot'] as const;
type TaskName = (typeof TASKS)[number];

interface Adapter {
  readonly name: string;
  readonly label: string;
  make(): Driver;
}

interface Round {
  readonly adapter: string;
  readonly launchMs: number;
  readonly ms: Record<TaskName, number[]>;
}

/** A page that sets a session cookie, on 127.0.0.1. */
async function startSite(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.setHeader('set-cookie', 'session=bench; HttpOnly; Path=/');
    res.setHeader('content-type', 'text/html');
    res.end(
      `<!doctype html><title>Bench</title><h1 id="name">Person ${new URL(req.url ?? '/', 'http://x').searchParams.get('i') ?? ''}</h1>`,
    );
  });
  server.keepAliveTimeout = 1000;
  return listenOnLoopback(server);
}

async function timed<T>(into: number[], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await work();
  into.push(performance.now() - started);
  return value;
}

async function runRound(adapter: Adapter, origin: string, round: number): Promise<Round> {
  const ms: Record<TaskName, number[]> = { Navigate: [], ExecuteJS: [], GetCookies: [], Screenshot: [] };
  const actor = new BrowserActor({ driver: () => adapter.make() });
  const started = performance.now();
  try {
    await actor.start();
    const launchMs = performance.now() - started;
    const nav = await timed(ms.Navigate, () => actor.submit(Navigate(`${origin}/person?i=${round}`)));
    if (nav.status !== 200) throw new Error(`${adapter.name}: the page answered ${nav.status}`);
    for (let i = 0; i < scripts; i++) {
      const value = await timed(ms.ExecuteJS, () => actor.submit(ExecuteJS<number>('return arguments[0] + 1', [i], { idempotent: true })));
      if (value !== i + 1) throw new Error(`${adapter.name}: ExecuteJS answered ${String(value)}`);
    }
    const cookies = await timed(ms.GetCookies, () => actor.submit(GetCookies(['session'])));
    if (cookies[0]?.value !== 'bench') throw new Error(`${adapter.name}: the session cookie is missing`);
    const png = await timed(ms.Screenshot, () => actor.submit(Screenshot()));
    if (png.byteLength < 100) throw new Error(`${adapter.name}: the screenshot is empty`);
    return { adapter: adapter.name, launchMs, ms };
  } finally {
    await actor.stop({ timeoutMs: 10_000 });
  }
}

const round1 = (n: number): number => Number(n.toFixed(1));
const round2 = (n: number): number => Number(n.toFixed(2));

async function main(): Promise<void> {
  const site = await startSite();
  mkdirSync(browserDirsRoot(), { recursive: true });
  const root = mkdtempSync(join(browserDirsRoot(), 'drivers-bench-'));
  let grid: SeleniumGrid | undefined;
  let gridStartMs: number | undefined;
  try {
    if (withGrid) {
      const started = performance.now();
      grid = await startSeleniumGrid({ parent: root });
      gridStartMs = performance.now() - started;
    }
    const gridUrl = grid?.url;
    const adapters: Adapter[] = [
      { name: 'playwright', label: 'Playwright (CDP over a pipe)', make: () => new PlaywrightDriver({ tmpRoot: root }) },
      { name: 'webdriver-local', label: 'WebDriver, local chromedriver', make: () => new WebDriverDriver({ tmpRoot: root }) },
      ...(gridUrl === undefined
        ? []
        : [{ name: 'webdriver-grid', label: 'WebDriver on Selenium Grid 4', make: () => new WebDriverDriver({ url: gridUrl }) }]),
    ];
    const runs: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < adapters.length; k++) {
        const adapter = adapters[(k + r) % adapters.length] as Adapter;
        log(`  round ${r + 1}/${rounds}: ${adapter.name} …`);
        runs.push(await runRound(adapter, site.origin, r));
      }
    }
    const summary = adapters.map((a) => {
      const mine = runs.filter((x) => x.adapter === a.name);
      const perTask = Object.fromEntries(TASKS.map((t) => [t, round2(median(mine.flatMap((x) => x.ms[t])))])) as Record<TaskName, number>;
      return { adapter: a.name, label: a.label, launchMs: round1(median(mine.map((x) => x.launchMs))), perTaskMs: perTask };
    });
    const base = summary.find((s) => s.adapter === 'playwright');
    const withRatios = summary.map((s) => ({
      ...s,
      launchRatio: base ? round2(s.launchMs / base.launchMs) : null,
      perTaskRatio: Object.fromEntries(TASKS.map((t) => [t, base ? round2(s.perTaskMs[t] / base.perTaskMs[t]) : null])),
    }));
    const machine = machineInfo();
    const result = {
      machine,
      rounds,
      scriptsPerRound: scripts,
      gridStartMs: gridStartMs === undefined ? null : Math.round(gridStartMs),
      summary: withRatios,
    };
    if (asJson) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    log(`\n${machineLine(machine)}`);
    log(
      `The same task mix on each driver adapter: a fresh actor per round, 1 Navigate, ${scripts} ExecuteJS, 1 GetCookies, 1 Screenshot; ${rounds} interleaved round(s), medians (ratio to Playwright in this run)`,
    );
    if (gridStartMs !== undefined) log(`  Selenium Grid standalone started in ${Math.round(gridStartMs)} ms (once, before the rounds)`);
    for (const s of withRatios) {
      const tasks = TASKS.map((t) => `${t} ${s.perTaskMs[t]} ms (${s.perTaskRatio[t]}×)`).join(', ');
      log(`  ${s.label.padEnd(32)} launch ${s.launchMs} ms (${s.launchRatio}×); ${tasks}`);
    }
  } finally {
    await grid?.stop();
    await site.close();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
