import { mkdtempSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserDirsRoot } from '../../src/drivers/browser-dirs.js';
import { descendantsOf, signalProcess } from '../../src/drivers/process-tree.js';
import { WebDriverDriver } from '../../src/drivers/webdriver/webdriver-driver.js';
import type { ActorCrashedError } from '../../src/errors.js';
import { ExecuteJS, Navigate } from '../../src/runtime/tasks/constructors.js';
import { faultScenarios } from '../support/fault-scenarios.js';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.js';
import { fixtureSite } from '../support/fixture-site.js';
import { leftoversUnder } from '../support/leftovers.js';

/**
 * The supervisor's fault scenarios (see test/support/fault-scenarios.ts) on the WebDriver driver
 * with a local chromedriver. Where WebDriver differs from CDP, the scenario checks the documented
 * behaviour: a crashed last tab costs the browser (restarts: 1), and a page that blocks after its
 * first await (in a later task of its event loop) wedges the session, so the timeout path kills chromedriver and the browser by pid.
 * After each scenario no chromedriver, browser or crash handler of the old browser is left.
 */

let server: FixtureServer;
let root: string;

beforeAll(async () => {
  server = await startFixtureServer(fixtureSite);
  root = mkdtempSync(join(browserDirsRoot(), 'webdriver-faults-'));
});

afterAll(async () => {
  await server.close();
  expect(await leftoversUnder(root)).toEqual([]);
  rmdirSync(root);
});

const { runScenario, slowVictim } = faultScenarios({
  server: () => server,
  root: () => root,
  makeDriver: (r) => new WebDriverDriver({ tmpRoot: r }),
  tag: 'wd',
});
/**
 * Live chromedrivers this test file started (under its own process; another test file running
 * beside it starts its own, which are not this scenario's to answer for).
 */
const chromedrivers = (): number[] =>
  descendantsOf(process.pid)
    .filter((p) => p.state !== 'Z' && /(^|\/)chromedriver\b/.test(p.cmdline.split('\0')[0] ?? ''))
    .map((p) => p.pid);

describe('SessionSupervisor on WebDriver (local chromedriver): faults under load', () => {
  it('SIGKILL of the browser mid-task: chromedriver reports the session gone, the idempotent running task is re-run on a new browser', async () => {
    const before = chromedrivers();
    await runScenario({
      victim: slowVictim(true),
      inject: ({ pid }) => {
        expect(signalProcess(pid, 'SIGKILL')).toBe(true);
      },
      checkVictim: (state) => expect(state.value).toBe('slow'),
      restarts: 1,
      victimRuns: 2,
    });
    expect(chromedrivers().filter((p) => !before.includes(p))).toEqual([]);
  });

  it('a killed renderer: its non-idempotent task fails at once ("tab crashed"), and, the browser having no other live tab, a new browser serves the rest', async () => {
    let killedAt = 0;
    await runScenario({
      victim: slowVictim(false, 30_000),
      inject: ({ pid }) => {
        const renderers = descendantsOf(pid).filter((p) => p.cmdline.includes('--type=renderer') && p.state !== 'Z');
        expect(renderers.length).toBeGreaterThan(0);
        killedAt = performance.now();
        for (const r of renderers) signalProcess(r.pid, 'SIGKILL');
      },
      checkVictim: (state) => {
        expect(state.error).toMatchObject({ code: 'ERR_ACTOR_CRASHED' });
        expect((state.error as ActorCrashedError).details).toMatchObject({ maybeExecuted: true });
        expect((state.at ?? Number.POSITIVE_INFINITY) - killedAt).toBeLessThan(2000);
      },
      restarts: 1,
      victimRuns: 1,
    });
  });

  it('a page hung in while(true) times out; CDP stops the script and the same browser serves the rest', async () => {
    await runScenario({
      victim: { task: ExecuteJS('while (true) {}'), timeoutMs: 1500 },
      inject: () => undefined,
      checkVictim: (state) => expect(state.error).toMatchObject({ code: 'ERR_TASK_TIMEOUT' }),
      restarts: 0,
    });
  });

  it('a page that blocks in a later task of its event loop wedges the session: the task times out, chromedriver and the browser are killed by pid, a new browser serves the rest', async () => {
    const before = chromedrivers();
    await runScenario({
      victim: { task: ExecuteJS('await new Promise((r) => setTimeout(r, 100)); while (true) {}'), timeoutMs: 1500 },
      inject: () => undefined,
      checkVictim: (state) => expect(state.error).toMatchObject({ code: 'ERR_TASK_TIMEOUT' }),
      restarts: 1,
    });
    expect(chromedrivers().filter((p) => !before.includes(p))).toEqual([]);
  });

  it('a navigation the server never answers times out; the same browser serves the rest', async () => {
    await runScenario({
      victim: { task: Navigate(`http://127.0.0.1:${new URL(server.origin).port}/never`), timeoutMs: 1500 },
      inject: () => undefined,
      checkVictim: (state) => expect(state.error).toMatchObject({ code: 'ERR_TASK_TIMEOUT' }),
      restarts: 0,
    });
  });
});
