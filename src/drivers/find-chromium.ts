import { accessSync, constants } from 'node:fs';
import { chromiumPathFrom } from '../config.js';
import { BrowserNotFoundError } from '../errors.js';

/** Where a system Chromium usually lives, in the order we look. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
] as const;

/**
 * Flags every browser we start gets. The closed network of our machines refuses Chromium's
 * background connections (sync, component updates, QUIC probes) in floods unless these are off.
 */
export const REQUIRED_CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

const INSTALL_HINT =
  'Install Chromium with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to the path of a Chromium or Chrome executable.';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium to launch: `explicit` if given, else `$CHROMIUM_PATH`, else the first executable
 * candidate. Throws {@link BrowserNotFoundError} saying where we looked and how to install one.
 */
export function findChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = explicit ?? chromiumPathFrom(env);
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new BrowserNotFoundError(
      `Chromium not found at ${configured} (${explicit ? 'executablePath option' : 'CHROMIUM_PATH'}): no executable file there. ${INSTALL_HINT}`,
    );
  }
  for (const candidate of CHROMIUM_CANDIDATES) {
    if (isExecutable(candidate)) return candidate;
  }
  throw new BrowserNotFoundError(`No Chromium found: CHROMIUM_PATH is unset and none of ${CHROMIUM_CANDIDATES.join(', ')} exists. ${INSTALL_HINT}`);
}
