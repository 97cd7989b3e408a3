/**
 * The composition root: the one place that picks concrete drivers. Everything else depends on
 * the Driver interface only (enforced by scripts/check-imports.mjs).
 */
import { type Config, type DriverKind, loadConfig } from './config.js';
import type { DriverFactory } from './drivers/driver.js';
import { PlaywrightDriver, type PlaywrightDriverOptions } from './drivers/playwright/playwright-driver.js';
import { WebDriverDriver } from './drivers/webdriver/webdriver-driver.js';
import { ConfigError } from './errors.js';
import { BrowserActor, type BrowserActorOptions } from './runtime/actor/browser-actor.js';
import { SessionSupervisor, type SessionSupervisorOptions } from './runtime/supervisor/session-supervisor.js';

/** Options for the browsers the runtime launches, whichever driver drives them. */
export interface BrowserOptions extends PlaywrightDriverOptions {
  /** `playwright` (CDP) or `webdriver` (W3C WebDriver). Default: `DRIVER`, else `webdriver` when a WebDriver URL is set, else `playwright`. */
  readonly driver?: DriverKind;
  /** WebDriver: the endpoint to create sessions at, e.g. a Selenium Grid. Default `WEBDRIVER_URL`; unset: a local chromedriver. */
  readonly webdriverUrl?: string;
  /** WebDriver, local: the chromedriver executable. Default `CHROMEDRIVER_PATH`, else `chromedriver` on PATH. */
  readonly chromedriverPath?: string;
}

/** The factory of fresh drivers for `browser` (explicit options win over the environment). */
export function browserDriver(config: Config, browser: BrowserOptions, env: NodeJS.ProcessEnv): DriverFactory {
  const {
    driver = config.driver,
    webdriverUrl = driver === 'webdriver' ? config.webdriverUrl : undefined,
    chromedriverPath,
    ...common
  } = browser;
  const options: PlaywrightDriverOptions = { headless: config.headless, env, ...common };
  if (driver === 'webdriver') {
    return () =>
      new WebDriverDriver({
        ...options,
        ...(webdriverUrl === undefined ? {} : { url: webdriverUrl }),
        ...(chromedriverPath === undefined ? {} : { chromedriverPath }),
      });
  }
  if (driver !== 'playwright')
    throw new ConfigError(`browser.driver must be playwright or webdriver, got ${JSON.stringify(String(driver))}`);
  if (webdriverUrl !== undefined) throw new ConfigError('browser.webdriverUrl needs browser.driver webdriver');
  return () => new PlaywrightDriver(options);
}

/** What createBrowserActor takes: the BrowserActor's own options, with the driver chosen from `browser` and the environment. */
export interface CreateBrowserActorOptions extends Omit<BrowserActorOptions, 'driver'> {
  /** Options for the browser the actor launches. */
  readonly browser?: BrowserOptions;
  /** Environment to read `ACTOR_MODE`, `HEADLESS`, `CHROMIUM_PATH`, `DRIVER` and `WEBDRIVER_URL` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A BrowserActor on real Chromium (Playwright over the pipe transport, or WebDriver).
 * `actorMode` defaults to the `ACTOR_MODE` setting (itself `false` by default); explicit options
 * win over the environment.
 */
export function createBrowserActor(options: CreateBrowserActorOptions = {}): BrowserActor {
  const { browser, env, ...actorOptions } = options;
  const config = loadConfig(env);
  refuseBlockOnWebDriver(actorOptions.limits, browser?.driver ?? config.driver);
  return new BrowserActor({
    ...actorOptions,
    actorMode: actorOptions.actorMode ?? config.actorMode,
    driver: browserDriver(config, browser ?? {}, env ?? process.env),
  });
}

/** What createSessionSupervisor takes: the SessionSupervisor's own options, with the driver chosen from `browser` and the environment. */
export interface CreateSessionSupervisorOptions extends Omit<SessionSupervisorOptions, 'driver'> {
  /** Options for each browser the supervisor launches. */
  readonly browser?: BrowserOptions;
  /** Environment to read `HEADLESS`, `CHROMIUM_PATH`, `DRIVER` and `WEBDRIVER_URL` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A SessionSupervisor that launches real Chromium (Playwright, or WebDriver) for each browser it starts. */
export function createSessionSupervisor(options: CreateSessionSupervisorOptions = {}): SessionSupervisor {
  const { browser, env, ...supervisorOptions } = options;
  const config = loadConfig(env);
  const factory = browserDriver(config, browser ?? {}, env ?? process.env);
  if (supervisorOptions.isolateLanes && (browser?.driver ?? config.driver) === 'webdriver') {
    throw new ConfigError(
      'isolateLanes needs the Playwright driver: one WebDriver session has one cookie jar for all its tabs (use DRIVER=playwright, or separate supervisors)',
    );
  }
  refuseBlockOnWebDriver(supervisorOptions.limits, browser?.driver ?? config.driver);
  return new SessionSupervisor({ ...supervisorOptions, driver: factory });
}

/** `limits.block` needs a driver that can keep resources out: say so before any browser starts. */
function refuseBlockOnWebDriver(limits: { readonly block?: readonly unknown[] } | undefined, driver: string): void {
  if (driver === 'webdriver' && Array.isArray(limits?.block) && limits.block.length > 0) {
    throw new ConfigError(
      'limits.block needs the Playwright driver: WebDriver shows a client no request before it is sent, so it cannot keep images, fonts or media out (use DRIVER=playwright, or leave limits.block out)',
    );
  }
}
