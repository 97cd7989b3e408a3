import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { BrowserNotFoundError } from '../../errors.js';

const INSTALL_HINT =
  'Install it with `sudo apt-get install chromium-driver` (Debian/Ubuntu; it must match the Chromium version), or set CHROMEDRIVER_PATH to a chromedriver executable.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The chromedriver to start: `explicit` if given, else `$CHROMEDRIVER_PATH`, else `chromedriver`
 * on `PATH`. Throws {@link BrowserNotFoundError} saying where we looked and how to install it.
 */
export function findChromedriver(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = explicit ?? (env['CHROMEDRIVER_PATH'] || undefined);
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new BrowserNotFoundError(`chromedriver not found at ${configured} (${explicit ? 'chromedriverPath option' : 'CHROMEDRIVER_PATH'}): no executable file there. ${INSTALL_HINT}`);
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'chromedriver'))) return join(dir, 'chromedriver');
  }
  throw new BrowserNotFoundError(`No chromedriver found: CHROMEDRIVER_PATH is unset and there is none on PATH. ${INSTALL_HINT}`);
}
