import { driverFrom } from '../config.js';
import { ConfigError } from '../errors.js';

/** `--driver` and `--webdriver`, for every command that starts browsers (`parseArgs` options). */
export const DRIVER_FLAGS = { driver: { type: 'string' }, webdriver: { type: 'string' } } as const;

export const DRIVER_HELP = `  --driver <name>      How browsers are driven: playwright (CDP, the default) or webdriver
                       (W3C WebDriver). Default: DRIVER.
  --webdriver <url>    A WebDriver endpoint such as Selenium Grid, http://host:4444 (implies
                       --driver webdriver). Default: WEBDRIVER_URL; with --driver webdriver and
                       no URL, a chromedriver started here (CHROMEDRIVER_PATH, or on PATH).`;

/**
 * The environment overrides the flags make (`DRIVER`, `WEBDRIVER_URL`), checked as those
 * variables are, with the flags named in the error.
 */
export function driverEnv(
  values: { readonly driver?: string | undefined; readonly webdriver?: string | undefined },
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const overrides: Record<string, string> = {};
  if (values.driver !== undefined) overrides['DRIVER'] = values.driver;
  if (values.webdriver !== undefined) {
    overrides['WEBDRIVER_URL'] = values.webdriver;
    if (values.driver === undefined) overrides['DRIVER'] = 'webdriver';
  }
  try {
    driverFrom({ ...env, ...overrides });
  } catch (error) {
    const message = (error as Error).message;
    throw new ConfigError(
      values.driver === undefined && values.webdriver === undefined
        ? message
        : message.replace(/^DRIVER/, '--driver').replace(/^WEBDRIVER_URL/, '--webdriver'),
    );
  }
  return overrides;
}
