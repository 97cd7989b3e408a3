/**
 * The composition root: the one place that picks concrete drivers. Everything else depends on
 * the Driver interface only (enforced by scripts/check-imports.mjs).
 */
import { loadConfig } from './config.js';
import { PlaywrightDriver, type PlaywrightDriverOptions } from './drivers/playwright/playwright-driver.js';
import { BrowserActor, type BrowserActorOptions } from './runtime/actor/browser-actor.js';
import { SessionSupervisor, type SessionSupervisorOptions } from './runtime/supervisor/session-supervisor.js';

export interface CreateBrowserActorOptions extends Omit<BrowserActorOptions, 'driver'> {
  /** Options for the Chromium the actor launches. */
  readonly browser?: PlaywrightDriverOptions;
  /** Environment to read `ACTOR_MODE`, `HEADLESS` and `CHROMIUM_PATH` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A BrowserActor on real Chromium (Playwright over the pipe transport). `actorMode` defaults to
 * the `ACTOR_MODE` setting (itself `false` by default); explicit options win over the environment.
 */
export function createBrowserActor(options: CreateBrowserActorOptions = {}): BrowserActor {
  const { browser, env, ...actorOptions } = options;
  const config = loadConfig(env);
  const driverOptions: PlaywrightDriverOptions = { headless: config.headless, env: env ?? process.env, ...browser };
  return new BrowserActor({
    ...actorOptions,
    actorMode: actorOptions.actorMode ?? config.actorMode,
    driver: () => new PlaywrightDriver(driverOptions),
  });
}

export interface CreateSessionSupervisorOptions extends Omit<SessionSupervisorOptions, 'driver'> {
  /** Options for each Chromium the supervisor launches. */
  readonly browser?: PlaywrightDriverOptions;
  /** Environment to read `HEADLESS` and `CHROMIUM_PATH` from. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A SessionSupervisor that launches real Chromium (Playwright over the pipe transport) for each browser it starts. */
export function createSessionSupervisor(options: CreateSessionSupervisorOptions = {}): SessionSupervisor {
  const { browser, env, ...supervisorOptions } = options;
  const config = loadConfig(env);
  const driverOptions: PlaywrightDriverOptions = { headless: config.headless, env: env ?? process.env, ...browser };
  return new SessionSupervisor({ ...supervisorOptions, driver: () => new PlaywrightDriver(driverOptions) });
}
