import { redactUrl } from './internal/redact.js';
import { ConfigError } from './errors.js';

/** Settings read from the environment. */
export interface Config {
  /** `ACTOR_MODE`: run tasks through the actor's mailbox and worker loop. Default `false`. */
  readonly actorMode: boolean;
  /** `HEADLESS`: run Chromium without a window. Default `true`. */
  readonly headless: boolean;
  /** `CHROMIUM_PATH`: the Chromium executable; unset means "look in the usual places". */
  readonly chromiumPath: string | undefined;
  /**
   * `DRIVER`: how browsers are driven: `playwright` (CDP, the default) or `webdriver` (W3C
   * WebDriver: a local chromedriver, or the endpoint in `WEBDRIVER_URL`).
   */
  readonly driver: DriverKind;
  /** `WEBDRIVER_URL`: a WebDriver endpoint such as Selenium Grid (implies `DRIVER=webdriver`). */
  readonly webdriverUrl: string | undefined;
}

export type DriverKind = 'playwright' | 'webdriver';
export const DRIVER_KINDS: readonly DriverKind[] = ['playwright', 'webdriver'];

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new ConfigError(`${name} must be true or false (also accepted: 1/0, yes/no, on/off), got ${JSON.stringify(raw.slice(0, 40))}`, {
    details: { variable: name },
  });
}

/** `CHROMIUM_PATH`, trimmed; `undefined` when unset or blank. The one reading of that variable. */
export function chromiumPathFrom(env: NodeJS.ProcessEnv): string | undefined {
  return env['CHROMIUM_PATH']?.trim() || undefined;
}

/** `DRIVER` and `WEBDRIVER_URL`, checked together. */
export function driverFrom(env: NodeJS.ProcessEnv): { driver: DriverKind; webdriverUrl: string | undefined } {
  const rawUrl = env['WEBDRIVER_URL']?.trim() || undefined;
  if (rawUrl !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(rawUrl);
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.username !== '' || url.password !== '') {
      throw new ConfigError(
        `WEBDRIVER_URL must be an http(s) URL without credentials, such as http://127.0.0.1:4444 (a Selenium Grid), got ${redactUrl(rawUrl)}`,
        {
          details: { variable: 'WEBDRIVER_URL' },
        },
      );
    }
  }
  const rawDriver = env['DRIVER']?.trim().toLowerCase() || undefined;
  if (rawDriver !== undefined && !(DRIVER_KINDS as readonly string[]).includes(rawDriver)) {
    throw new ConfigError(`DRIVER must be ${DRIVER_KINDS.join(' or ')}, got ${JSON.stringify((env['DRIVER'] ?? '').slice(0, 40))}`, {
      details: { variable: 'DRIVER' },
    });
  }
  const driver = (rawDriver as DriverKind | undefined) ?? (rawUrl !== undefined ? 'webdriver' : 'playwright');
  if (driver === 'playwright' && rawUrl !== undefined) {
    throw new ConfigError('DRIVER=playwright and WEBDRIVER_URL are both set: a WebDriver URL needs DRIVER=webdriver (or unset DRIVER)', {
      details: { variable: 'DRIVER' },
    });
  }
  return { driver, webdriverUrl: rawUrl };
}

/** Read and validate the configuration; every bad value gets an error naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    actorMode: flag(env, 'ACTOR_MODE', false),
    headless: flag(env, 'HEADLESS', true),
    chromiumPath: chromiumPathFrom(env),
    ...driverFrom(env),
  };
}
