/**
 * Workload C of `npm run bench:peers`: signed-in API work. The research batch (search, score,
 * family and kinship ladder of the best matches) through our SessionManager, beside the same
 * calls made the way a Playwright user would: sign in on the page, then `context.request` with
 * the browser's cookies. Both run the same research code with the same run cache, the same
 * concurrency and the same politeness limit (one rate limiter each, at the same rate), each timed
 * from a cold start (browser launch and sign-in included) to the last result; the answers must
 * agree.
 */
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { PlaywrightDriver } from '../src/drivers/playwright/playwright-driver.js';
import { SessionSupervisor } from '../src/runtime/supervisor/session-supervisor.js';
import { RateLimiter } from '../src/session/rate-limiter.js';
import { loadSessionConfig } from '../src/session/session-config.js';
import { SessionManager } from '../src/session/session-manager.js';
import type { TreeSite } from '../src/site/server.js';
import { MARK, executablePath, flags } from './peers-common.js';
import { researchAll, researchBatchFor, startBatchSite } from './research-batch.js';
import { siteCounts } from './report.js';

export interface ApiSettings {
  readonly queries: number;
  readonly concurrency: number;
  readonly latencyMs: number;
  /** The politeness limit both sides keep: burst and requests per second. */
  readonly rate: { readonly capacity: number; readonly refillPerSecond: number };
}

export interface ApiRun {
  readonly contender: string;
  readonly wallMs: number;
  readonly apiCalls: number;
  readonly authChecks: number;
  readonly signIns: number;
  readonly pageLoads: number;
  /** The results without their timings, as one JSON text: equal digests mean equal answers. */
  readonly digest: string;
  readonly error?: string;
}

interface ApiContender {
  readonly name: string;
  readonly label: string;
  /** Start cold, sign in, and hand back a `get(path)` for the API, and how to stop. */
  start(
    site: TreeSite,
    password: string,
    settings: ApiSettings,
  ): Promise<{ get: <T>(path: string) => Promise<T>; close: () => Promise<void> }>;
}

export const API_CONTENDERS: readonly ApiContender[] = [
  {
    name: 'session-manager',
    label: 'browser-actor: SessionManager (browser sign-in, HTTP API client)',
    start: async (site, password, settings) => {
      const supervisor = new SessionSupervisor({ driver: () => new PlaywrightDriver({ args: [MARK] }) });
      const config = loadSessionConfig(
        {
          BASE_URL: site.origin,
          SITE_USERNAME: 'bench',
          SITE_PASSWORD: password,
          RATE_LIMIT: `${settings.rate.capacity}/${settings.rate.refillPerSecond}`,
        },
        false,
      );
      const session = new SessionManager({ config, supervisor });
      try {
        await session.ensureSessionReady();
      } catch (error) {
        await supervisor.stop();
        throw error;
      }
      return { get: (path) => session.get(path), close: () => supervisor.stop() };
    },
  },
  {
    name: 'playwright-request',
    label: 'plain Playwright: sign in on the page, then context.request',
    start: async (site, password, settings) => {
      const browser = await chromium.launch({ executablePath, args: flags, headless: true, timeout: 30_000 });
      try {
        const context = await browser.newContext();
        const page = await context.newPage();
        await page.goto(`${site.origin}/sign-in`, { timeout: 30_000 });
        await page.fill('input[name=username]', 'bench');
        await page.fill('input[name=password]', password);
        await Promise.all([
          page.waitForURL((url) => !url.pathname.startsWith('/sign-in'), { timeout: 30_000 }),
          page.click('button[type=submit]'),
        ]);
        const limiter = new RateLimiter(settings.rate);
        const get = async <T>(path: string): Promise<T> => {
          await limiter.acquire();
          const response = await context.request.get(site.origin + path, { timeout: 30_000 });
          if (!response.ok()) throw new Error(`GET ${path.split('?')[0]} answered ${response.status()}`);
          return (await response.json()) as T;
        };
        return { get, close: () => browser.close() };
      } catch (error) {
        await browser.close();
        throw error;
      }
    },
  },
];

/** One cold run of `contender` on a fresh site: sign in, then the research batch. */
export async function runApiContender(contender: ApiContender, settings: ApiSettings): Promise<ApiRun> {
  const password = randomBytes(12).toString('base64url');
  // The site allows twice the rate both sides keep, so the limit is politeness, not a wall.
  const site = await startBatchSite(password, settings.latencyMs, {
    capacity: settings.rate.capacity * 2,
    refillPerSecond: settings.rate.refillPerSecond * 2,
  });
  try {
    const queries = researchBatchFor(site, settings.queries);
    const started = performance.now();
    let digest = '';
    let error: string | undefined;
    try {
      const { get, close } = await contender.start(site, password, settings);
      try {
        // Each run has a site of its own on its own port: its address in the people's page URLs is not part of the answer.
        digest = JSON.stringify(await researchAll(queries, get, site.origin, settings.concurrency)).replaceAll(site.origin, '<site>');
      } finally {
        await close();
      }
    } catch (failure) {
      error = (failure instanceof Error ? failure.message : String(failure)).slice(0, 300);
    }
    const wallMs = performance.now() - started;
    const counts = siteCounts(site.counts());
    return {
      contender: contender.name,
      wallMs,
      apiCalls: counts.apiCalls,
      authChecks: counts.authChecks,
      signIns: counts.signIns,
      pageLoads: counts.pageLoads,
      digest,
      ...(error === undefined ? {} : { error }),
    };
  } finally {
    await site.close();
  }
}
